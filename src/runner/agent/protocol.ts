/**
 * The private channel between the runner and the agent preloaded into the service. One JSON
 * object per line over a Unix socket in a folder only the runner's user can enter. Declared
 * once here, used by both sides.
 */

import * as path from 'node:path';
import type { AgentMetrics } from '../../record/load';
import type { LockReport } from '../../record/locks';
import { SOURCE_MAPS_FILE } from '../../record/run';
import type { StallSpans } from '../../record/stalls';

/** The environment variables through which the runner hands the channel to the agent. */
export const AGENT_SOCKET_ENV = 'HOTPATH_AGENT_SOCKET';
export const AGENT_TOKEN_ENV = 'HOTPATH_AGENT_TOKEN';
/** '0': the agent leaves async-mutex alone (no lock report; for measuring what watching costs). */
export const AGENT_LOCKS_ENV = 'HOTPATH_LOCKS';
/** '0': no allocation sampling (for measuring what it costs: bench/). */
export const AGENT_HEAP_ENV = 'HOTPATH_HEAP';
/**
 * '0': no event-loop stall probe in any thread (no stalls, no per-thread loop delay): for
 * measuring what the probe costs (`npm run bench -- --only stall`), not a user's setting.
 */
export const AGENT_STALLS_ENV = 'HOTPATH_STALLS';

/** Whether this process's agent runs the stall probe (see AGENT_STALLS_ENV). */
export function stallProbeOn(): boolean {
  return process.env[AGENT_STALLS_ENV] !== '0';
}

export interface ListeningAddress {
  address: string;
  port: number;
  family: string;
}

/** Agent -> runner. */
export type AgentMessage =
  | {
      type: 'hello';
      token: string;
      pid: number;
      ppid: number;
      /** 0 in a process's main thread; a worker thread's `threadId` otherwise. */
      threadId: number;
      node: string;
      argv: string[];
      /** Its working folder: the script is named relative to it. */
      cwd?: string;
    }
  | { type: 'listening'; address: ListeningAddress }
  | { type: 'reply'; id: number; ok: true; result: StartResult | BeginResult | StopResult }
  | { type: 'reply'; id: number; ok: false; error: string };

/** Runner -> agent. */
export type AgentCommand =
  /** Arms the capture (the profiler runs from here, through the warm-up). */
  | {
      type: 'start';
      id: number;
      profile: boolean;
      samplingIntervalUs: number;
      /** A turn of the event loop longer than this is a stall, ms (20 when absent). */
      stallThresholdMs?: number;
    }
  /**
   * Opens the measured window: the profile and the metrics that will be kept, once the HTTP
   * requests that came in since `start` (the warm-up's) have ended, or after `drainMs`.
   */
  | { type: 'begin'; id: number; drainMs: number }
  | { type: 'stop'; id: number; profilePath: string | undefined };

export interface StartResult {
  startedAt: number;
}

export interface BeginResult extends StartResult {
  /** How long the window waited for the warm-up's requests to end, ms. */
  drainedMs: number;
  /** Warm-up requests still not ended when the wait ran out (0: all ended). */
  leftInFlight: number;
}

/**
 * Where an agent writes the maps of the profile it writes: `sourcemaps.json` beside the run's
 * `profile.cpuprofile`; `profile.<pid>.sourcemaps.json` beside one process's own profile (the
 * runner merges those into `sourcemaps.json`).
 */
export function sourceMapsFileOf(profilePath: string): string {
  const name = path.basename(profilePath);
  const own =
    name === 'profile.cpuprofile'
      ? SOURCE_MAPS_FILE
      : name.replace(/\.cpuprofile$/, '.sourcemaps.json');
  return path.join(path.dirname(profilePath), own);
}

/** Where an agent writes the allocations of the profile it writes: `.heapprofile` beside it. */
export function heapFileOf(profilePath: string): string {
  return profilePath.replace(/\.cpuprofile$/, '.heapprofile');
}

/** One thread's allocations over the window, as its agent kept them. */
export interface HeapStop {
  /** Its heap profile, beside its CPU profile (absent when none was written). */
  file?: string;
  bytes: number;
  /** Used heap after a full collection at the window's start and end, bytes. */
  startUsedBytes?: number;
  endUsedBytes?: number;
  /** Why there is no profile: the self-test failed (`unavailable`), or the sampler did. */
  unavailable?: string;
  error?: string;
}

/** Responses finished in the window, counted per `bucketMs` from `since` (epoch ms). */
export interface FinishTimes {
  since: number;
  bucketMs: number;
  counts: number[];
}

export interface StopResult {
  /** Bytes written to `profilePath`, or 0 when no profile was taken. */
  profileBytes: number;
  /** The profile's time not idle over the window, ms (0 without a profile). */
  busyMs?: number;
  /**
   * Scripts whose source map Node held in memory (tsx, ts-node, --enable-source-maps), written
   * to SOURCE_MAPS_FILE beside the profile: their maps are not on disk.
   */
  sourceMaps: number;
  /** HTTP requests this process (thread) received during the window (their starts). */
  requests: number;
  /** When the window's responses finished in this process (thread): the service's own count. */
  finished?: FinishTimes;
  metrics: AgentMetrics;
  /** Lock waits and holds over the window; absent when the service never loaded async-mutex. */
  locks?: LockReport;
  /** Its process's worker threads, profiled from its main thread (absent in a thread's agent). */
  threads?: ThreadStopResult[];
  /** This thread's event-loop stalls over the window (its worker threads' are in `threads`). */
  stalls?: StallSpans;
  /** This thread's allocations over the window (absent when not sampled). */
  heap?: HeapStop;
}

/** One worker thread of a process, as its main thread's agent saw and profiled it. */
export interface ThreadStopResult {
  threadId: number;
  /** The inspector's name for it (`[worker 3]`, or the `name` it was given). */
  title: string;
  /** Its script (empty for one run from a string, `eval: true`). */
  url: string;
  /** Its profile, beside the process's (`profile.<pid>-t<thread>.cpuprofile`). */
  file?: string;
  profileBytes: number;
  /** Its profile's time not idle over the window, ms. */
  busyMs?: number;
  /** Its event loop's stalls over the window (absent when its probe did not answer). */
  stalls?: StallSpans;
  /** Its allocations over the window (absent when not sampled). */
  heap?: HeapStop;
  /** Why it has no profile (it ended first, it did not answer). */
  error?: string;
}

/**
 * Calls `onLine` with each whole line a socket receives (one JSON message per line). A line
 * longer than `maxLength` ends the connection; so does `onLine` returning false.
 */
export function readLines(
  socket: import('node:net').Socket,
  onLine: (line: string) => boolean | undefined,
  maxLength = 1 << 24,
): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (onLine(line) === false) {
        socket.destroy();
        return;
      }
    }
    if (buffered.length > maxLength) socket.destroy();
  });
}
