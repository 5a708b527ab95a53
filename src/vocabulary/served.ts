/**
 * The count a run's per-response figures divide by, shared by every surface: the CLI's summary
 * and hot tables, the editor's hovers, the walk-through's lessons and comparisons.
 */
import type { RunRecord } from '../record/run';

/** Which count a per-response figure divides by, as `run.json` names it. */
export type ResponseCount = 'served.finished' | 'load.requests';

/**
 * The responses the service finished within the window (its agents' count, `served.finished`),
 * which is what the window's CPU and profile were spent on: the load's own answers leave out the
 * requests the service went on serving after the load ended, and with few answers a figure per
 * answer is inflated. A run without the agents' count (a URL target, an older run) divides by
 * the load's answers. Undefined when the count is 0.
 */
export function responsesOf(
  record: Pick<RunRecord, 'served' | 'load'> | undefined,
): { count: number; counts: ResponseCount } | undefined {
  if (record?.served && record.served.finished > 0)
    return { count: record.served.finished, counts: 'served.finished' };
  if (record?.load && record.load.requests > 0)
    return { count: record.load.requests, counts: 'load.requests' };
  return undefined;
}
