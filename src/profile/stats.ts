/**
 * Is a change real? Each ratio of two runs (after ÷ before) gets a bootstrap confidence
 * interval from the runs' sample series (the load in 100 ms intervals; one series per load of
 * a repeated run), and a plain verdict. Resampling is two-level, as for clustered data: the
 * loads of a run with replacement, then blocks of intervals of each load with replacement, so
 * that load-to-load variation widens the interval as it should. The random stream is seeded:
 * the same runs give the same interval in every report. Pure.
 *
 * Req/s of a closed load (N connections, each sending when answered) come from its connections'
 * cycles, by Little's law: X = N ÷ mean cycle, a cycle being one connection's time from an answer
 * to its next (the latency and the load generator's turn-around). Counting responses per interval
 * does not work there: a service that answers in waves (20 connections waiting 50 ms answer
 * together) puts one or two waves in an interval, and resampling such counts gave intervals of
 * 0.5–2x for two loads of the same route. Cycles have no such beat. A window sees a connection's
 * short cycles more often than its long ones, so the law needs many cycles per connection (at
 * least `minCyclesPerConnection`: `/read`'s 20 connections wait a second each and finish two
 * cycles in a 2 s load); a side with fewer, and paced loads (a rate per connection, users,
 * shapes), count responses. Each side uses what its load allows.
 */
import type { SampleSeries } from '../record/samples';

/**
 * The rules, as data. `noise`: a significant change smaller than this is reported as no
 * measurable change (Criterion.rs calls it the noise threshold; 5 % because back-to-back loads of
 * one route on a busy 2-core machine differ by up to about that, see the test's self-comparisons).
 * `minIntervals`: fewer samples on a side and there is no interval (a 1 s load has 7 whole ones).
 */
export const SPREAD_RULES = {
  confidence: 0.95,
  resamples: 2000,
  noise: 0.05,
  minIntervals: 5,
  /** Little's law needs this many cycles per connection in each load (see above). */
  minCyclesPerConnection: 10,
  seed: 0x5eed,
} as const;

/** A ratio (after ÷ before) with its confidence interval. */
export interface RatioInterval {
  estimate: number;
  low: number;
  high: number;
  confidence: number;
  /**
   * For req/s, how each side (before, after) was estimated: from the connections' cycles by
   * Little's law, or from counted responses.
   */
  from?: [Estimator, Estimator];
}

/** mulberry32: a small, fast, seeded generator; [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SampleStatistic = 'requestsPerSec' | 'latencyMean';

/** Sums of one (re)sample: what each statistic is a ratio of. */
interface Sums {
  responses: number;
  latencyMs: number;
  cycles: number;
  cycleMs: number;
  intervals: number;
  intervalMs: number;
}

/** How req/s are estimated: by Little's law (closed loads) or by counting. */
export type Estimator = 'cycles' | 'counts';

function value(statistic: SampleStatistic | Estimator, sums: Sums, connections = 0): number {
  switch (statistic) {
    case 'latencyMean':
      return sums.responses > 0 ? sums.latencyMs / sums.responses : Number.NaN;
    case 'cycles':
      return sums.latencyMs > 0
        ? (connections * sums.responses * 1000) / sums.latencyMs
        : Number.NaN;
    default:
      return sums.responses / ((sums.intervals * sums.intervalMs) / 1000);
  }
}

/** The closed load's connections, when Little's law serves every series of a side. */
function closedConnections(
  series: readonly SampleSeries[],
  rules: typeof SPREAD_RULES,
): number | undefined {
  const connections = series[0]?.closedConnections;
  if (connections === undefined) return undefined;
  const closed = series.every((s) => {
    if (s.closedConnections !== connections || !s.cycles || !s.cycleMs) return false;
    const cycles = s.cycles.reduce((a, b) => a + b, 0);
    return cycles >= rules.minCyclesPerConnection * connections;
  });
  return closed ? connections : undefined;
}

function emptySums(): Sums {
  return { responses: 0, latencyMs: 0, cycles: 0, cycleMs: 0, intervals: 0, intervalMs: 0 };
}

function add(sums: Sums, s: SampleSeries, i: number): void {
  sums.responses += s.responses[i];
  sums.latencyMs += s.latencyMs[i];
  sums.cycles += s.cycles?.[i] ?? 0;
  sums.cycleMs += s.cycleMs?.[i] ?? 0;
}

function total(series: readonly SampleSeries[]): Sums {
  const sums = emptySums();
  for (const s of series) {
    sums.intervalMs = s.intervalMs;
    sums.intervals += s.responses.length;
    for (let i = 0; i < s.responses.length; i++) add(sums, s, i);
  }
  return sums;
}

function resample(series: readonly SampleSeries[], random: () => number): Sums {
  const sums = emptySums();
  for (let k = 0; k < series.length; k++) {
    const s = series.length === 1 ? series[0] : series[Math.floor(random() * series.length)];
    const n = s.responses.length;
    sums.intervalMs = s.intervalMs;
    sums.intervals += n;
    for (let i = 0; i < n; i++) add(sums, s, Math.floor(random() * n));
  }
  return sums;
}

