/**
 * `hotpath demo` as a user runs it: the sample service's four walk-through routes profiled one
 * after another, then what the pairs show. Structure only: the figures depend on the machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { RunRecord } from '../../src/record/run';
import { tempFolder } from '../helpers';

const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const out = tempFolder('demo');
after(() => fs.rmSync(out, { recursive: true, force: true }));

const ROUTES = ['/read', '/fast', '/cpu', '/cpualloc'];
const figure = String.raw`[\d,]+(?:\.\d+)?`;

test('demo --preset quick: four runs saved and printed in order, then the two lessons', () => {
  const result = spawnSync(process.execPath, [cli, 'demo', '--preset', 'quick', '--out', 'runs'], {
    encoding: 'utf8',
    cwd: out,
    timeout: 240_000,
  });
  assert.equal(result.status, 0, `${result.stderr}\n${result.stdout}`);
  const text = result.stdout;

  // Each run: its header, its summary lines, where it was saved, its diagnosis; in route order.
  const headers = [...text.matchAll(/^GET (\/\w+) · sample service · .* preset quick$/gm)];
  assert.deepEqual(
    headers.map((m) => m[1]),
    ROUTES,
    text,
  );
  const blocks = text.split(/^GET \/\w+ · sample service/m).slice(1);
  for (const [i, block] of blocks.entries()) {
    for (const row of ['throughput', 'latency', 'service', 'profile', 'saved', 'diagnosis'])
      assert.match(block, new RegExp(`^  ${row} +\\S`, 'm'), `${ROUTES[i]}: ${row}\n${block}`);
  }

  // Four run folders, each a finished run of its route with a profile.
  const folders = fs.readdirSync(path.join(out, 'runs')).sort();
  assert.equal(folders.length, 4, folders.join(', '));
  const records = folders.map(
    (f) => JSON.parse(fs.readFileSync(path.join(out, 'runs', f, 'run.json'), 'utf8')) as RunRecord,
  );
  assert.deepEqual(records.map((r) => r.options.load.path).sort(), [...ROUTES].sort());
  for (const record of records) {
    assert.equal(record.status, 'done');
    assert.equal(typeof record.profile.file, 'string');
  }
  // /cpu and /cpualloc sample their allocations too: the second lesson is a copy per turn.
  for (const [i, folder] of folders.entries()) {
    const heap = ['/cpu', '/cpualloc'].includes(records[i].options.load.path)
      ? ', profile\\.heapprofile'
      : '';
    assert.match(
      text,
      new RegExp(`saved +runs/${folder}/ \\(run\\.json, profile\\.cpuprofile${heap}\\)`),
    );
  }

  // The lessons, after the last run.
  const lessons = text.slice(text.indexOf('What the runs show:'));
  assert.ok(text.indexOf('What the runs show:') > text.lastIndexOf('GET /cpualloc'), text);
  assert.match(
    lessons,
    new RegExp(
      `^  /fast served ${figure}x the requests per second of /read \\(${figure} against ${figure}`,
      'm',
    ),
  );
  assert.match(
    lessons,
    new RegExp(`^  /cpualloc cost ${figure}x the process CPU per response of /cpu \\(`, 'm'),
  );
  assert.match(
    lessons,
    new RegExp(
      `The heap sampler puts it in cpualloc: ${figure} % of the bytes, ${figure} [KMG]?B allocated per response against ${figure} [KMG]?B for /cpu\\.`,
    ),
  );
  assert.match(lessons, /^ {2}Open the profiles in the run folders/m);
});
