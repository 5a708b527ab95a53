/**
 * The warm-up and the measured window: one owner for their rules. What load warms the service
 * up, when a warm-up is no base to measure on, when the window opens, and when what the window
 * measured is no result at all.
 *
 * The window today follows a load that pauses: autocannon's warm-up ends, the service finishes
 * the warm-up's work (the drain), then the window opens and the measured load starts. A load
 * that never pauses (Locust: its users keep going) will open the window mid-load instead: it
 * gives `WindowStart` the kind 'mid-load', skips the drain (there is no gap to drain into) and
 * judges the window with the same `measuredNothing`, the rate before the window standing in for
 * the warm-up's.
 */
import type { LoadSummary } from '../record/load';
import type { RunOptions } from '../record/run';
import { optionRef } from '../vocabulary/words';
import { failedKinds } from './load/summary';

/**
 * How the window opens. 'after-warm-up': the load pauses between warm-up and window, which
 * opens once the warm-up's work has left the service. 'mid-load': the load runs on (a load
 * engine whose users never stop); the window opens on the next request, with no drain.
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
