/**
 * What a run measured, as kept in `run.json`: the load (client side), its shape and a ramp's
 * steps, and the service's own metrics (agent side). Types only.
 */
import type { SampleSeries } from './samples';

/** What one load test measured, from the client's side. */
export interface LoadSummary {
  url: string;
  method: string;
  connections: number;
  /** autocannon worker threads used. */
  workers: number;
  /** CPU time of the load process (autocannon and its threads) over the load, ms. */
  generatorCpuMs?: number;
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
  /** The load in 100 ms intervals, for comparisons with a spread (absent in older runs). */
  samples?: SampleSeries;
  /** A ramp's steps and its saturation knee. */
  ramp?: { steps: RampStep[]; knee: Knee };
  /** A load run by Locust (`--locustfile`): its request names, workers and exit. */
  locust?: LocustFigures;
}

/** A load run by the user's locustfile under Locust (`--locustfile`), as asked. */
export interface LocustLoad {
  /** The locustfile, absolute. */
  file: string;
  users: number;
  /** Users started per second. */
  spawnRate: number;
  /** Local workers under a master (0: one Locust process does it all). */
  workers: number;
  /** Workers started on other machines, waited for (0: none). */
  externalWorkers: number;
  /** The address the master binds: 127.0.0.1 unless external workers need another. */
  masterHost: string;
  /** The `locust` command (the setting `hotpath.locustPath`); absent: the one on PATH. */
  locustPath?: string;
}

/** One request name of a Locust load over the window (Locust's `name`: the path by default). */
export interface RequestNameFigures {
  name: string;
  method: string;
  requests: number;
  /** Requests Locust counted as failed (an exception, a status ≥ 400, the file's own verdict). */
  failures: number;
  requestsPerSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  statusCodes: Record<string, number>;
}

/**
 * What a Locust load adds to its summary. Counts, sums and the mean are exact (Hotpath's module
 * counts every request Locust reports, in 100 ms slots); percentiles are its histogram's bucket
 * edges (0.1 ms wide below 100 ms, 1 ms to 10 s), as for autocannon. Locust's own trailing
 * averages and rounded percentiles are not used.
 */
export interface LocustFigures {
  /** Locust's version, as its module said (Debian's 2.12 build may say ''). */
  version: string;
  /** The request name whose figures are the summary's; absent: all names together. */
  lead?: string;
  /** Every request name the window saw, most requests first. */
  byName: RequestNameFigures[];
  /** Users running when the window opened. */
  users: number;
  /** Before the window: from the first request to the window's start (users spawning and the warm-up). */
  before: { durationSec: number; requests: number; requestsPerSec: number };
  /** A distributed load's workers: how many were asked for, those that joined, and those lost. */
  workers?: {
    expected: number;
    joined: string[];
    lost: { id: string; atSec: number }[];
  };
  /** Locust's exit status and what it means (src/cli/exitCodes.ts, LOCUST_EXIT). */
  exit: { code: number | null; meaning: string };
}

/** Latency of every response of a load, in coarse bins: `counts[i]` ≤ `edgesMs[i]`, the last above all. */
export interface LatencyHistogram {
  edgesMs: number[];
  counts: number[];
}

/** What the agent measured inside the service over the capture window. */
export interface AgentMetrics {
  wallMs: number;
  /** CPU time of the whole service process over the window. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** CPU time ÷ wall time: 1 is one core busy all the time. */
  cpuShare: number;
  /**
   * Share of the window the event loop was busy, 0..1 (`performance.eventLoopUtilization`).
   * The sampling profiler inflates it (on /read: 2% without a profile, about 60% at 1 ms
   * sampling): tell waiting from working by `cpuShare` and the profile's idle share.
   */
  eventLoopUtilization: number;
  /** Event-loop delay percentiles (`monitorEventLoopDelay`, 10 ms resolution). */
  eventLoopDelayMs: {
    min: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  };
  gc: {
    count: number;
    totalMs: number;
    share: number;
    byKind: Record<string, { count: number; totalMs: number }>;
  };
  heap: {
    startUsedBytes: number;
    endUsedBytes: number;
    peakUsedBytes: number;
    peakRssBytes: number;
  };
  /** The sampling interval asked for; the achieved one is in the profile's timeDeltas. */
  samplingIntervalUs: number | undefined;
}

/** A fixed number of connections for a duration: autocannon's own model. */
export interface ConstantShape {
  kind: 'constant';
  connections: number;
  durationSec: number;
  /** At most this many requests per second per connection. */
  connectionRate?: number;
}

/**
 * Locust's model: `users` users, each sending a request and then at most one every `waitSec`
 * seconds (Locust's `constant_pacing`), joining at `spawnRate` users per second.
 */
export interface UsersShape {
  kind: 'users';
  users: number;
  /** Seconds from one request of a user to its next (0: flat out). */
  waitSec: number;
  /** Users joining per second; absent: all at once. */
  spawnRate?: number;
  durationSec: number;
}

/**
 * Concurrency stepped up (from, from × factor, …, to), `stepSec` each, until throughput stops
 * rising (`patience` steps in a row without `minGrowth` more req/s than the best so far) or p99
 * latency goes above `maxP99Ms`.
 */
export interface RampShape {
  kind: 'ramp';
  from: number;
  to: number;
  factor: number;
  stepSec: number;
  /** Growth that counts as growth: 0.1 = 10 % more req/s than the best step so far. */
  minGrowth: number;
  /** Steps in a row without growth before the ramp stops. */
  patience: number;
  maxP99Ms?: number;
}

/** A base load with a burst of `spikeConnections` more from `spikeAtSec` for `spikeSec`. */
export interface SpikeShape {
  kind: 'spike';
  connections: number;
  spikeConnections: number;
  durationSec: number;
  spikeAtSec: number;
  spikeSec: number;
}

export type LoadShape = ConstantShape | UsersShape | RampShape | SpikeShape;

export type ShapeKind = LoadShape['kind'];

/** What one step of a ramp measured. */
export interface RampStep {
  connections: number;
  /** Seconds since the load began, and how long the step lasted. */
  startSec: number;
  durationSec: number;
  requests: number;
  requestsPerSec: number;
  p50Ms: number;
  /** Absent in runs saved before it was kept. */
  p90Ms?: number;
  p99Ms: number;
  errors: number;
}

/** Where more connections stopped bringing more throughput. */
export interface Knee {
  /** Index of the knee's step: the last step with `minGrowth` more req/s than every step before. */
  step: number;
  connections: number;
  requestsPerSec: number;
  p99Ms: number;
  /** The knee's req/s ÷ the first step's. */
  growth: number;
  /** true when the last step still grew: the knee lies beyond the ramp's `to`. */
  stillRising: boolean;
  /** The first step whose p99 went above the ramp's bound, if one did. */
  p99BrokenAt?: number;
}
