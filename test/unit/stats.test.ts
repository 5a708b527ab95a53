import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ComparedRun, type Comparison, spreadOf } from '../../src/profile/compare';
import { checkGates, parseGate } from '../../src/profile/gates';
import {
  directionOf,
  type RatioInterval,
  ratioInterval,
  SPREAD_RULES,
  verdictText,
} from '../../src/profile/stats';
import type { SampleSeries } from '../../src/record/samples';
import { forSurface } from '../../src/vocabulary/words';
import { gaussian, seededRandom } from '../helpers';

/** A closed load's series of 100 ms intervals, none yet. */
function emptySeries(connections: number): Required<SampleSeries> {
  return {
    intervalMs: 100,
    responses: [],
    latencyMs: [],
    closedConnections: connections,
    cycles: [],
    cycleMs: [],
  };
}

/**
 * A closed load of `connections` whose cycles last `cycleMs` on average, with ±jitter, over
 * `intervals` 100 ms intervals; responses come in waves when `waves` (all connections at once).
 */
function closedLoad(
  cycleMs: number,
  { intervals = 30, connections = 20, jitter = 0.05, seed = 1, waves = false } = {},
): SampleSeries {
  const random = seededRandom(seed);
  const series = emptySeries(connections);
  let clock = 0;
  for (let i = 0; i < intervals; i++) {
    // Waves: every connection answers at the same moments, so an interval holds 1 or 2 of them.
    const inInterval = waves
      ? connections * (Math.floor((clock + 100) / cycleMs) - Math.floor(clock / cycleMs))
      : Math.round((connections * 100) / cycleMs);
    clock += 100;
    let sum = 0;
    for (let r = 0; r < inInterval; r++) sum += cycleMs * (1 + jitter * (2 * random() - 1));
    series.responses.push(inInterval);
    series.latencyMs.push(sum);
    series.cycles.push(inInterval);
    series.cycleMs.push(sum);
  }
  return series;
}

/** The same load without what Little's law needs: req/s from counted responses. */
function paced(series: SampleSeries): SampleSeries {
  return {
    intervalMs: series.intervalMs,
    responses: series.responses,
    latencyMs: series.latencyMs,
  };
}

