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
