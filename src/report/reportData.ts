/** A loaded run as the HTML report's content. */
import { displayPath, runRows } from '../cliFormat';
import { hotFunctions, hotLines } from '../profile/analyze';
import { flameData } from '../profile/flame';
import type { ReportData } from '../protocol/flame';
import type { LoadedRun } from '../runFiles';

export function reportData(run: LoadedRun, cwd = process.cwd()): ReportData {
  const { analysis, diagnosis, record } = run;
  const duration = analysis.model.durationUs || 1;
  const share = (us: number) => `${((us / duration) * 100).toFixed(1)} %`;
  // Rows that would read 0.0 % say nothing.
  const visible = (us: number) => us / duration >= 0.0005;
  const title = record
    ? `${record.endpoint.method} ${record.endpoint.path}`
    : displayPath(run.profileFile, cwd);
  const subtitle = record
    ? `${record.id} · ${record.options.load.connections} connections · preset ${record.preset}`
    : `${(duration / 1e6).toFixed(2)} s · ${analysis.model.sampleCount} samples`;
  return {
    title,
    subtitle,
    rows: record ? runRows(record, run.folder, cwd) : [],
    diagnosis: { verdict: diagnosis.verdict, summary: diagnosis.summary },
    hotFunctions: hotFunctions(analysis, 15)
      .filter((f) => visible(f.selfUs))
      .map((f) => ({
        name: f.name,
        location: f.original
          ? `${displayPath(f.original.source, cwd)}:${f.original.line}`
          : `${displayPath(f.generated.url, cwd)}:${f.generated.line}`,
        self: share(f.selfUs),
        total: share(f.totalUs),
      })),
    hotLines: hotLines(analysis, 15)
      .filter((l) => visible(l.selfUs))
      .map((l) => ({
        location: `${displayPath(l.file, cwd)}:${l.line}`,
        functionName: analysis.functions[l.functionId]?.name ?? '',
        self: share(l.selfUs),
      })),
    flame: flameData(analysis, title),
  };
}