describe('is a change real?', () => {
  test('a load against itself: no measurable change, the interval around 1', () => {
    const interval = ratioInterval(
      [closedLoad(50, { seed: 1 })],
      [closedLoad(50, { seed: 2 })],
      'requestsPerSec',
    );
    assert.ok(interval);
    assert.ok(interval.low < 1 && interval.high > 1, JSON.stringify(interval));
    assert.equal(directionOf(interval), 'same');
    assert.deepEqual(interval.from, ['cycles', 'cycles']);
    assert.match(verdictText(interval, 'faster', 'slower'), /^no measurable change \(95 % CI/);
  });

  test('cycles 20 % shorter: faster, with an interval that excludes 1 and holds the truth', () => {
    const interval = ratioInterval(
      [closedLoad(50, { seed: 3 })],
      [closedLoad(40, { seed: 4 })],
      'requestsPerSec',
    );
    assert.ok(interval);
    assert.equal(directionOf(interval), 'up');
    assert.ok(
      interval.low > 1 && interval.low < 1.25 && interval.high > 1.25,
      JSON.stringify(interval),
    );
    assert.match(verdictText(interval, 'faster', 'slower'), /^faster, 95 % CI 1\.\d+–1\.\d+x$/);
    const latency = ratioInterval(
      [closedLoad(50, { seed: 3 })],
      [closedLoad(40, { seed: 4 })],
      'latencyMean',
    );
    assert.ok(latency && directionOf(latency) === 'down');
  });

  test('a wave-answering service: narrow from cycles; counted in blocks that hold many waves', () => {
    const [a, b] = [
      closedLoad(50, { waves: true, seed: 5 }),
      closedLoad(50, { waves: true, seed: 6 }),
    ];
    const fromCycles = ratioInterval([a], [b], 'requestsPerSec') as RatioInterval;
    assert.ok(fromCycles.high - fromCycles.low < 0.1, JSON.stringify(fromCycles));
    // Counted per 100 ms, an interval would hold one wave or two; in 500 ms blocks, ten.
    const fromCounts = ratioInterval([paced(a)], [paced(b)], 'requestsPerSec') as RatioInterval;
    assert.deepEqual(fromCounts.from, ['counts', 'counts']);
    assert.equal(directionOf(fromCounts), 'same');
  });

  test('a change within the noise threshold is no measurable change, and says why', () => {
    const [a, b] = [
      [closedLoad(50, { seed: 7, intervals: 200, jitter: 0.01 })],
      [closedLoad(48.5, { seed: 8, intervals: 200, jitter: 0.01 })],
    ];
    // Two runs differ by a few per cent anyway (the run-to-run term): a 3 % change is in that.
    const usual = ratioInterval(a, b, 'requestsPerSec');
    assert.ok(usual && usual.low < 1 && directionOf(usual) === 'same', JSON.stringify(usual));
    // Were runs to repeat exactly, it would be significant, and still within the noise.
    const interval = ratioInterval(a, b, 'requestsPerSec', { ...SPREAD_RULES, runToRun: 0 });
    assert.ok(interval && interval.low > 1, JSON.stringify(interval));
    assert.equal(directionOf(interval), 'same');
    assert.match(verdictText(interval, 'faster', 'slower'), /within the ±5 % noise/);
  });

  test('too few intervals: no interval rather than a made-up one', () => {
    assert.equal(
      ratioInterval(
        [closedLoad(50, { intervals: SPREAD_RULES.minIntervals - 1 })],
        [closedLoad(50)],
        'requestsPerSec',
      ),
      undefined,
    );
  });

  test("Little's law only where each connection finished many cycles; else counted", () => {
    // 20 connections with 1 s cycles finish two each in 2 s: a window favours the short ones.
    const slow = closedLoad(1000, { intervals: 20, connections: 20, seed: 15 });
    const quick = closedLoad(50, { intervals: 20, connections: 20, seed: 16 });
    const interval = ratioInterval([slow], [quick], 'requestsPerSec');
    assert.ok(interval);
    assert.deepEqual(interval.from, ['counts', 'cycles']);
    assert.ok(interval.low < 20 && interval.high > 20, JSON.stringify(interval));
  });

  test('the loads of a repeated run widen the interval by how much they differ', () => {
    const steady = [closedLoad(50, { seed: 9 }), closedLoad(50, { seed: 10 })];
    const drifting = [closedLoad(45, { seed: 9 }), closedLoad(55, { seed: 10 })];
    const base = [closedLoad(50, { seed: 11 }), closedLoad(50, { seed: 12 })];
    const narrow = ratioInterval(base, steady, 'requestsPerSec') as RatioInterval;
    const wide = ratioInterval(base, drifting, 'requestsPerSec') as RatioInterval;
    assert.ok(
      wide.high - wide.low > 2 * (narrow.high - narrow.low),
      `${JSON.stringify(narrow)} ${JSON.stringify(wide)}`,
    );
  });

  test('the same runs give the same interval every time: batch means and a t quantile, nothing drawn at random', () => {
    const args = [[closedLoad(50, { seed: 13 })], [closedLoad(45, { seed: 14 })]] as const;
    assert.deepEqual(
      ratioInterval(...args, 'requestsPerSec'),
      ratioInterval(...args, 'requestsPerSec'),
    );
  });
});

/**
 * One run of a closed load (20 connections, `intervals` of 100 ms: 3 s) whose latency wanders as real loads do: per
 * 100 ms interval, log latency = the run's own offset (sd `runSd`, what differs from one process
 * to the next) + an AR(1) wander (sd 15 %, each interval 0.8 like the last: a memory of about a
 * second, as JIT tiers, GC and a neighbour's job give).
 */
function wanderingRun(
  meanMs: number,
  random: () => number,
  runSd = 0.018,
  intervals = 30,
): SampleSeries {
  const connections = 20;
  const [phi, sd] = [0.8, 0.15];
  const offset = runSd * gaussian(random);
  const series = emptySeries(connections);
  let wander = sd * gaussian(random);
  for (let i = 0; i < intervals; i++) {
    wander = phi * wander + sd * Math.sqrt(1 - phi * phi) * gaussian(random);
    const latency = meanMs * Math.exp(offset + wander - (sd * sd) / 2);
    const responses = Math.max(1, Math.round((connections * 100) / latency));
    let sum = 0;
    for (let r = 0; r < responses; r++) sum += latency * (0.5 + random());
    series.responses.push(responses);
    series.latencyMs.push(sum);
    series.cycles.push(responses);
    series.cycleMs.push(sum);
  }
  return series;
}

describe('the interval covers the truth as often as it says', () => {
  const trials = 200;
  /** Of `trials` seeded pairs (before: `meanMs`, after: `factor` × it), how often `check` holds. */
  const share = (
    factor: number,
    statistic: 'latencyMean' | 'requestsPerSec',
    check: (i: RatioInterval) => boolean,
  ) => {
    let count = 0;
    for (let t = 0; t < trials; t++) {
      const random = seededRandom(1000 + t);
      const interval = ratioInterval(
        [wanderingRun(10, random)],
        [wanderingRun(10 * factor, random)],
        statistic,
      );
      if (interval && check(interval)) count++;
    }
    return count / trials;
  };

  for (const statistic of ['latencyMean', 'requestsPerSec'] as const) {
    test(`${statistic}: two runs of the same code, the 95 % interval holds 1 in about 95 % of pairs`, () => {
      // A bootstrap of 100 ms intervals (the method before) held it in 50 % of these pairs.
      const covered = share(1, statistic, (i) => i.low <= 1 && i.high >= 1);
      assert.ok(covered >= 0.88 && covered <= 0.99, `covered ${covered}`);
      const same = share(1, statistic, (i) => directionOf(i) === 'same');
      assert.ok(same >= 0.9, `no measurable change in ${same}`);
    });
  }

  test('a real 2x change in latency is still found, in nearly every pair', () => {
    const found = share(2, 'latencyMean', (i) => directionOf(i) === 'up' && i.low < 2 * 1.2);
    assert.ok(found >= 0.95, `found ${found}`);
    const slower = share(2, 'requestsPerSec', (i) => directionOf(i) === 'down');
    assert.ok(slower >= 0.95, `found ${slower}`);
  });
});

/**
 * One run as a comparison has it, a load of 10 s (the default preset's): the sample series and
 * the load's own req/s, which also counts the first 100 ms that the samples leave out
 * (connections opening: fewer responses). `spreadOf` puts the interval about that printed ratio.
 * The same check on a real service (twenty self-comparisons of /fast) needs an idle machine: it
 * is `npm run bench:shapes`, which prints how many were "no measurable change".
 */
function comparedRun(meanMs: number, random: () => number): Pick<ComparedRun, 'load' | 'samples'> {
  const samples = wanderingRun(meanMs, random, 0.018, 100);
  const opening = Math.round(samples.responses[0] * (0.2 + 0.6 * random()));
  const requests = samples.responses.reduce((a, b) => a + b, 0) + opening;
  const seconds = ((samples.responses.length + 1) * samples.intervalMs) / 1000;
  const latencyMs = { p50: meanMs, p90: meanMs, p99: meanMs };
  return {
    load: { requests, requestsPerSec: requests / seconds, latencyMs, errors: 0, non2xx: 0 },
    samples: [samples],
  };
}

describe("a comparison as printed: the interval about the loads' own req/s", () => {
  const trials = 200;
  /** The req/s interval and printed ratio of `trials` seeded pairs (after: `factor` × latency). */
  const draw = (factor: number) =>
    Array.from({ length: trials }, (_, t) => {
      const random = seededRandom(5000 + t);
      const [before, after] = [comparedRun(10, random), comparedRun(10 * factor, random)];
      const interval = spreadOf(before, after).spread?.requestsPerSec;
      const printed = (after.load?.requestsPerSec ?? 0) / (before.load?.requestsPerSec ?? 1);
      return { interval, printed };
    });
  const drawn = new Map<number, ReturnType<typeof draw>>();
  /** The pairs of `factor`, drawn once for the tests that look at them. */
  const pairs = (factor: number) => {
    const known = drawn.get(factor) ?? draw(factor);
    drawn.set(factor, known);
    return known;
  };
  /** Of the pairs, the share where `check` holds. */
  const share = (
    of: ReturnType<typeof draw>,
    check: (i: RatioInterval, printed: number) => boolean,
  ) => of.filter(({ interval, printed }) => interval && check(interval, printed)).length / trials;

  test('a route compared with itself: no measurable change in at least 90 % of seeded pairs', () => {
    const unchanged = share(pairs(1), (i) => directionOf(i) === 'same');
    assert.ok(unchanged >= 0.9, `no measurable change in ${unchanged}`);
    // The interval is about the ratio printed beside it, in every pair.
    assert.equal(
      share(
        pairs(1),
        (i, printed) => i.estimate === printed && i.low < printed && printed < i.high,
      ),
      1,
    );
  });

  test('twice the latency: slower found in at least 95 % of seeded pairs, the truth inside', () => {
    const slower = share(pairs(2), (i) => directionOf(i) === 'down');
    assert.ok(slower >= 0.95, `slower in ${slower}`);
    const covered = share(pairs(2), (i) => i.low <= 0.5 && i.high >= 0.5);
    assert.ok(covered >= 0.88, `the interval held 0.5x in ${covered}`);
  });
});

describe('gates on an interval', () => {
  const comparison = (low: number, high: number, estimate: number): Comparison => ({
    unit: 'us-per-request',
    ratios: { requestsPerSec: estimate, latencyP99: 1.5 },
    spread: { requestsPerSec: { estimate, low, high, confidence: 0.95 } },
    functions: [],
    lines: [],
    locks: [],
    tree: {
      key: '',
      name: '(root)',
      file: '',
      line: 0,
      category: 'root',
      before: 0,
      after: 0,
      children: [],
    },
  });
  const outcome = (c: Comparison, gate: string) => checkGates(c, [parseGate(gate)])[0].outcome;

  test('fail only when the whole interval meets the condition; straddling is inconclusive', () => {
    assert.equal(outcome(comparison(0.7, 0.85, 0.8), 'rps<0.9'), 'failed');
    assert.equal(outcome(comparison(0.85, 0.95, 0.88), 'rps<0.9'), 'inconclusive');
    assert.equal(outcome(comparison(0.92, 1.05, 0.98), 'rps<0.9'), 'passed');
    assert.equal(
      outcome(comparison(0.92, 1.05, 0.98), 'p99>1.2'),
      'failed',
      'no interval: the ratio',
    );
    assert.equal(outcome(comparison(0.92, 1.05, 0.98), 'latency>1.2'), 'missing');
  });
});

test('an interval too wide to say anything is "too noisy to tell", not "no measurable change"', () => {
  const interval = (low: number, high: number) => ({ estimate: 1, low, high, confidence: 0.95 });
  assert.match(verdictText(interval(0.9, 1.1), 'faster', 'slower'), /^no measurable change/);
  assert.match(verdictText(interval(0.5, 1.99), 'faster', 'slower'), /^no measurable change/);
  assert.match(
    forSurface(verdictText(interval(0.0001, 1127055), 'faster', 'slower'), 'cli'),
    /^too noisy to tell \(95 % CI 0\.00–1127055x\): run longer, or with --repeat N$/,
  );
  assert.match(verdictText(interval(0.4, 2.5), 'faster', 'slower'), /^too noisy to tell/);
});
