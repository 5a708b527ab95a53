/** Messages between the runner and its load process (one autocannon run each). */

import type { Knee, LatencyHistogram, RampStep } from '../../record/load';
import type { LoadOptions } from '../../record/run';
import type { SampleSeries } from '../../record/samples';
import type { LoadProgress } from '../../vocabulary/progress';

export const PROGRESS_CHANNEL = 'hotpath-load-progress';

/** One batch of responses, from a client hook in one of autocannon's threads. */
export interface ResponseBatch {
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Response counts per latency bucket (see `latencyBucket`). */
  latencies: Uint32Array;
  /**
   * Per sample slot (`slotOf`) from slot `slot0` on, SLOT_FIELDS numbers each: responses, their
   * latency sum (ms), connection cycles ended (a connection's time from one answer to the next)
   * and their sum (ms).
   */
  slot0: number;
  slots: number[];
}

export const SLOT_FIELDS = 4;

/** Width of the intervals of a load's sample series, ms. */
export const SLOT_MS = 100;

/** The sample slot of a wall-clock time (the same in every thread). */
export const slotOf = (epochMs: number): number => Math.floor(epochMs / SLOT_MS);

/**
 * Latency buckets for live progress: 0.1 ms wide below 100 ms, 1 ms wide up to 10 s, then
 * one bucket for the rest. A fixed array costs the load generator no allocation per response,
 * which matters: every cycle it spends is taken from the service on a small machine.
 */
export const LATENCY_BUCKETS = 1000 + 9900 + 1;

export function latencyBucket(ms: number): number {
  if (ms < 100) return ms > 0 ? (ms * 10) | 0 : 0;
  if (ms < 10_000) return 1000 + ((ms - 100) | 0);
  return LATENCY_BUCKETS - 1;
}

/** The upper edge of a bucket, in ms. */
export function bucketUpperMs(bucket: number): number {
  if (bucket < 1000) return (bucket + 1) / 10;
  if (bucket < LATENCY_BUCKETS - 1) return 100 + (bucket - 1000) + 1;
  return Number.POSITIVE_INFINITY;
}

/** The p-th percentile (0..100) of a bucket histogram, as the upper edge of its bucket. */
export function bucketPercentile(counts: Uint32Array, p: number): number | undefined {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (total === 0) return undefined;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank) return bucketUpperMs(i);
  }
  return undefined;
}

export type ToLoadProcess = { type: 'start'; url: string; load: LoadOptions; clientHook: string };

export type FromLoadProcess =
  | { type: 'ready' }
  | { type: 'progress'; progress: LoadProgress }
  | {
      type: 'done';
      /** autocannon's result of each phase (one for a constant load). */
      results: unknown[];
      histogram: LatencyHistogram;
      /** The fine latency histogram as [bucket, count] pairs, for merging loads. */
      fine: [number, number][];
      samples: SampleSeries;
      /** Wall clock, ms: when the load began and ended. */
      startedAt: number;
      finishedAt: number;
      /** CPU time of the load process (autocannon and its threads) over the load, ms. */
      cpuMs: number;
      /** A ramp's steps and where its throughput stopped rising. */
      ramp?: { steps: RampStep[]; knee: Knee };
    }
  | { type: 'error'; message: string };

const EDGES_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/** The fine bucket histogram of a load folded into the coarse bins of its report. */
export function coarseHistogram(fine: Uint32Array): LatencyHistogram {
  const counts = new Array<number>(EDGES_MS.length + 1).fill(0);
  let bin = 0;
  for (let i = 0; i < fine.length; i++) {
    if (fine[i] === 0) continue;
    const upper = bucketUpperMs(i);
    while (bin < EDGES_MS.length && upper > EDGES_MS[bin]) bin++;
    counts[bin] += fine[i];
  }
  return { edgesMs: [...EDGES_MS], counts };
}
