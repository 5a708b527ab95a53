/** The hot functions and hot lines of a run as rows, for every surface. Pure. */
import { type Analysis, hotLines, sourceOf } from '../profile/analyze';
import { displayPath } from './places';

/**
 * The hot lines to print: true lines, and each function's inlined code as a row of its own
 * (never as its declaration line), heaviest first.
 */
export function hotLineRows(
  analysis: Analysis,
  limit: number,
  cwd = process.cwd(),
): { name: string; selfUs: number; where: string }[] {
  const rows = hotLines(analysis, limit).map((l) => ({
    name: analysis.functions[l.functionId]?.name ?? '',
    selfUs: l.selfUs,
    where: `${displayPath(l.file, cwd)}:${l.line}`,
  }));
  for (const f of analysis.functions) {
    if (f.category !== 'user' || !f.inlinedUs) continue;
    const at = sourceOf(f);
    rows.push({
      name: f.name,
      selfUs: f.inlinedUs,
      where: `inlined code in ${f.name}${at ? ` (${displayPath(at.source, cwd)})` : ''}`,
    });
  }
  return rows.sort((a, b) => b.selfUs - a.selfUs).slice(0, limit);
}
