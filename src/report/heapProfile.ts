/**
 * A `.heapprofile` on its own (the profile editor, `hotpath report`): its figures, once, and its
 * report page. A heap profile has no times: no timeline, no hot lines, no time's flamegraph; the
 * page's flamegraph is the bytes by allocating stack. A foreign file does not record whether its
 * bytes were allocated or only the live ones, and has no responses: no figure per request.
 */
import { allocationFlameData } from '../profile/flame';
import type { LoadedHeapProfile } from '../profile/loadedRun';
import type { ReportData } from '../protocol/flame';
import { responsesOf } from '../vocabulary/served';
import { type AllocationFigures, allocationFigures } from './allocationFigures';
import {
  allocationBytesHeading,
  allocationNote,
  allocationRows,
  allocationSummary,
} from './allocations';
import { FIGURE_ROWS, functionLabel, VISIBLE_SHARE } from './figures';
import { displayPath } from './places';
import { shownFiles } from './reportData';
import { int, share } from './units';

/** What the page and the CLI say of a heap profile's missing timeline. */
export const HEAP_NO_TIMELINE = 'no timeline in this file: heap samples carry no times';

/** The figures of a lone heap profile; per request only when it is its run's own (counted) file. */
export function heapProfileFigures(
  loaded: LoadedHeapProfile,
  cwd = process.cwd(),
): AllocationFigures {
  const heap = loaded.record?.heap;
  return allocationFigures(
    loaded.allocations,
    responsesOf(loaded.record)?.count,
    heap?.file != null ? heap.growth : undefined,
    { rows: FIGURE_ROWS.allocations, visibleShare: VISIBLE_SHARE },
    cwd,
  );
}

/** A lone heap profile as a report page: the allocation view, on a bytes scale. */
export function heapReportData(loaded: LoadedHeapProfile, cwd = process.cwd()): ReportData {
  const figures = heapProfileFigures(loaded, cwd);
  const record = loaded.record;
  const title = record
    ? `${record.endpoint.method} ${record.endpoint.path}: allocations`
    : displayPath(loaded.file, cwd);
  // The diagnosis names the user's heaviest allocator, as a run's does; else the heaviest.
  const top = figures.rows.find((r) => r.category === 'user') ?? figures.rows[0];
  const flame = allocationFlameData(
    loaded.allocations,
    title,
    figures.perResponseBytes !== undefined ? responsesOf(record)?.count : undefined,
  );
  return {
    title,
    subtitle: `${record ? `${record.id} · ` : ''}sampling heap profile · ${int.format(figures.samples)} samples · ${HEAP_NO_TIMELINE}`,
    ...(record?.target?.node ? { node: record.target.node } : {}),
    rows: [],
    diagnosis: {
      verdict: 'allocations',
      summary: top
        ? `${functionLabel(top)}${top.where ? ` (${top.where})` : ''} allocates ${share(top.share)} of the bytes`
        : 'no allocation was sampled',
    },
    measure: 'bytes',
    hotFunctions: [],
    hotLines: [],
    flame: shownFiles(flame, cwd),
    allocations: {
      summary: allocationSummary(figures),
      bytesHeading: allocationBytesHeading(figures),
      rows: allocationRows(figures, { total: true }),
      note: allocationNote(figures),
    },
  };
}
