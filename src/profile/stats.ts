/**
 * Is a change real? Each ratio of two runs (after ÷ before) gets a confidence interval from the
 * runs' sample series (the load in 100 ms intervals; one series per load of a repeated run), and
 * a plain verdict. Pure and deterministic: the same runs give the same interval in every report.
 *
 * The method is batch means, as for the output of a simulation: each load is cut into a few
 * long contiguous segments (`segments`), the statistic is computed on each, and the spread of
 * their logarithms gives the standard error of the side's log estimate, with a Student t
 * quantile for the few degrees of freedom that leaves (Welch's, for two sides). To that is added
 * the variation between two runs of the same code that no load shows within itself (two
 * processes, a JIT's choices, the machine: `runToRun`).
 *
 * Why not a bootstrap of 100 ms intervals (as before): the intervals of one load are not
 * independent. A load's latency wanders over seconds (JIT tiers, GC, a neighbour's job), so
 * neighbouring intervals share it; blocks were a twentieth of the load (one interval for loads
 * under 4 s), far shorter than that memory, so resampling them saw 20–30 independent draws where
 * there were a handful, and nothing represented the difference between one run and the next.
 * On synthetic runs of known spread (the unit tests) the 95 % interval covered the truth about
 * half the time; a tsc-vs-tsx pair of the same code got "lower latency, 95 % CI 0.63–0.93x".
 *
 * Req/s of a closed load (N connections, each sending when answered) come from its connections'
 * cycles, by Little's law: X = N ÷ mean cycle, a cycle being one connection's time from an answer
 * to its next (the latency and the load generator's turn-around). Counting responses per interval
 * does not work there: a service that answers in waves (20 connections waiting 50 ms answer
 * together) puts one or two waves in an interval. Cycles have no such beat. A window sees a
 * connection's short cycles more often than its long ones, so the law needs many cycles per
 * connection (at least `minCyclesPerConnection`: `/read`'s 20 connections wait a second each and
 * finish two cycles in a 2 s load); a side with fewer, and paced loads (a rate per connection,
 * users, shapes), count responses. Each side uses what its load allows.
 */
import type { SampleSeries } from '../record/samples';
import { optionRef } from '../vocabulary/words';

/**
 * The rules, as data. `noise`: a significant change smaller than this is reported as no
 * measurable change (Criterion.rs calls it the noise threshold; 5 % because back-to-back loads of
 * one route on a busy 2-core machine differ by up to about that, see the test's self-comparisons).
 * `minIntervals`: fewer samples on a side and there is no interval (a 1 s load has 7 whole ones).
 */
export const SPREAD_RULES = {
  confidence: 0.95,
  noise: 0.05,
  /**
   * An interval that excludes no change but spans more than this factor (high ÷ low) says
   * nothing either way: "too noisy to tell", not "no measurable change" (two 1 s loads of a
   * busy machine gave 0.00–1,127,055x).
   */
  maxWidth: 4,
  minIntervals: 5,
  /** Little's law needs this many cycles per connection in each load (see above). */
  minCyclesPerConnection: 10,
  /**
   * Each load is cut into this many segments: long enough that the load's slow wander falls
   * mostly between them, enough of them that their spread means something.
   */
  segments: 3,
  /**
   * The standard deviation of a run's log figure from one run of the same code to the next that
   * its own load cannot show. From the same calibration as `noise`: two runs then differ by less
   * than ±5 % in 95 % of pairs (1.96 × √2 × 0.018).
   */
  runToRun: 0.018,
} as const;

/** What `ratioInterval` needs of the rules. */
export type SpreadRules = {
  confidence: number;
  noise: number;
  minIntervals: number;
  minCyclesPerConnection: number;
  segments: number;
  runToRun: number;
};

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
  rules: SpreadRules,
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
  sums.intervals++;
  sums.intervalMs = s.intervalMs;
  sums.responses += s.responses[i];
  sums.latencyMs += s.latencyMs[i];
  sums.cycles += s.cycles?.[i] ?? 0;
  sums.cycleMs += s.cycleMs?.[i] ?? 0;
}

function total(series: readonly SampleSeries[]): Sums {
  const sums = emptySums();
  for (const s of series) for (let i = 0; i < s.responses.length; i++) add(sums, s, i);
  return sums;
}