/**
 * Consecutive intervals merged into blocks, at least `BLOCKS` of them: resampling blocks rather
 * than intervals keeps what neighbouring intervals share (a non-overlapping block bootstrap),
 * and evens out the beat of a load whose responses come in waves (50 connections waiting 50 ms
 * answer in bursts that a 100 ms interval catches once or twice).
 */
function blocks(series: SampleSeries): SampleSeries {
  const k = Math.max(1, Math.floor(series.responses.length / BLOCKS));
  if (k === 1) return series;
  const merged = { ...series, intervalMs: series.intervalMs * k };
  const fields = ['responses', 'latencyMs', 'cycles', 'cycleMs'] as const;
  for (const name of fields) {
    const values = series[name];
    if (!values) continue;
    const sums: number[] = [];
    for (let i = 0; i + k <= values.length; i += k) {
      let sum = 0;
      for (let j = i; j < i + k; j++) sum += values[j];
      sums.push(sum);
    }
    merged[name] = sums;
  }
  return merged;
}

const BLOCKS = 20;

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/**
 * The ratio after ÷ before of a statistic with its percentile-bootstrap interval; undefined when
 * a side has fewer than `minIntervals` samples or the statistic is undefined (no responses).
 */
export function bootstrapRatio(
  before: readonly SampleSeries[],
  after: readonly SampleSeries[],
  statistic: SampleStatistic,
  rules: typeof SPREAD_RULES = SPREAD_RULES,
): RatioInterval | undefined {
  const [na, nb] = [closedConnections(before, rules), closedConnections(after, rules)];
  const how = (connections: number | undefined): SampleStatistic | Estimator =>
    statistic === 'latencyMean' ? statistic : connections !== undefined ? 'cycles' : 'counts';
  const [ea, eb] = [how(na), how(nb)];
  before = before.map(blocks);
  after = after.map(blocks);
  const [a, b] = [total(before), total(after)];
  if (a.intervals < rules.minIntervals || b.intervals < rules.minIntervals) return undefined;
  const estimate = value(eb, b, nb) / value(ea, a, na);
  if (!Number.isFinite(estimate) || estimate <= 0) return undefined;
  const random = seededRandom(rules.seed);
  const ratios: number[] = [];
  for (let r = 0; r < rules.resamples; r++) {
    const ratio = value(eb, resample(after, random), nb) / value(ea, resample(before, random), na);
    if (Number.isFinite(ratio)) ratios.push(ratio);
  }
  if (ratios.length < rules.resamples / 2) return undefined;
  ratios.sort((x, y) => x - y);
  const tail = (1 - rules.confidence) / 2;
  return {
    estimate,
    low: quantile(ratios, tail),
    high: quantile(ratios, 1 - tail),
    confidence: rules.confidence,
    ...(statistic === 'requestsPerSec' ? { from: [ea, eb] as [Estimator, Estimator] } : {}),
  };
}

/** 'up' or 'down' when the interval excludes 1 and the change is beyond the noise; else 'same'. */
export type Direction = 'up' | 'down' | 'same';

export function directionOf(
  interval: RatioInterval,
  noise: number = SPREAD_RULES.noise,
): Direction {
  if (interval.low > 1 && interval.estimate > 1 + noise) return 'up';
  if (interval.high < 1 && interval.estimate < 1 / (1 + noise)) return 'down';
  return 'same';
}

const x = (v: number) => (v >= 10 ? v.toFixed(0) : v >= 1.995 ? v.toFixed(1) : v.toFixed(2));

/** "95 % CI 1.8–2.1x". */
export function intervalText(interval: RatioInterval): string {
  return `${Math.round(interval.confidence * 100)} % CI ${x(interval.low)}–${x(interval.high)}x`;
}

/**
 * The verdict in words, for a figure where `up` is `better` (req/s: "faster") or worse
 * (latency: "slower"): "faster, 95 % CI 1.8–2.1x" / "no measurable change (95 % CI 0.97–1.04x)".
 */
export function verdictText(interval: RatioInterval, up: string, down: string): string {
  const direction = directionOf(interval);
  if (direction === 'up') return `${up}, ${intervalText(interval)}`;
  if (direction === 'down') return `${down}, ${intervalText(interval)}`;
  const significant = interval.low > 1 || interval.high < 1;
  return significant
    ? `no measurable change: ${x(interval.estimate)}x is within the ±${SPREAD_RULES.noise * 100} % noise of a load test (${intervalText(interval)})`
    : `no measurable change (${intervalText(interval)})`;
}

/** What `samplesOf` reads of a run record (run.json). */
interface RecordedLoads {
  options?: { load?: { shape?: unknown } };
  load?: { samples?: SampleSeries };
  repeats?: { samples?: SampleSeries }[];
}

/**
 * The sample series of a run's loads, for intervals on comparisons; undefined when the run kept
 * none (older runs) or its load had a shape (a ramp's intervals differ by design).
 */
export function samplesOf(record: RecordedLoads): SampleSeries[] | undefined {
  if (record.options?.load?.shape) return undefined;
  const loads = record.repeats ?? (record.load ? [record.load] : []);
  const series = loads.map((l) => l.samples).filter((s): s is SampleSeries => s !== undefined);
  return series.length > 0 && series.length === loads.length ? series : undefined;
}
