/**
 * The lock report: what the agent saw of the watched lock libraries' locks over a capture window, kept in
 * run.json as `locks`. Declared once here; the agent writes it, the analysis reads it.
 */

/** The lock libraries the agent watches: the runner's table (`lockLibraries.ts`) has a row each. */
export const WATCHED_LOCK_LIBRARIES = [
  'async-mutex',
  'async-lock',
  'await-lock',
  'async-sema',
  'p-limit',
  'p-queue',
] as const;
export type WatchedLockLibrary = (typeof WATCHED_LOCK_LIBRARIES)[number];

/**
 * A lock's class: async-mutex's `Mutex` and `Semaphore`, async-lock's `AsyncLock`, await-lock's
 * `AwaitLock`, async-sema's `Sema` (of capacity 1), p-limit's `pLimit` (a limiter of
 * concurrency 1) and p-queue's `PQueue` (of concurrency 1).
 */
export type LockKind =
  | 'Mutex'
  | 'Semaphore'
  | 'AsyncLock'
  | 'AwaitLock'
  | 'Sema'
  | 'pLimit'
  | 'PQueue';

/** A frame of a stack as V8 reports it: script URL or path, 1-based line and column. */
export interface StackFrame {
  url: string;
  line: number;
  column: number;
  name: string;
}

/** Milliseconds. Percentiles of what was measured; count and total of all (see `measuredShare`). */
export interface TimeSummary {
  count: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One lock and one acquire stack. */
export interface LockSiteReport {
  /** Index in `LockReport.locks`. */
  lock: number;
  /** The acquire call first, then its callers (the service's frames only, at most four). */
  stack: StackFrame[];
  /** Acquisitions asked for here during the window. */
  asked: number;
  /** Those rejected (cancelled, timed out) instead of granted. */
  failed: number;
  /** From asked to granted, for those granted. */
  waitMs: TimeSummary;
  /** From granted to released, for those released. */
  holdMs: TimeSummary;
  /**
   * The share of the lock's acquisitions that were measured (1: all). A busy lock is sampled:
   * counts and totals are then estimates scaled up from the sample, percentiles the sample's.
   */
  measuredShare?: number;
}

export interface LockReport {
  /** The library of the locks (the first loaded, when the service loads several). */
  library: { name: string; version?: string };
  /** `library`: the lock's own library's name, when it is not `LockReport.library`'s. */
  locks: { kind: LockKind; library?: string; created?: StackFrame[] }[];
  sites: LockSiteReport[];
}
