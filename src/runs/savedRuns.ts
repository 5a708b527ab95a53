/**
 * The runs saved in a folder, as lists and pickers show them: their records, never their
 * profiles (reading and analysing one is `runFolder.ts`, on the analysis worker's side).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILE, type RunRecord } from '../record/run';

/**
 * What to read for a .cpuprofile file: its run folder when the file is that run's profile (so
 * that the run's load and lock report come with it), else the lone profile.
 */
export function readTargetOf(profileFile: string): string {
  const folder = path.dirname(profileFile);
  try {
    const record = JSON.parse(fs.readFileSync(path.join(folder, RUN_FILE), 'utf8')) as RunRecord;
    if (record.profile?.file === path.basename(profileFile)) return folder;
  } catch {
    /* a lone profile */
  }
  return profileFile;
}

/** A run saved in a runs folder, as a list of runs shows it (its record, not its profile). */
export interface SavedRun {
  folder: string;
  record: RunRecord;
}

/**
 * The runs saved in `outDir` that can be shown (a run.json and the profile it names), newest
 * first. Anything else in the folder (a cancelled or failed run without a profile, a load-only
 * run, a stray file, a run.json that is not JSON) is left out; a folder that is not there has none.
 */
export async function listRuns(outDir: string): Promise<SavedRun[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(outDir);
  } catch {
    return [];
  }
  const runs = await Promise.all(
    names.map(async (name): Promise<SavedRun | undefined> => {
      const folder = path.join(outDir, name);
      try {
        const record = JSON.parse(
          await fs.promises.readFile(path.join(folder, RUN_FILE), 'utf8'),
        ) as RunRecord;
        const file = record?.profile?.file;
        if (typeof file !== 'string' || typeof record.endpoint?.path !== 'string') return undefined;
        await fs.promises.access(path.join(folder, file));
        return { folder, record };
      } catch {
        return undefined;
      }
    }),
  );
  const startedAt = (run: SavedRun) => Date.parse(run.record.timings?.startedAt ?? '') || 0;
  return runs
    .filter((run): run is SavedRun => run !== undefined)
    .sort((a, b) => startedAt(b) - startedAt(a));
}
