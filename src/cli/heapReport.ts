/** `hotpath report` on a lone `.heapprofile`: where memory was allocated, with no run around it. */
import { heapProfileFigures, heapReportData } from '../report/heapProfile';
import { jsonDocument } from '../report/json';
import { allocationMarkdown } from '../report/markdown';
import { displayPath } from '../report/places';
import { formatAllocations } from '../report/text';
import { loadHeapProfile } from '../runs/runFolder';
import { UsageError } from './args';
import { EXIT } from './exitCodes';
import { writeHtml } from './reportFiles';

/**
 * A lone `.heapprofile` (a run's, `node --heap-prof`'s, DevTools'), gzipped or not: where memory
 * was allocated. Per request only for a run's own file, beside the run.json that counts them.
 */
export async function reportHeapProfile(
  file: string,
  values: { json?: boolean; markdown?: boolean; html?: string; pprof?: string },
): Promise<number> {
  if (values.pprof)
    throw new UsageError('--pprof takes a run folder or a CPU profile, not a .heapprofile');
  const loaded = loadHeapProfile(file);
  const figures = heapProfileFigures(loaded);
  const notes = loaded.allocations.notes;
  if (values.html) await writeHtml(values.html, heapReportData(loaded));
  if (values.json) process.stdout.write(jsonDocument({ file, allocations: figures, notes }));
  else if (values.markdown) process.stdout.write(`${allocationMarkdown(figures).join('\n')}\n`);
  else
    process.stdout.write(
      `${displayPath(file)}\n${formatAllocations(figures).join('\n')}\n${notes
        .slice(0, 3)
        .map((note) => `  note        ${note}\n`)
        .join('')}`,
    );
  return EXIT.ok;
}
