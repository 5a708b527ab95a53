/**
 * The measured load in short equal intervals: what comparisons resample to put a spread on a
 * ratio (see src/profile/stats.ts). Kept in run.json with the load summary.
 */
export interface SampleSeries {
  /** Width of each interval, ms. */
  intervalMs: number;
  /** Responses that came back in each whole interval of the load, in order. */
  responses: number[];
  /** The sum of those responses' latencies, ms (0.1 ms precision). */
  latencyMs: number[];
  /**
   * For a closed load (a fixed number of connections, each sending its next request when the
   * last is answered: no rate), that number; absent for a paced load.
   */
  closedConnections?: number;
  /**
   * With `closedConnections`: the connection cycles (one connection's time from an answer to its
   * next answer) that ended in each interval, and their sum in ms. Req/s = connections ÷ mean
   * cycle (Little's law).
   */
  cycles?: number[];
  cycleMs?: number[];
}
