/**
 * A run that measured nothing is never a result: a route whose requests take longer than the
 * load gets no responses, and the CLI says so with its own exit code, no diagnosis and no hot
 * lines; `report` refuses the folder the same way. The profile is kept.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../../src/cli/exitCodes';
import type { RunRecord } from '../../src/record/run';
import { forSurface, hasReference } from '../../src/vocabulary/words';
import { fixture, freePort, runCli, tempFolder } from '../helpers';

test('a load with no responses exits with the measured-nothing code and prints no diagnosis', async () => {
  const out = tempFolder('nothing');
  try {
    const port = await freePort();
    // Each request costs 3 s of CPU; two connections for 2 s: no response can come back.
    const profiled = runCli(fixture('zoo/slow-route'), [
      'profile',
      '/report',
      '-c',
      '2',
      '-d',
      '2',
      '--warmup',
      '0',
      '--out',
      out,
      '--',
      `PORT=${port}`,
      'COST_MS=3000',
      'node',
      'server.js',
    ]);
    assert.equal(profiled.code, EXIT.measuredNothing, profiled.stderr + profiled.stdout);
    assert.match(profiled.stdout, /the load got no responses/);
    assert.match(profiled.stdout, /--connections 1/);
    for (const result of ['diagnosis', 'hot functions', 'hot lines', 'time went to'])
      assert.doesNotMatch(profiled.stdout, new RegExp(result), `no ${result} is printed`);

    const [id] = fs.readdirSync(out);
    const folder = path.join(out, id);
    const record = JSON.parse(fs.readFileSync(path.join(folder, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(record.status, 'failed');
    assert.equal(record.error?.code, 'MEASURED_NOTHING');
    // The editor says the options its own way: the words keep their references.
    assert.ok(record.error?.words && hasReference(record.error.words), record.error?.words);
    assert.match(
      forSurface(record.error.words, 'editor'),
      /a preset with "connections": 1 in hotpath.presets/,
    );
    assert.equal(record.load?.requests, 0);
    assert.ok(record.profile.file, 'the profile is kept');
    assert.ok(fs.existsSync(path.join(folder, record.profile.file)));

    const reported = runCli(out, ['report', folder]);
    assert.equal(reported.code, EXIT.measuredNothing, reported.stderr);
    assert.match(reported.stderr, /measured nothing/);
    assert.doesNotMatch(reported.stdout, /diagnosis|hot functions/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
