/**
 * Stalls: turns of a thread's event loop longer than a threshold, measured by the agent over
 * the window (`src/runner/agent/stalls.ts`).
 */

/** One thread's stalls, as its agent measured them. */
export interface StallSpans {
  /** A stall is one turn of the event loop longer than this, ms. */
  thresholdMs: number;
  /** The probe's period, ms: a stall's start is known to within it, its length is a floor. */
  probeMs: number;
  /** `[start, end]`, µs of the profile's clock (its samples' timestamps). */
  spans: [number, number][];
  /** Stalls past the cap, counted and not kept. */
  dropped: number;
  /** The thread's loop delay: how late the probe's timer fired (absent in older runs). */
  delayMs?: LoopDelay;
}

/**
 * How late a thread's probe timer fired over the window, ms: its loop delay. p50 and p99 are the
 * upper edges of 0.1 ms slots; `max` is exact; `turns` is how many times the timer fired.
 */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  turns: number;
}

/** One profiled thread's own event loop over the window, in run.json's processes. */
export interface ThreadLoop {
  /** Turns over the threshold its probe saw (late turns of an idle thread included). */
  stalls: number;
  delayMs: LoopDelay;
}

/** The run's stalls, in `run.json`. */
export interface StallsRecord extends StallSpans {
  /**
   * The spans are in the run's `profile.cpuprofile` clock: µs of CLOCK_MONOTONIC for one
   * process's profile, shifted as its samples were when several profiles were merged.
   */
  clock: 'profile';
  threads: StallThreads;
}

/** Whose event loops the stalls are of: the profiled threads whose profile is the run's. */
export interface StallThreads {
  /** Processes' main threads measured. */
  main: number;
  /** Worker threads measured (through their process's inspector session). */
  workers: number;
  /** Threads in the run's profile whose loop was not measured (their probe did not answer). */
  notMeasured: number;
}
