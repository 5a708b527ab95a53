/** What `hotpath report` and `compare` write beside what they print: an HTML report, a pprof. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pprofFile } from '../profile/formats/pprofWrite';
import { oneThread } from '../profile/formats/threads';
import type { LoadedRun } from '../profile/loadedRun';
import type { PackedProfile } from '../profile/packedProfile';
import type { ReportData } from '../protocol/flame';
import { renderHtmlReport } from '../report/html';
import { displayPath } from '../report/places';
import { writeFileAtomic } from '../runner/files';
import { readProfileTarget } from '../runs/profileFolder';
import { bundle } from '../vocabulary/paths';

/** Writes a standalone HTML report (temp file + rename) and says where. */
export async function writeHtml(file: string, data: ReportData): Promise<void> {
  const target = path.resolve(file);
  await writeFileAtomic(
    target,
    renderHtmlReport(data, fs.readFileSync(bundle('media/report.js'), 'utf8')),
  );
  process.stderr.write(`hotpath: wrote ${displayPath(target)}\n`);
}

/** Writes the run's profile as a gzipped pprof (temp file + rename) and says where. */
export async function writePprof(file: string, loaded: LoadedRun, thread?: string): Promise<void> {
  const target = path.resolve(file);
  const record = loaded.record;
  const labels: Record<string, string> = {};
  if (record) {
    labels.endpoint = `${record.endpoint.method} ${record.endpoint.path}`;
    labels.run_id = record.id;
  }
  const started = Date.parse(record?.timings.captureStartedAt ?? '');
  await writeFileAtomic(
    target,
    pprofFile(profileOf(loaded, thread), {
      labels,
      comments: [
        `hotpath ${record ? `run ${record.id} of ${labels.endpoint}` : `profile ${path.basename(loaded.profileFile)}`}`,
      ],
      ...(Number.isFinite(started) ? { startedAtMs: started } : {}),
    }),
  );
  process.stderr.write(`hotpath: wrote ${displayPath(target)}\n`);
}

/** The run's profile as `loadRun` read it: the thread asked for alone. */
function profileOf(loaded: LoadedRun, thread: string | undefined): PackedProfile {
  const { profile } = readProfileTarget(loaded.profileFile);
  return thread === undefined ? profile : oneThread(profile, thread);
}
