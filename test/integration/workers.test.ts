/**
 * `--workers 2`: autocannon's load in two worker threads, end to end through the CLI. What the
 * workers answer is counted once: the summary's responses are what the service served, not twice.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RunRecord } from '../../src/record/run';
import { CLI, runCli, tempFolder } from '../helpers';

let out: string;
before(() => {
  out = tempFolder('workers');
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

const hotpath = (...args: string[]) => runCli(out, args);

describe('two autocannon workers', () => {
  test('a fixed amount against a counting service: served and counted once each', async () => {
    let served = 0;
    const server = http.createServer((request, response) => {
      if (request.url === '/count') served++;
      response.setHeader('content-type', 'application/json');
      response.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // Not spawnSync: the server in this process must keep answering while the CLI runs.
      const run = await new Promise<ReturnType<typeof hotpath>>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            CLI,
            'profile',
            '/count',
            '--url',
            `http://127.0.0.1:${port}`,
            '--workers',
            '2',
            '-c',
            '4',
            '--amount',
            '400',
            '--warmup',
            '0',
            '--json',
          ],
          { cwd: out },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => {
          stdout += c;
        });
        child.stderr.on('data', (c: Buffer) => {
          stderr += c;
        });
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
      assert.equal(run.code, 0, run.stderr);
      const record = JSON.parse(run.stdout) as RunRecord;
      assert.equal(record.status, 'done');
      const load = record.load;
      assert.ok(load);
      assert.equal(load.workers, 2, 'the load ran in two workers');
      assert.equal(served, 400, 'the service served the amount asked for');
      assert.equal(load.requests, served, 'each response counted once');
      assert.deepEqual(load.statusCodes, { '200': served });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a profiled run of the sample service: done, no more responses than requests sent, the timeline never above them', () => {
    const run = hotpath(
      'profile',
      '/fast',
      '--workers',
      '2',
      '-c',
      '4',
      '-d',
      '2',
      '--warmup',
      '0',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const record = JSON.parse(run.stdout) as RunRecord;
    assert.equal(record.status, 'done');
    assert.equal(typeof record.profile.file, 'string', 'profiled');
    const load = record.load;
    assert.ok(load);
    assert.equal(load.workers, 2);
    assert.ok(load.requests > 0);
    // A response is one request sent: never more responses than requests, and at most one in
    // flight per connection when the load stopped.
    assert.ok(
      load.requests <= load.sent && load.sent - load.requests <= load.connections,
      `${load.requests} responses against ${load.sent} sent on ${load.connections} connections`,
    );
    // The timeline counts responses as they reach the load process, second by second; it can
    // miss some at the edges of the window (it does with one worker too), never count one twice.
    const timeline = (record.timeline ?? []).reduce((a, p) => a + p.rps, 0);
    assert.ok(
      timeline > 0 && timeline <= load.requests,
      `timeline ${timeline} against ${load.requests} responses`,
    );
  });
});
