/**
 * Reading saved runs back: a run folder (run.json + profile.cpuprofile) or a lone .cpuprofile,
 * analysed and diagnosed. The file I/O around the pure `src/profile/` core, shared by the CLI and
 * the extension's analysis worker (`analysisWorker.ts`): never the extension host's own thread.
 * Listing runs without reading their profiles is `savedRuns.ts`. The runner writes the folder;
 * its schema is `src/record/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../profile/analyze';
import type { ComparedRun } from '../profile/compare';
import { diagnose } from '../profile/diagnosis';
import { gunzipCapped, isGzip } from '../profile/formats/gzip';
import { chooseThread, threadProfile, threadsOf } from '../profile/formats/threads';
import {
  type AllocationAnalysis,
  allocationWords,
  analyzeAllocations,
  parseHeapProfile,
} from '../profile/heapprofile';
import type { ShapeStore } from '../profile/inlinedFrames';
import type { LoadedHeapProfile, LoadedRun } from '../profile/loadedRun';
import { missedCpu, threadBusyShares } from '../profile/missedCpu';
import { type PackedProfile, sliceProfile } from '../profile/packedProfile';
import type { ScriptShape } from '../profile/scriptShape';
import { createSourceMapper, type ReadFile } from '../profile/sourcemaps';
import { attributeStalls, loopFigures } from '../profile/stalls';
import { samplesOf } from '../profile/stats';
import { analyzeWaits, type Waits } from '../profile/waits';
import type { RampStep } from '../record/load';
import { RUN_FILE, type RunRecord, SOURCE_MAPS_FILE } from '../record/run';
import type { SampleSeries } from '../record/samples';
import { HotpathError, messageOf } from '../vocabulary/errors';
import { responsesOf } from '../vocabulary/served';
import { profilesIn, readProfileAt, readProfileFolder } from './profileFolder';

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
 * The profile in a file, in any format Hotpath reads, as bytes (no string of the whole file, so
 * no 512 MB limit); the bytes are let go as soon as they are read.
 */
function readProfileFile(file: string): PackedProfile {
  return readProfileAt(file).profile;
}

/** The source maps a run saved from the service's memory (tsx, ts-node), if any. */
function readSourceMaps(folder: string): Record<string, unknown> | undefined {
  const held = readTextFile(path.join(folder, SOURCE_MAPS_FILE));
  try {
    return held === undefined ? undefined : (JSON.parse(held) as Record<string, unknown>);
  } catch {
    return undefined; // a broken file of maps: positions stay as generated
  }
}

/**
 * Loads and analyses a run folder or a .cpuprofile file. Throws HotpathError('FILES') with the
 * reason, or ('MEASURED_NOTHING') for a run whose window measured nothing.
 */
export function loadRun(
  target: string,
  { scripts, thread }: { scripts?: ShapeStore; thread?: string } = {},
): LoadedRun {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (error) {
    throw new HotpathError('FILES', `cannot read ${target}: ${messageOf(error)}`);
  }
  let record: RunRecord | undefined;
  let profileFile = target;
  let folder = path.dirname(target);
  let read: PackedProfile | undefined;
  if (stat.isDirectory()) {
    folder = target;
    const runText = readTextFile(path.join(target, RUN_FILE));
    if (runText === undefined) {
      // A folder of profiles (`node --cpu-prof --cpu-prof-dir=…`): one view of them all.
      const files = profilesIn(target);
      if (files.length === 0)
        throw new HotpathError(
          'FILES',
          `${target} is not a run folder (it has no ${RUN_FILE}) nor a folder of profiles (no .cpuprofile or .pb.gz in it)`,
        );
      read = readProfileFolder(target, files).profile;
    } else {
      record = runRecordOf(target, runText);
      profileFile = path.join(target, record.profile?.file ?? '');
    }
  }
  const sourceMaps = readSourceMaps(folder);
  const whole = read ?? readProfileFile(profileFile);
  // One thread of several, when asked: its tree and samples alone, and the threads it was chosen
  // from (the editor's choice lists them all whichever is shown).
  const chosen = thread === undefined ? undefined : chooseThread(whole, thread);
  const profile = chosen ? threadProfile(whole, chosen.node) : whole;
  const analysis = analyze(profile, {
    readFile: readTextFile,
    sourceMaps,
    ...(scripts ? { scripts } : {}),
  });
  const stalls = record?.stalls
    ? attributeStalls(profile, record.stalls, analysis.functions)
    : undefined;
  const waits = record?.locks ? runWaits(record, readTextFile, sourceMaps) : undefined;
  const allocations =
    record?.heap?.file != null
      ? runAllocations(path.join(folder, record.heap.file), sourceMaps, analysis.notes)
      : undefined;
  const diagnosis = diagnose(analysis, {
    load: record?.load,
    metrics: record?.agent,
    waits,
    locksWatched: record?.options?.watchLocks,
    processes: record?.processes?.profiled.filter((p) => p.threadId === 0 && p.merged).length,
    ramp: record?.load?.ramp?.knee,
    machine: record?.machine,
    missed: record ? missedCpu(record) : undefined,
    threads: record ? threadBusyShares(record) : undefined,
    loop: record?.agent
      ? loopFigures(record.agent.eventLoopDelayMs.p99, stalls, analysis.functions)
      : undefined,
    allocations: allocations ? allocationWords(allocations, responsesOf(record)?.count) : undefined,
  });
  return {
    folder,
    profileFile,
    ...(record ? { record } : {}),
    analysis,
    diagnosis,
    ...(waits ? { waits } : {}),
    ...(stalls ? { stalls } : {}),
    ...(allocations ? { allocations } : {}),
    ...(chosen
      ? {
          chosenThread: {
            label: chosen.label,
            threads: threadsOf(whole).map((t) => ({
              label: t.label,
              samples: t.samples,
              totalUs: t.totalUs,
              busyUs: t.totalUs - t.idleUs,
            })),
          },
        }
      : {}),
  };
}

