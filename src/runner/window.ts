/**
 * The warm-up and the measured window: one owner for their rules. What load warms the service
 * up, when a warm-up is no base to measure on, when the window opens, and when what the window
 * measured is no result at all.
 *
 * The window today follows a load that pauses: autocannon's warm-up ends, the service finishes
 * the warm-up's work (the drain: `drainPort` here, until the kernel holds no unread request for
 * the port, then each agent's own wait for the requests it has started), then the window opens
 * and the measured load starts. A load
 * that never pauses (Locust: its users keep going) will open the window mid-load instead: it
 * gives `WindowStart` the kind 'mid-load', skips the drain (there is no gap to drain into) and
 * judges the window with the same `measuredNothing`, the rate before the window standing in for
 * the warm-up's.
 */
import type { LoadSummary } from '../record/load';
import type { RunOptions } from '../record/run';
import { optionRef } from '../vocabulary/words';
import type { FinishTimes } from './agent/protocol';
import { failedKinds } from './load/summary';
import { LISTEN, tcpSockets } from './procNet';

/**
 * How the window opens (`TargetCapture.begin`). 'after-warm-up': the load pauses between
 * warm-up and window, which opens once the warm-up's work has left the service (`drainPort`,
 * then the agents' wait). 'mid-load': the load runs on (a load engine whose users never stop);
 * the window opens at once, with no drain, and the requests in flight then are the window's
 * (`served.finished` counts those that finish in it, as it counts the ones the window's end
 * leaves behind).
 */
export type WindowStart = { kind: 'after-warm-up'; drainTimeoutMs: number } | { kind: 'mid-load' };

/** The warm-up: a constant load of the shape's first connections, for `seconds`. */
export function warmupLoad(load: RunOptions['load'], seconds: number): RunOptions['load'] {
  const { shape, ...constant } = load;
  const connections = !shape
    ? load.connections
    : shape.kind === 'ramp'
      ? shape.from
      : shape.kind === 'users'
        ? shape.users
        : shape.connections;
  const connectionRate =
    shape?.kind === 'users' && shape.waitSec > 0 ? 1 / shape.waitSec : constant.connectionRate;
  return { ...constant, connections, connectionRate, durationSec: seconds, amount: undefined };
}

/** What is wrong with a warm-up none of whose requests got a 2xx answer; undefined when some did. */
export function warmupFailure(warm: LoadSummary, url: string): string | undefined {
  const answered = warm.requests - warm.non2xx;
  if (answered > 0 || warm.requests + warm.errors + warm.timeouts === 0) return undefined;
  return (
    `every request of the warm-up to ${url} failed (${failedKinds(warm).join(', ')}), so the load would measure ` +
    `only the error path; check the path, method and body, or add ${optionRef('allow-errors')} to measure it anyway`
  );
}

/** A load under this share of its own warm-up's rate measured the warm-up's backlog, not itself. */
export const NOTHING_SHARE_OF_WARMUP = 0.1;

/**
 * Why the window measured nothing, or undefined when it measured something: a load that got no
 * responses, or under a tenth of its own warm-up's rate (the service spent the window on work
 * from before it: the warm-up's backlog). The words say what happened and what to try.
 */
export function measuredNothing(
  load: LoadSummary,
  warmup: { requestsPerSec: number; requests: number } | undefined,
  connections: number,
): string | undefined {
  const fewer = `fewer connections (${optionRef('connections', String(Math.max(1, Math.floor(connections / 10))))})`;
  const longer = `a longer load (${optionRef('duration', '10')})`;
  if (load.requests === 0) {
    const late = load.timeouts > 0 ? `, ${load.timeouts} timed out` : '';
    const why = warmup
      ? "the service spent the window on requests from before it (the warm-up's backlog) or on a single request longer than the load"
      : 'the service answered none within the load (each request may take longer than the load, or it queues them)';
    return (
      `the load got no responses in ${load.durationSec} s${late}: nothing was measured, and the profile shows other work than the load's; ` +
      `${why}; try ${fewer}${warmup ? `, ${optionRef('warmup', '0')}` : ''} or ${longer}`
    );
  }
  if (
    warmup &&
    warmup.requests > 0 &&
    load.requestsPerSec < warmup.requestsPerSec * NOTHING_SHARE_OF_WARMUP
  ) {
    return (
      `the load got ${load.requestsPerSec.toFixed(1)} req/s, under a tenth of its own warm-up's ${warmup.requestsPerSec.toFixed(1)} req/s: ` +
      `the service spent the window on the warm-up's backlog, not on the load, so the profile is not the load's; ` +
      `try ${fewer}, ${optionRef('warmup', '0')} or ${longer}`
    );
  }
  return undefined;
}

/** What the kernel holds for a port: requests received that the service has not read yet. */
export interface UnreadWork {
  /** Connections to the port with bytes in their receive queue (open or closed by the client). */
  connections: number;
  bytes: number;
  /** Connections waiting in the listening socket's queue to be accepted. */
  notAccepted: number;
}

/**
 * The kernel's receive queues of the port's connections (Linux's /proc/net/tcp and tcp6);
 * undefined where they cannot be read. A CPU-starved service reads a request only when it gets
 * to it: the warm-up's requests wait here, on connections the warm-up has closed, unseen by the
 * agent (which counts a request once it is parsed), and are served later, inside the window.
 */
export function unreadWork(port: number): UnreadWork | undefined {
  const sockets = tcpSockets();
  if (!sockets) return undefined;
  const unread: UnreadWork = { connections: 0, bytes: 0, notAccepted: 0 };
  for (const socket of sockets) {
    if (socket.localPort !== port) continue;
    if (socket.state === LISTEN) unread.notAccepted += socket.rxQueue;
    else if (socket.rxQueue > 0) {
      unread.connections++;
      unread.bytes += socket.rxQueue;
    }
  }
  return unread;
}

/** How often the drain looks at the receive queues, ms. */
const DRAIN_POLL_MS = 20;

/**
 * The first half of the drain before a window that opens after a warm-up: waits until the
 * port's connections hold no unread bytes (the service has read every request sent to it), for
 * at most `ms`. Returns how long it waited and what was still unread (undefined: not known,
 * where /proc cannot be read; the agents' own wait is then all there is).
 */
export async function drainPort(
  port: number,
  ms: number,
): Promise<{ waitedMs: number; unread: UnreadWork | undefined }> {
  const started = Date.now();
  for (;;) {
    const unread = unreadWork(port);
    const waitedMs = Date.now() - started;
    if (!unread || unread.bytes === 0 || waitedMs >= ms) return { waitedMs, unread };
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
}

/** All the responses one agent counted finished in its window. */
export function finishedCount(finished: FinishTimes): number {
  return finished.counts.reduce((sum, n) => sum + n, 0);
}

/**
 * What the service served in the window, from its agents' counts: requests started, responses
 * finished, and those finished before `loadEndedAt` (epoch ms; a bucket counts when it began
 * before the load's end). The load's answers are to be compared with `finishedDuringLoad`:
 * the service goes on serving what the load left queued until the window closes.
 */
export function servedInWindow(
  started: number,
  finishes: FinishTimes[],
  loadEndedAt: number,
): { started: number; finished: number; finishedDuringLoad: number } {
  let finished = 0;
  let finishedDuringLoad = 0;
  for (const times of finishes) {
    times.counts.forEach((count, bucket) => {
      finished += count;
      if (times.since + bucket * times.bucketMs < loadEndedAt) finishedDuringLoad += count;
    });
  }
  return { started, finished, finishedDuringLoad };
}
