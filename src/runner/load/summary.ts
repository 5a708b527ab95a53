import type { LatencyHistogram, LoadSummary } from '../../record/load';
import type { LoadOptions } from '../../record/run';
import type { SampleSeries } from '../../record/samples';
import { bucketPercentile } from './protocol';

/** autocannon splits connections and amounts evenly across workers: keep them whole. */
export function workerCount(load: LoadOptions): number {
  const wanted = Math.min(load.workers, load.connections);
  if (wanted <= 1 || load.overallRate !== undefined) return 1;
  if (load.connections % wanted !== 0) return 1;
  if (load.amount !== undefined && load.amount % wanted !== 0) return 1;
  return wanted;
}

interface Histogram {
  average?: number;
  mean?: number;
  stddev?: number;
  min?: number;
  max?: number;
  p50?: number;
  p90?: number;
  p99?: number;
}

/** The fields of autocannon's result that a summary reads. */
export interface AutocannonResult {
  url?: string;
  connections?: number;
  workers?: number;
  duration?: number;
  start?: Date | string;
  finish?: Date | string;
  errors?: number;
  timeouts?: number;
  non2xx?: number;
  statusCodeStats?: Record<string, { count: number }>;
  latency?: Histogram & { totalCount?: number };
  requests?: Histogram & { total?: number; sent?: number };
  throughput?: Histogram;
}

const num = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;

/** Turns autocannon's result into a LoadSummary. Pure. */
export function summarize(
  result: AutocannonResult,
  method: string,
  histogram?: LatencyHistogram,
): LoadSummary {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = num(stat.count);
  const responses = Object.values(statusCodes).reduce((sum, count) => sum + count, 0);
  const durationSec = num(result.duration);
  const latency = result.latency ?? {};
  const requests = result.requests ?? {};
  return {
    url: result.url ?? '',
    method,
    connections: num(result.connections),
    workers: num(result.workers) || 1,
    durationSec,
    startedAt: isoOf(result.start),
    finishedAt: isoOf(result.finish),
    requests: responses,
    sent: num(requests.sent),
    requestsPerSec: durationSec > 0 ? responses / durationSec : 0,
    perSecond: {
      mean: num(requests.mean ?? requests.average),
      stddev: num(requests.stddev),
      min: num(requests.min),
      max: num(requests.max),
    },
    latencyMs: {
      mean: num(latency.mean ?? latency.average),
      stddev: num(latency.stddev),
      min: num(latency.min),
      p50: num(latency.p50),
      p90: num(latency.p90),
      p99: num(latency.p99),
      max: num(latency.max),
    },
    throughputBytesPerSec: num(result.throughput?.mean ?? result.throughput?.average),
    errors: num(result.errors),
    timeouts: num(result.timeouts),
    non2xx: num(result.non2xx),
    statusCodes,
    ...(histogram ? { latencyHistogram: histogram } : {}),
  };
}

function isoOf(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** What a merged load knows as a whole, beyond its parts. */
export interface WholeLoad {
  durationSec: number;
  startedAt: string | undefined;
  finishedAt: string | undefined;
  /** The most connections open at once. */
  connections: number;
  /** Every response's latency in fine buckets (see `latencyBucket`). */
  fine: Uint32Array;
  histogram: LatencyHistogram;
  /** The merged load's samples, for its per-second spread. */
  samples?: SampleSeries | undefined;
}

/**
 * Loads run side by side or one after another (a shape's phases, a run's repeats) as one:
 * counts add up, latency percentiles come from the fine histogram of every response, the mean
 * and spread from the parts' own, weighted by their responses. Pure.
 */
export function mergeSummaries(parts: readonly LoadSummary[], whole: WholeLoad): LoadSummary {
  const sum = (f: (s: LoadSummary) => number) => parts.reduce((a, s) => a + f(s), 0);
  const requests = sum((s) => s.requests);
  const weighted = (f: (s: LoadSummary) => number) =>
    requests > 0 ? sum((s) => f(s) * s.requests) / requests : 0;
  const mean = weighted((s) => s.latencyMs.mean);
  const meanSquare = weighted((s) => s.latencyMs.stddev ** 2 + s.latencyMs.mean ** 2);
  const statusCodes: Record<string, number> = {};
  for (const part of parts)
    for (const [code, count] of Object.entries(part.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const percentile = (p: number) => bucketPercentile(whole.fine, p) ?? 0;
  // Responses per whole second, from the samples (phases side by side add up within a second).
  const seconds: number[] = [];
  const slotsPerSecond = Math.round(1000 / (whole.samples?.intervalMs ?? 1000));
  const slots = whole.samples?.responses ?? [];
  for (let i = 0; i + slotsPerSecond <= slots.length; i += slotsPerSecond)
    seconds.push(slots.slice(i, i + slotsPerSecond).reduce((a, b) => a + b, 0));
  return {
    url: parts[0]?.url ?? '',
    method: parts[0]?.method ?? 'GET',
    connections: whole.connections,
    workers: Math.max(1, ...parts.map((s) => s.workers)),
    durationSec: whole.durationSec,
    startedAt: whole.startedAt,
    finishedAt: whole.finishedAt,
    requests,
    sent: sum((s) => s.sent),
    requestsPerSec: whole.durationSec > 0 ? requests / whole.durationSec : 0,
    perSecond: {
      mean: whole.durationSec > 0 ? requests / whole.durationSec : 0,
      stddev: spread(seconds),
      min: seconds.length > 0 ? Math.min(...seconds) : 0,
      max: seconds.length > 0 ? Math.max(...seconds) : 0,
    },
    latencyMs: {
      mean,
      stddev: Math.sqrt(Math.max(0, meanSquare - mean ** 2)),
      min: Math.min(...parts.map((s) => s.latencyMs.min)),
      p50: percentile(50),
      p90: percentile(90),
      p99: percentile(99),
      max: Math.max(...parts.map((s) => s.latencyMs.max)),
    },
    throughputBytesPerSec:
      whole.durationSec > 0
        ? sum((s) => s.throughputBytesPerSec * s.durationSec) / whole.durationSec
        : 0,
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    non2xx: sum((s) => s.non2xx),
    statusCodes,
    latencyHistogram: whole.histogram,
  };
}

function spread(values: number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

/**
 * The requests of a load that failed, by kind: each non-2xx status with its count, then
 * connection errors and timeouts ("404 × 14,361", "timeouts × 3"). Empty when none failed.
 */
export function failedKinds(load: LoadSummary): string[] {
  const count = new Intl.NumberFormat('en-US');
  return [
    ...Object.entries(load.statusCodes)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, n]) => `${code} × ${count.format(n)}`),
    ...(load.errors > load.timeouts
      ? [`connection errors × ${count.format(load.errors - load.timeouts)}`]
      : []),
    ...(load.timeouts > 0 ? [`timeouts × ${count.format(load.timeouts)}`] : []),
  ];
}
