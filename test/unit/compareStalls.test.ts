import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Comparison } from '../../src/profile/compare';
import { type ComparedStalls, compareStalls } from '../../src/profile/compareStalls';
import { checkGates, parseGate } from '../../src/profile/gates';
import type { StallAnalysis } from '../../src/profile/stalls';

/** A run's stalls: `count` of them over `seconds`, all in function 0 (`spin`). */
function run(count: number, seconds: number, thresholdMs = 20): ComparedStalls {
  const stalls: StallAnalysis = {
    thresholdMs,
    probeMs: 5,
    count,
    idle: 0,
    dropped: 0,
    totalMs: count * 50,
    longestMs: count > 0 ? 80 : 0,
    unsampled: 0,
    functions:
      count > 0
        ? [{ functionId: 0, stalls: count, totalMs: count * 50, longestMs: 80, sampledUs: 1 }]
        : [],
    threads: { main: 1, workers: 0, notMeasured: 0 },
  };
  return {
    stalls,
    durationUs: seconds * 1e6,
    delayP99Ms: count,
    frameOf: (id) =>
      id === 0 ? { key: 'spin', name: 'spin', category: 'user', file: 'a.js', line: 3 } : undefined,
  };
}

test('stall rates per second of each window, their ratio with a Poisson interval', () => {
  // 40 in 4 s (10/s) → 10 in 2 s (5/s): half the rate, though a quarter of the count.
  const c = compareStalls(run(40, 4), run(10, 2));
  assert.ok(c?.ratio);
  assert.equal(c.before.perSec, 10);
  assert.equal(c.after.perSec, 5);
  assert.ok(Math.abs(c.ratio.estimate - 0.5) < 1e-12);
  const half = 1.96 * Math.sqrt(1 / 40 + 1 / 10);
  assert.ok(Math.abs(c.ratio.low - 0.5 * Math.exp(-half)) < 1e-12);
  assert.ok(Math.abs(c.ratio.high - 0.5 * Math.exp(half)) < 1e-12);
  assert.deepEqual(
    c.functions.map((f) => [f.name, f.before.stalls, f.after.stalls]),
    [['spin', 40, 10]],
  );
});

test('no stall in one run: half a stall, so the ratio has an interval; none in either: no ratio', () => {
  const rose = compareStalls(run(0, 2), run(12, 2));
  assert.ok(rose?.ratio && rose.ratio.estimate === 24 && rose.ratio.low > 1);
  assert.deepEqual(rose.functions[0].before, { stalls: 0, totalMs: 0, longestMs: 0 });
  const neither = compareStalls(run(0, 2), run(0, 3));
  assert.ok(neither && neither.ratio === undefined && neither.thresholdsDiffer === undefined);
});

test('different thresholds count different things: no ratio', () => {
  const c = compareStalls(run(10, 2, 20), run(10, 2, 50));
  assert.ok(c && c.ratio === undefined && c.thresholdsDiffer === true);
  assert.equal(compareStalls(undefined, run(1, 1)), undefined, 'one run did not measure its loop');
});

test('--fail-if "stalls>1.5": on the interval; neither run stalled passes; unmeasured fails', () => {
  const gate = parseGate('stalls>1.5');
  const check = (stalls: Comparison['stalls']) =>
    checkGates({ ratios: {}, ...(stalls ? { stalls } : {}) } as Comparison, [gate])[0].outcome;
  assert.equal(check(compareStalls(run(5, 2), run(60, 2))), 'failed');
  assert.equal(check(compareStalls(run(20, 2), run(10, 2))), 'passed');
  assert.equal(check(compareStalls(run(10, 2), run(16, 2))), 'inconclusive');
  assert.equal(check(compareStalls(run(0, 2), run(0, 2))), 'passed');
  assert.equal(check(undefined), 'missing');
});

test("Hotpath's agent is left out of the functions' rows", () => {
  const agent = run(3, 1);
  agent.frameOf = () => ({ key: 'a', name: '#onFinish', category: 'hotpath', file: 'x', line: 1 });
  assert.deepEqual(
    compareStalls(agent, run(1, 1))?.functions.map((f) => f.name),
    ['spin'],
  );
});
