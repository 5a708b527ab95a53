import * as os from 'node:os';
import * as path from 'node:path';

/** Every default of a run, in one place. */
export const DEFAULTS = {
  preset: 'walkthrough',
  method: 'GET',
  samplingIntervalUs: 1000,
  // A turn of the event loop longer than this is a stall (issue #28).
  stallThresholdMs: 20,
  warmupSec: 1,
  timeoutSec: 10,
  // autocannon worker threads. The service needs a core of its own: on 2 cores one load thread
  // gave 0.99x wrk's req/s on /hello and two gave 0.85x (npm run bench).
  workers: Math.max(1, Math.min(2, os.availableParallelism() - 1)),
  readyTimeoutSec: 30,
  // Writing a large profile takes seconds; a service whose event loop is stuck never answers.
  agentTimeoutSec: 30,
  // The window waits this long at most for the warm-up's requests to end (a lock route at 50
  // connections left 2.5 s of queued holds).
  drainTimeoutSec: 10,
  // Processes and threads profiled in one run (a cluster's workers and their threads).
  maxProcesses: 8,
  outDir: path.join('.hotpath', 'runs'),
} as const;