/**
 * A `.heapprofile`'s allocations, in the original sources. A file that cannot be read leaves the
 * run without them and says why in `notes`: the CPU profile's figures still stand.
 */
export function readAllocations(
  file: string,
  sourceMaps: Record<string, unknown> | undefined,
): AllocationAnalysis {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new HotpathError('FILES', `cannot read ${file}: ${messageOf(error)}`);
  }
  // Gzipped (`.heapprofile.gz`) as the other profiles may be, and capped the same way.
  const text = new TextDecoder().decode(isGzip(bytes) ? gunzipCapped(bytes) : bytes);
  return analyzeAllocations(parseHeapProfile(text), { readFile: readTextFile, sourceMaps });
}

function runAllocations(
  file: string,
  sourceMaps: Record<string, unknown> | undefined,
  notes: string[],
): AllocationAnalysis | undefined {
  try {
    return readAllocations(file, sourceMaps);
  } catch (error) {
    notes.push(`the allocations in ${path.basename(file)} could not be read: ${messageOf(error)}`);
    return undefined;
  }
}

/**
 * A `.heapprofile` on its own (DevTools', `node --heap-prof`'s, or a run's), analysed; with its
 * run's record when the run.json beside it names it as the run's allocations.
 */
export function loadHeapProfile(file: string): LoadedHeapProfile {
  const folder = path.dirname(file);
  const record = heapRunOf(file);
  return {
    file,
    allocations: readAllocations(file, readSourceMaps(folder)),
    ...(record ? { record } : {}),
  };
}

/** The run whose own allocations `file` is, if the run.json beside it says so. */
function heapRunOf(file: string): RunRecord | undefined {
  const runText = readTextFile(path.join(path.dirname(file), RUN_FILE));
  if (runText === undefined) return undefined;
  try {
    const record = JSON.parse(runText) as RunRecord;
    return record.heap?.file === path.basename(file) ? record : undefined;
  } catch {
    return undefined; // a broken run.json: the file is read as a foreign one
  }
}

/** A run folder's record, when it has a profile to read. */
function runRecordOf(target: string, runText: string): RunRecord {
  let record: RunRecord;
  try {
    record = JSON.parse(runText) as RunRecord;
  } catch (error) {
    throw new HotpathError(
      'FILES',
      `${path.join(target, RUN_FILE)} is not JSON: ${messageOf(error)}`,
    );
  }
  // Its profile is of other work than the load's (the warm-up's backlog): not a result.
  if (record.error?.code === 'MEASURED_NOTHING')
    throw new HotpathError(
      'MEASURED_NOTHING',
      `the run in ${target} measured nothing, so it has no diagnosis: ${record.error.message}` +
        (record.profile?.file
          ? ` (its profile is kept: give ${path.join(target, record.profile.file)} to read it anyway)`
          : ''),
    );
  if (record.profile?.file == null) {
    const why = record.profile && 'why' in record.profile ? `: ${record.profile.why}` : '';
    throw new HotpathError('FILES', `the run in ${target} has no profile${why}`);
  }
  return record;
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
    readFile,
  );
}

