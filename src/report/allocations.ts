/** Where memory is allocated, as a sentence and rows of text for every surface. Pure. */
import type { AllocationRow } from '../protocol/flame';
import { type AllocationFigures, functionLabel } from './figures';
import { bytes, int, share } from './units';

/** The section's title on every surface. */
export const ALLOCATIONS_TITLE = 'Where memory is allocated';

/** What a foreign file's bytes are: it does not say. */
export const MODE_UNKNOWN = 'allocated or live: not recorded in the file';

/** A size that may be negative (the heap shrank): "+13 KB", "-2.0 MB". */
function signedBytes(value: number): string {
  return `${value < 0 ? '-' : '+'}${bytes(Math.abs(Math.round(value)))}`;
}

/**
 * "1.1 MB per request, 7.2 GB in all (13,670 samples, one per 512 KB allocated on average);
 * used heap after a collection 10.6 MB → 11.7 MB (+13 KB per request)".
 */
export function allocationSummary(a: AllocationFigures): string {
  const all = `${bytes(a.totalBytes)} ${a.mode === 'allocated' ? 'allocated' : `in all, ${MODE_UNKNOWN}`}`;
  const head =
    a.perResponseBytes !== undefined
      ? `${bytes(a.perResponseBytes)} allocated per request, ${bytes(a.totalBytes)} in all`
      : all;
  const interval = a.samplingIntervalBytes
    ? `, one per ${bytes(a.samplingIntervalBytes)} allocated on average`
    : '';
  const samples = `${int.format(a.samples)} sample${a.samples === 1 ? '' : 's'}${interval}`;
  const dropped =
    a.droppedSamples > 0 ? `; ${int.format(a.droppedSamples)} more past the file's cap` : '';
  return `${head} (${samples}${dropped})${a.growth ? `; ${growthText(a.growth)}` : ''}`;
}

/** The heap's growth over the window: a leak grows it, churn does not. */
export function growthText(growth: NonNullable<AllocationFigures['growth']>): string {
  const change = growth.endUsedBytes - growth.startUsedBytes;
  const per =
    growth.perResponseBytes !== undefined
      ? `${signedBytes(growth.perResponseBytes)} per request`
      : signedBytes(change);
  return `used heap after a collection ${bytes(growth.startUsedBytes)} → ${bytes(growth.endUsedBytes)} (${per})`;
}

/** What the table counts, said under it. */
export function allocationNote(a: AllocationFigures): string {
  const what =
    a.mode === 'allocated'
      ? 'every allocation of the window, collected or not, sampled by V8'
      : `the file's bytes, ${MODE_UNKNOWN}`;
  return `${what}; V8 records the allocating function (its own line is shown), not the line that allocated`;
}

/** The table's rows; with `total`, each function's bytes with what it called too (in all). */
export function allocationRows(
  a: AllocationFigures,
  { total = false }: { total?: boolean } = {},
): AllocationRow[] {
  return a.rows.map((r) => ({
    function: functionLabel(r),
    bytes: bytes(r.perResponseBytes ?? r.selfBytes),
    ...(total ? { total: bytes(r.totalPerResponseBytes ?? r.totalBytes) } : {}),
    share: share(r.share),
    where: r.where,
  }));
}

/** The bytes column's heading: per request when counted. */
export function allocationBytesHeading(a: AllocationFigures): string {
  return a.perResponseBytes !== undefined ? 'per request' : 'bytes';
}
