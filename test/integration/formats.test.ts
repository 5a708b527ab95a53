/** Profiles Hotpath did not make: `node --cpu-prof` output, read and analysed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyze, hotFunctions } from '../../src/profile/analyze';
import { parseProfile } from '../../src/profile/cpuprofile';
import { readTextFile } from '../../src/runs/runFolder';
import { fixture, runCli, tempFolder } from '../helpers';

test('a node --cpu-prof profile is read, and its hot function found', () => {
  const dir = tempFolder('cpu-prof');
  try {
    const script = path.join(dir, 'spin.js');
    fs.writeFileSync(
      script,
      'function spin() {\n  let x = 0;\n  for (let i = 0; i < 3e7; i++) x += Math.sqrt(i);\n  return x;\n}\nfor (let r = 0; r < 5; r++) spin();\n',
    );
    const result = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, script], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    assert.ok(file, 'node wrote a profile');
    const analysis = analyze(parseProfile(fs.readFileSync(path.join(dir, file), 'utf8')), {
      readFile: readTextFile,
    });
    const [top] = hotFunctions(analysis, 1);
    assert.equal(top.name, 'spin');
    assert.equal(top.generated.line, 1);
    assert.ok(
      top.selfUs / analysis.model.durationUs > 0.5,
      `spin has ${top.selfUs / analysis.model.durationUs} of the time`,
    );
    assert.ok(
      analysis.lines.some((l) => l.file === script && l.line === 3),
      'the loop line is hot',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fixtures made by the real tools, reported by hotpath report: node --heap-prof, @datadog/pprof', () => {
  // node --heap-prof (test/fixtures/profiles/node-heap-prof/make.js): makeRecords allocates
  // nearly all; one of V8's samples names no node of the tree, which is said, not refused.
  const heap = runCli(process.cwd(), [
    'report',
    fixture('profiles/node-heap-prof/node-heap-prof.heapprofile'),
  ]);
  assert.equal(heap.code, 0, heap.stderr);
  assert.match(
    heap.stdout,
    /where memory is allocated[^\n]*\n\s+makeRecords\s+[\d.]+ MB\s+9\d\.\d %/,
  );
  assert.match(heap.stdout, /1 of the file's samples name no node of its tree/);
  // The same file saved as .json (DevTools saves under any name): told by its bytes. V8 wrote
  // makeRecords with no script URL or line (its script was gone): said, not an empty cell.
  const dir = tempFolder('heap-json');
  try {
    const saved = path.join(dir, 'saved.json');
    fs.copyFileSync(fixture('profiles/node-heap-prof/node-heap-prof.heapprofile'), saved);
    const json = runCli(process.cwd(), ['report', saved, '--markdown']);
    assert.equal(json.code, 0, json.stderr);
    assert.match(
      json.stdout,
      /\| makeRecords \| [\d.]+ MB \| 9\d\.\d % \| no script URL or line in the profile \|/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // @datadog/pprof's wall profile (test/fixtures/profiles/datadog-pprof/make.js): spinPrimes on
  // top, at the first line the profile gives it (the producer writes no start line).
  const wall = runCli(process.cwd(), [
    'report',
    fixture('profiles/datadog-pprof/datadog-wall.pb.gz'),
    '--json',
  ]);
  assert.equal(wall.code, 0, wall.stderr);
  const analysis = JSON.parse(wall.stdout).analysis;
  assert.equal(analysis.timeline, false);
  assert.equal(analysis.hotFunctions[0].name, 'spinPrimes');
  assert.ok(analysis.hotFunctions[0].selfShare > 0.9);
  assert.match(analysis.hotFunctions[0].where, /make\.js:1[5-9]$/);
});
