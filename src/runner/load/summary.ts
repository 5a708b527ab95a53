import type { LoadOptions } from '../options';
import type { LatencyHistogram } from './protocol';

/** What one load test measured, from the client's side. */
export interface LoadSummary {
  url: string;
  method: string;
  connections: number;
  /** autocannon worker threads used. */
  workers: number;
  durationSec: number;
  /** When the first request went out and the last response came back (ISO 8601). */
  startedAt: string | undefined;
  finishedAt: string | undefined;
  /** Responses received (any status). */
  requests: number;
  /** Requests sent, answered or not. */
  sent: number;
  /** Responses per second over the whole load. */
  requestsPerSec: number;
  /** Spread of the per-second response counts. */
  perSecond: { mean: number; stddev: number; min: number; max: number };
  /** Latency of every response (2xx and others), in ms. */
  latencyMs: {
    mean: number;
    stddev: number;
    min: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  };
  throughputBytesPerSec: number;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /** Responses whose status is not 2xx. */
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Every response's latency in coarse bins (absent in runs saved before it was kept). */
  latencyHistogram?: LatencyHistogram;
}

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
