/**
 * Malformed profiles, generated: valid profiles broken in every way a file can be (truncated text,
 * wrong types, dangling ids, cycles, huge numbers, NaN, negative deltas, empty arrays), through
 * the parser, the model, the analysis, the flamegraph data and the report data. Every case ends
 * in a result or a ProfileError; nothing else is thrown, and no case takes long.
 *
 * HOTPATH_FUZZ_RUNS sets the number of cases (default 10,000).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { analyze } from '../../src/profile/analyze';
import { compareRuns } from '../../src/profile/compare';
import { ProfileError, parseProfile } from '../../src/profile/cpuprofile';
import { diffFlameData, flameData } from '../../src/profile/flame';
import { apply, type Json, mutation, validProfile } from '../fuzzProfiles';
import { cpuProfile } from '../helpers';

const RUNS = Number(process.env.HOTPATH_FUZZ_RUNS) || 10_000;
/**
 * A case that takes longer than this is a hang or a blow-up in size: a guard, not a speed limit
 * (cases take milliseconds; a busy machine must not fail them). Speed is bench/'s concern.
 */
const CASE_MS = 60_000;

/** Everything a profile goes through on its way to the user; returns what it made. */
function throughEverything(input: Json): string {
  const analysis = analyze(parseProfile(input));
  const flame = flameData(analysis, 'fuzz');
  const diff = diffFlameData(compareRuns({ analysis }, { analysis }), 'fuzz');
  // Everything finite: no NaN reaches a view.
  for (const f of [...analysis.functions])
    if (!Number.isFinite(f.selfUs) || !Number.isFinite(f.totalUs))
      throw new Error(`${f.name}: self ${f.selfUs}, total ${f.totalUs}`);
  return `${flame.frames.fn.length}/${diff.frames.fn.length}`;
}

/** A ProfileError or a result, within the time; anything else fails the case. */
function check(input: Json): void {
  const started = performance.now();
  try {
    throughEverything(input);
  } catch (error) {
    if (!(error instanceof ProfileError)) throw error;
    assert.match(error.message, /^invalid profile: \S+ /, 'the error names the field');
  }
  const ms = performance.now() - started;
  assert.ok(ms < CASE_MS, `a case took ${ms.toFixed(0)} ms`);
}

describe('malformed profiles', () => {
  test(`${RUNS} broken profiles, as parsed values: a result or a ProfileError`, () => {
    fc.assert(
      fc.property(validProfile, fc.array(mutation, { minLength: 1, maxLength: 3 }), (valid, ms) => {
        // Mutate a copy: fast-check reuses generated values while shrinking.
        const p = structuredClone(valid);
        for (const m of ms) apply(p, m);
        check(p);
      }),
      { numRuns: RUNS },
    );
  });

  test(`${Math.ceil(RUNS / 4)} broken profiles as text, truncated anywhere`, () => {
    fc.assert(
      fc.property(
        validProfile,
        fc.array(mutation, { maxLength: 2 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (valid, ms, cut) => {
          const p = structuredClone(valid);
          for (const m of ms) apply(p, m);
          const text = JSON.stringify(p);
          check(text.slice(0, Math.floor(text.length * cut)));
          check(text);
        },
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  test('a 100,000-level deep tree, flat and in the old nested format: no stack overflow', () => {
    const depth = 100_000;
    const nodes = Array.from({ length: depth }, (_, i) => ({
      id: i + 1,
      callFrame: {
        functionName: `f${i % 10}`,
        scriptId: '1',
        url: 'file:///deep.js',
        lineNumber: i % 10,
        columnNumber: 0,
      },
      children: i + 1 < depth ? [i + 2] : [],
    }));
    const flat = { nodes, startTime: 0, endTime: 1000, samples: [depth, 1], timeDeltas: [10, 10] };
    // Every level is a frame of the flamegraph and of the comparison's: the tree is not cut.
    assert.equal(throughEverything(flat), `${depth}/${depth}`);
    // The old format nests children inside their parents: built as text, JSON.stringify would recurse.
    let nested = '';
    for (let i = depth; i >= 1; i--)
      nested = `{"id":${i},"functionName":"f${i % 10}","url":"file:///deep.js","lineNumber":${(i % 10) + 1},"children":[${nested}]}`;
    const old = `{"head":${nested},"startTime":0,"endTime":0.001,"samples":[${depth},1],"timestamps":[10,20]}`;
    check(old);
    assert.equal(throughEverything(old), `${depth}/${depth}`);
  });

  test('a 50 MB function name is kept, not a crash', () => {
    const name = 'n'.repeat(50 * 1024 * 1024);
    const p = cpuProfile([{ stack: [{ name, url: 'file:///a.js', line: 1 }], us: 9 }], {
      leadUs: 1,
    });
    check(p);
    // Kept whole, not merely survived: a ProfileError would pass `check`, a cut name would not this.
    const analysis = analyze(parseProfile(p));
    const kept = analysis.functions.filter((f) => f.name.length === name.length);
    assert.equal(kept.length, 1, 'the function with the long name is in the analysis');
    assert.ok(kept[0].name === name, 'its name is the whole name');
    const flame = flameData(analysis, 'fuzz');
    assert.ok(
      flame.functions.names.some((n) => n === name),
      'the flamegraph carries the whole name',
    );
  });
});