/** A saved run as `compareRuns` takes it: the analysis, the load, the metrics and the samples. */
export function comparedRun(run: LoadedRun): ComparedRun {
  const record = run.record;
  const samples = record ? samplesOf(record) : undefined;
  const responses = responsesOf(record);
  return {
    analysis: run.analysis,
    ...(record?.load ? { load: record.load } : {}),
    ...(record?.served && responses ? { responses } : {}),
    ...(record?.agent ? { metrics: record.agent } : {}),
    ...(samples ? { samples } : {}),
    ...(run.waits ? { waits: run.waits } : {}),
    ...(run.allocations ? { allocations: run.allocations } : {}),
    ...(run.stalls ? { stalls: run.stalls } : {}),
    ...(record?.agent ? { loopDelayP99Ms: record.agent.eventLoopDelayMs.p99 } : {}),
  };
}

/** One step of a ramp run, cut out of its profile, as `compareRuns` takes it. */
export interface RampStepRun {
  index: number;
  step: RampStep;
  label: string;
  compared: ComparedRun;
}

/**
 * Two steps of a ramp run, each with the profile of its own seconds: by default the knee and the
 * step after it (the knee's predecessor and the knee when the knee is the last step), so that
 * the flamegraph shows what changed when more connections stopped bringing more throughput.
 */
export function loadRampSteps(
  target: string,
  which?: [number, number],
): [RampStepRun, RampStepRun] {
  const run = loadRun(target);
  const record = run.record;
  const ramp = record?.load?.ramp;
  if (!record || !ramp)
    throw new HotpathError('FILES', `${target} is not a ramp run: it has no steps to compare`);
  const last = ramp.steps.length - 1;
  if (last < 1) throw new HotpathError('FILES', `the ramp in ${target} stopped after one step`);
  const knee = ramp.knee.step;
  const [a, b] = which ?? (knee < last ? [knee, knee + 1] : [knee - 1, knee]);
  for (const index of [a, b]) {
    if (!Number.isInteger(index) || index < 0 || index > last)
      throw new HotpathError(
        'BAD_OPTION',
        `steps: the ramp has steps 0 to ${last}; got ${index}`,
        'steps',
      );
  }
  const loadStart = Date.parse(record.load?.startedAt ?? '');
  const captureStart = Date.parse(record.timings.captureStartedAt ?? '');
  if (!Number.isFinite(loadStart) || !Number.isFinite(captureStart))
    throw new HotpathError('FILES', `the run in ${target} lacks the times that place its steps`);
  const profile = readProfileFile(run.profileFile);
  const sourceMaps = readSourceMaps(run.folder);
  // Each step's analysis reads the same scripts: parsed once.
  const scripts = new Map<string, ScriptShape | null>();
  const samples = record.load?.samples;
  const stepRun = (index: number): RampStepRun => {
    const step = ramp.steps[index];
    const fromUs = (loadStart - captureStart + step.startSec * 1000) * 1000;
    const slice = sliceProfile(profile, fromUs, fromUs + step.durationSec * 1e6);
    const p90 = step.p90Ms ?? step.p99Ms;
    return {
      index,
      step,
      label: `${record.endpoint.method} ${record.endpoint.path} step ${index + 1}: ${step.connections} connections${index === knee ? ' (the knee)' : ''}`,
      compared: {
        analysis: analyze(slice, { readFile: readTextFile, sourceMaps, scripts }),
        ...(samples ? { samples: [stepSamples(samples, step)] } : {}),
        load: {
          requests: step.requests,
          requestsPerSec: step.requestsPerSec,
          latencyMs: { p50: step.p50Ms, p90, p99: step.p99Ms },
          errors: step.errors,
          non2xx: 0,
        },
      },
    };
  };
  return [stepRun(a), stepRun(b)];
}

/**
 * The intervals of a ramp's samples that lie within one step, less its first 200 ms (fresh
 * connections opening), as a closed load of the step's connections.
 */
function stepSamples(samples: SampleSeries, step: RampStep): SampleSeries {
  // The series starts one interval after the load began (the first one is cut).
  const first = Math.ceil(((step.startSec + 0.2) * 1000) / samples.intervalMs) - 1;
  const end = Math.floor(((step.startSec + step.durationSec) * 1000) / samples.intervalMs) - 1;
  const cut = (values: number[] | undefined) => values?.slice(Math.max(0, first), Math.max(0, end));
  return {
    intervalMs: samples.intervalMs,
    responses: cut(samples.responses) ?? [],
    latencyMs: cut(samples.latencyMs) ?? [],
    ...(samples.cycles && samples.cycleMs
      ? {
          closedConnections: step.connections,
          cycles: cut(samples.cycles) ?? [],
          cycleMs: cut(samples.cycleMs) ?? [],
        }
      : {}),
  };
}
