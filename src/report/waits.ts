/** The lock waits of a run as rows of text, for every surface. Pure. */
import type { WaitRow } from '../protocol/flame';
import type { LockFigure } from './figures';
import { fineMs, share } from './units';

/**
 * What the lock table's rate is, said under it: the lock's acquisitions, not requests. It counts
 * every acquire call granted in the profiled window, and requests the load gave up on when it
 * stopped are granted the lock too (and answer nothing), so on a queued lock it runs above req/s.
 */
export const ACQUIRED_PER_SEC_NOTE =
  "acquired/s: times the lock was granted per second of the profiled window, every acquire call, requests the load gave up on when it stopped included; not the run's req/s";

/** The lock figures as rows of text, heaviest first: for the CLI, the HTML and Markdown reports. */
export function waitRows(locks: readonly LockFigure[]): WaitRow[] {
  return locks.map((s) => ({
    lock: s.lock,
    where: s.where,
    ofLatency: share(s.waitShare),
    waitP50: fineMs(s.waitMs.p50),
    waitP99: fineMs(s.waitMs.p99),
    holdP50: fineMs(s.holdMs.p50),
    perSec: s.perSec.toFixed(1),
    note: s.heldAcrossAwait ? 'held across an await' : '',
  }));
}
