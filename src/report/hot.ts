/** The hot functions and hot lines of a run as rows, for every surface. Pure. */
import { type Analysis, hotFunctions, hotLines, sourceOf } from '../profile/analyze';
import type { ReportData } from '../protocol/flame';
import { displayPath, functionLocation } from './places';
import { share } from './units';

/** Rows under this share of the window would read 0.0 %: they say nothing and are left out. */
export const VISIBLE_SHARE = 0.0005;

/** The heaviest functions by self time, as the Markdown and HTML reports' table shows them. */
export function hotFunctionTable(
  analysis: Analysis,
  limit: number,
  cwd = process.cwd(),
): ReportData['hotFunctions'] {
  const duration = analysis.model.durationUs || 1;
  return hotFunctions(analysis, limit)
    .filter((f) => f.selfUs / duration >= VISIBLE_SHARE)
    .map((f) => ({
      name: f.name,
      location: functionLocation(f, cwd),
      self: share(f.selfUs / duration),
      total: share(f.totalUs / duration),
    }));
}

/** The heaviest lines by self time, as the Markdown and HTML reports' table shows them. */
export function hotLineTable(
  analysis: Analysis,
  limit: number,
  cwd = process.cwd(),
): ReportData['hotLines'] {
  const duration = analysis.model.durationUs || 1;
  return hotLines(analysis, limit)
    .filter((l) => l.selfUs / duration >= VISIBLE_SHARE)
    .map((l) => ({
      location: `${displayPath(l.file, cwd)}:${l.line}`,
      functionName: analysis.functions[l.functionId]?.name ?? '',
      self: share(l.selfUs / duration),
    }));
}

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

/**
 * The lines that call the cost, inferred from the callees' names (never measured: V8 ticks the
 * callee, not the line that called it), heaviest first, with the words that say so.
 */
export function callLineRows(
  analysis: Analysis,
  limit: number,
  cwd = process.cwd(),
): { name: string; totalUs: number; where: string; why: string }[] {
  const duration = analysis.model.durationUs || 1;
  return analysis.functions
    .flatMap((f) =>
      f.category === 'user' ? (f.callLines ?? []).map((c) => ({ name: f.name, c })) : [],
    )
    .sort((a, b) => b.c.totalUs - a.c.totalUs)
    .slice(0, limit)
    .map(({ name, c }) => {
      const file = displayPath(c.file, cwd);
      const also = (c.alsoLines ?? []).map((line) => `${file}:${line}`).join(', ');
      return {
        name,
        totalUs: c.totalUs,
        where: `${file}:${c.line}`,
        why: `calls ${share(c.totalUs / duration)} (${c.calleeNames.join(', ')}) — inferred from the callees' names${c.ambiguous ? `; ${also} calls them too, and which line did is not known` : ''}`,
      };
    });
}
