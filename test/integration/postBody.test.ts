/**
 * A POST with a JSON body and a header, end to end through the CLI: the sample service's
 * `POST /clients/:id` validates its body (Fastify answers 415 without the JSON content type, 400
 * without `subscribed_topics`), writes the client, and answers 201 the first time, 200 after.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { RunRecord } from '../../src/record/run';
import { QUICK, runCli, serveSample, tempFolder } from '../helpers';

const BODY = JSON.stringify({ subscribed_topics: ['news', 'jobs'] });
let out: string;
before(() => {
  out = tempFolder('post');
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

const hotpath = (...args: string[]) => runCli(out, args);

const post = (pathname: string, ...more: string[]) => [
  'profile',
  pathname,
  '--method',
  'POST',
  '--body',
  BODY,
  '--header',
  'content-type: application/json',
  ...QUICK,
  '--json',
  ...more,
];

describe('POST with a JSON body and a header', () => {
  test('a profiled run of POST /clients/:id: done, every answer 2xx, the client created once', () => {
    const run = hotpath(...post('/clients/ab-cd'));
    assert.equal(run.code, 0, run.stderr);
    const record = JSON.parse(run.stdout) as RunRecord;
    const load = record.load;
    assert.ok(load, 'the record has a load summary');
    assert.equal(load.method, 'POST');
    assert.deepEqual(
      Object.keys(load.statusCodes).sort(),
      ['200', '201'],
      `only 200 and 201: ${JSON.stringify(load.statusCodes)}`,
    );
    // The first write creates the client (201); every later one replaces it (200).
    assert.equal(load.statusCodes['201'], 1, JSON.stringify(load.statusCodes));
    assert.ok(load.statusCodes['200'] > 0);
    assert.equal(typeof record.profile.file, 'string', 'the run was profiled');
    assert.ok(record.timings.endedAt, 'the run ended');
  });

  test('against a running service: its clients show the written topics afterwards', async () => {
    const { child, url } = await serveSample();
    try {
      const before = (await (await fetch(`${url}/clients`)).json()) as { user_id: string }[];
      assert.ok(!before.some((c) => c.user_id === 'zz99'), 'no such client yet');

      const run = hotpath(...post('/clients/zz-99', '--url', url));
      assert.equal(run.code, 0, run.stderr);
      const load = (JSON.parse(run.stdout) as RunRecord).load;
      assert.equal(load?.statusCodes['201'], 1, JSON.stringify(load?.statusCodes));

      const clients = (await (await fetch(`${url}/clients`)).json()) as {
        user_id: string;
        subscribed_topics: string[];
      }[];
      assert.deepEqual(
        clients.find((c) => c.user_id === 'zz99'),
        { user_id: 'zz99', subscribed_topics: ['news', 'jobs'] },
        'the service stored the body it was sent',
      );
    } finally {
      child.kill('SIGINT');
    }
  });
});
