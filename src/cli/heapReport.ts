/** `hotpath report` on a lone `.heapprofile`: where memory was allocated, with no run around it. */
import { allocationFigures } from '../report/allocationFigures';
import { FIGURE_ROWS, VISIBLE_SHARE } from '../report/figures';
import { jsonDocument } from '../report/json';
import { allocationMarkdown } from '../report/markdown';
import { displayPath } from '../report/places';
import { formatAllocations } from '../report/text';
import { loadHeapProfile } from '../runs/runFolder';
import { UsageError } from './args';
import { EXIT } from './exitCodes';

/** A lone `.heapprofile` (a run's, `node --heap-prof`'s, DevTools'): where memory was allocated. */
export function reportHeapProfile(
  file: string,
  values: { json?: boolean; markdown?: boolean; html?: string },
): number {
  if (values.html)
    throw new UsageError('--html takes a run folder or a .cpuprofile, not a lone .heapprofile');
  const { allocations } = loadHeapProfile(file);
  const figures = allocationFigures(allocations, undefined, undefined, {
    rows: FIGURE_ROWS.allocations,
    visibleShare: VISIBLE_SHARE,
  });
  if (values.json)
    process.stdout.write(jsonDocument({ file, allocations: figures, notes: allocations.notes }));
  else if (values.markdown) process.stdout.write(`${allocationMarkdown(figures).join('\n')}\n`);
  else
    process.stdout.write(
      `${displayPath(file)}\n${formatAllocations(figures).join('\n')}\n${allocations.notes
        .slice(0, 3)
        .map((note) => `  note        ${note}\n`)
        .join('')}`,
    );
  return EXIT.ok;
}
