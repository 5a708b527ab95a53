/**
 * Reading saved runs back: a run folder (run.json + profile.cpuprofile) or a lone
 * .cpuprofile, analysed and diagnosed. The file I/O around the pure `src/profile/` core, shared
 * by the CLI and the extension.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Analysis, analyze } from './profile/analyze';
import type { PackedProfile } from './profile/cpuprofile';
import { type Diagnosis, diagnose } from './profile/diagnosis';
import { readProfile } from './profile/readProfile';
import { createSourceMapper, type ReadFile } from './profile/sourcemaps';
import { analyzeWaits, type Waits } from './profile/waits';
import { SOURCE_MAPS_FILE } from './runner/agent/protocol';
import { HotpathError, messageOf } from './runner/errors';
import { RUN_FILE, type RunRecord } from './runner/run';

export interface LoadedRun {
  /** The run folder, or the profile's folder for a lone profile. */
  folder: string;
  profileFile: string;
  /** Absent for a lone .cpuprofile. */
  record?: RunRecord;
  analysis: Analysis;
  diagnosis: Diagnosis;
  /** Where requests waited for locks; absent when the run has no lock report. */
  waits?: Waits;
}

export function readTextFile(file: string): string | undefined {
  // A profile from another machine names thousands of scripts that are not here: an existence
  // check costs far less than the error a failed read builds.
  if (!fs.existsSync(file)) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The profile in a file, read as bytes (no string of the whole file, so no 512 MB limit); the
 * bytes are let go as soon as they are read.
 */
function readProfileFile(file: string): PackedProfile {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new HotpathError('FILES', `cannot read ${file}: ${messageOf(error)}`);
  }
  return readProfile(bytes);
}

/** Loads and analyses a run folder or a .cpuprofile file. Throws HotpathError('FILES') with the reason. */
export function loadRun(target: string): LoadedRun {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (error) {
    throw new HotpathError('FILES', `cannot read ${target}: ${messageOf(error)}`);
  }
  let record: RunRecord | undefined;
  let profileFile = target;
  let folder = path.dirname(target);
  if (stat.isDirectory()) {
    folder = target;
    const runText = readTextFile(path.join(target, RUN_FILE));
    if (runText === undefined)
      throw new HotpathError('FILES', `${target} is not a run folder: it has no ${RUN_FILE}`);
    try {
      record = JSON.parse(runText) as RunRecord;
    } catch (error) {
      throw new HotpathError(
        'FILES',
        `${path.join(target, RUN_FILE)} is not JSON: ${messageOf(error)}`,
      );
    }
    if (record.profile?.file == null) {
      const why = record.profile && 'why' in record.profile ? `: ${record.profile.why}` : '';
      throw new HotpathError('FILES', `the run in ${target} has no profile${why}`);
    }
    profileFile = path.join(target, record.profile.file);
  }
  const held = readTextFile(path.join(folder, SOURCE_MAPS_FILE));
  let sourceMaps: Record<string, unknown> | undefined;
  try {
    sourceMaps = held === undefined ? undefined : (JSON.parse(held) as Record<string, unknown>);
  } catch {
    sourceMaps = undefined; // a broken file of maps: positions stay as generated
  }
  const analysis = analyze(readProfileFile(profileFile), { readFile: readTextFile, sourceMaps });
  const waits = record?.locks ? runWaits(record, readTextFile, sourceMaps) : undefined;
  const diagnosis = diagnose(analysis, { load: record?.load, metrics: record?.agent, waits });
  return {
    folder,
    profileFile,
    ...(record ? { record } : {}),
    analysis,
    diagnosis,
    ...(waits ? { waits } : {}),
  };
}

/** The run's lock waits in the original source, with the run's figures. */
function runWaits(
  record: RunRecord,
  readFile: ReadFile,
  sourceMaps: Record<string, unknown> | undefined,
): Waits | undefined {
  if (!record.locks) return undefined;
  const load = record.load;
  const agent = record.agent;
  return analyzeWaits(
    record.locks,
    {
      durationSec: (agent?.wallMs ?? 0) / 1000,
      requests: load?.requests ?? 0,
      meanLatencyMs: load?.latencyMs.mean ?? 0,
      ...(agent ? { cpuMs: agent.cpuUserMs + agent.cpuSystemMs } : {}),
    },
    createSourceMapper(readFile, sourceMaps),
  );
}
