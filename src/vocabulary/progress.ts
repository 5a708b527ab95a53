/** What a running load tells its watchers (the CLI's progress line, the editor's status). */

/** Live figures, once a second. */
export interface LoadProgress {
  elapsedSec: number;
  /** The planned length, when the load runs for a duration. */
  plannedSec: number | undefined;
  /** Responses so far. */
  requests: number;
  /** Responses in the last second. */
  requestsPerSec: number;
  /** Median and 99th percentile latency of the last second's responses, in ms (undefined: none). */
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Connections open now (a shape changes them over the load). */
  connections: number;
}
