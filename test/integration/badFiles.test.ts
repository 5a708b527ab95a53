/**
 * Broken profile files through the paths that read files: `loadRun` (the .cpuprofile editor and
 * Open Profile…) with the report data the views get, and the CLI's `report`. Each ends in a
 * result or a clear error (no stack trace, exit code 1), never a crash.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProfileError } from '../../src/profile/cpuprofile';
import { reportData } from '../../src/report/reportData';
import { loadRun } from '../../src/runs/runFolder';
import { HotpathError } from '../../src/vocabulary/errors';
import { apply, mutation, validProfile } from '../fuzzProfiles';
import { tempFolder } from '../helpers';

const RUNS = Number(process.env.HOTPATH_FUZZ_RUNS) || 10_000;
const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

/** A broken profile's text: mutated, then maybe truncated. */
const brokenText = fc
  .tuple(
    validProfile,
    fc.array(mutation, { maxLength: 3 }),
    fc.double({ min: 0, max: 1.2, noNaN: true }),
  )
  .map(([valid, ms, cut]) => {
    const p = structuredClone(valid);
    for (const m of ms) apply(p, m);
    const text = JSON.stringify(p);
    return cut >= 1 ? text : text.slice(0, Math.floor(text.length * cut));
  });

test(`${Math.ceil(RUNS / 20)} broken files through loadRun and the report data`, () => {
  const dir = tempFolder('bad-files');
  try {
    let n = 0;
    fc.assert(
      fc.property(brokenText, (text) => {
        const file = path.join(dir, `p${n++}.cpuprofile`);
        fs.writeFileSync(file, text);
        try {
          const run = loadRun(file);
          assert.ok(reportData(run, dir).flame.frames.fn.length > 0);
        } catch (error) {
          assert.ok(
            error instanceof ProfileError || error instanceof HotpathError,
            `an unexpected ${String(error)}`,
          );
          assert.ok(String((error as Error).message).length > 10);
        }
      }),
      { numRuns: Math.ceil(RUNS / 20) },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('`hotpath report` on broken files: exit code 1 and one line that names the problem', () => {
  const dir = tempFolder('bad-cli');
  try {
    const samples = fc.sample(brokenText, { numRuns: 25, seed: 7 });
    let failed = 0;
    samples.forEach((text, i) => {
      const file = path.join(dir, `p${i}.cpuprofile`);
      fs.writeFileSync(file, text);
      const result = spawnSync(process.execPath, [cli, 'report', file], { encoding: 'utf8' });
      assert.ok(
        result.status === 0 || result.status === 1,
        `exit ${result.status}: ${result.stderr}`,
      );
      if (result.status === 1) {
        failed++;
        assert.match(result.stderr, /^hotpath: (invalid profile|cannot read)/);
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      }
    });
    assert.ok(failed > 0, 'some of the files were broken');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