/** Each load cut into `count` contiguous segments of (nearly) equal length. */
function segmentsOf(series: readonly SampleSeries[], count: number): Sums[] {
  const segments: Sums[] = [];
  for (const s of series) {
    const n = s.responses.length;
    const k = Math.min(count, n);
    for (let j = 0; j < k; j++) {
      const sums = emptySums();
      for (let i = Math.floor((j * n) / k); i < Math.floor(((j + 1) * n) / k); i++) add(sums, s, i);
      segments.push(sums);
    }
  }
  return segments;
}

/** The variance of the mean of the logs of `values` (those finite and positive), and their count. */
function logMeanVariance(values: number[]): { variance: number; count: number } | undefined {
  const logs = values.filter((v) => Number.isFinite(v) && v > 0).map(Math.log);
  if (logs.length < 2) return undefined;
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const squares = logs.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { variance: squares / (logs.length - 1) / logs.length, count: logs.length };
}

function logGamma(x: number): number {
  // Lanczos (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The `p` quantile (p > 0.5) of Student's t with `df` degrees of freedom (any df ≥ 1). */
export function tQuantile(p: number, df: number): number {
  const nu = Math.min(df, 1e4);
  const k = Math.exp(logGamma((nu + 1) / 2) - logGamma(nu / 2)) / Math.sqrt(nu * Math.PI);
  const density = (t: number) => k * (1 + (t * t) / nu) ** (-(nu + 1) / 2);
  // P(0 < T < x) by Simpson's rule.
  const mass = (x: number) => {
    const steps = 2000;
    const h = x / steps;
    let sum = density(0) + density(x);
    for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * density(i * h);
    return (sum * h) / 3;
  };
  const target = p - 0.5;
  let [lo, hi] = [0, 1];
  while (mass(hi) < target) hi *= 2;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (mass(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The ratio after ÷ before of a statistic with its confidence interval (batch means, a t
 * quantile and the run-to-run term; see the top of this file); undefined when a side has fewer
 * than `minIntervals` samples or the statistic is undefined (no responses).
 */
export function ratioInterval(
  before: readonly SampleSeries[],
  after: readonly SampleSeries[],
  statistic: SampleStatistic,
  rules: SpreadRules = SPREAD_RULES,
): RatioInterval | undefined {
  const [na, nb] = [closedConnections(before, rules), closedConnections(after, rules)];
  const how = (connections: number | undefined): SampleStatistic | Estimator =>
    statistic === 'latencyMean' ? statistic : connections !== undefined ? 'cycles' : 'counts';
  const [ea, eb] = [how(na), how(nb)];
  const [a, b] = [total(before), total(after)];
  if (a.intervals < rules.minIntervals || b.intervals < rules.minIntervals) return undefined;
  const estimate = value(eb, b, nb) / value(ea, a, na);
  if (!Number.isFinite(estimate) || estimate <= 0) return undefined;
  const spread = (series: readonly SampleSeries[], how: SampleStatistic | Estimator, n?: number) =>
    logMeanVariance(segmentsOf(series, rules.segments).map((s) => value(how, s, n)));
  const [va, vb] = [spread(before, ea, na), spread(after, eb, nb)];
  if (!va || !vb) return undefined;
  const variance = va.variance + vb.variance + 2 * rules.runToRun ** 2;
  // Welch–Satterthwaite; the run-to-run term is taken as known (infinite degrees of freedom).
  const spreadDf = va.variance ** 2 / (va.count - 1) + vb.variance ** 2 / (vb.count - 1);
  const df = spreadDf > 0 ? variance ** 2 / spreadDf : Number.POSITIVE_INFINITY;
  const half = tQuantile(1 - (1 - rules.confidence) / 2, df) * Math.sqrt(variance);
  return {
    estimate,
    low: estimate * Math.exp(-half),
    high: estimate * Math.exp(half),
    confidence: rules.confidence,
    ...(statistic === 'requestsPerSec' ? { from: [ea, eb] as [Estimator, Estimator] } : {}),
  };
}

/** Whether an interval is too wide to call a change, or its absence (see SPREAD_RULES.maxWidth). */
export function tooWide(interval: RatioInterval): boolean {
  return !(interval.low > 0) || interval.high / interval.low > SPREAD_RULES.maxWidth;
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
  if (tooWide(interval))
    return `too noisy to tell (${intervalText(interval)}): run longer, or with ${optionRef('repeat', 'N')}`;
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
