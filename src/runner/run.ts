import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadSummary } from '../record/load';
import type { RunOptions } from '../record/run';
import {
  PROFILE_FILE,
  RUN_FILE,
  type RunRecord,
  type RunStage,
  type TimelinePoint,
} from '../record/run';
import { DEFAULTS } from '../vocabulary/defaults';
import { HotpathError, isCancelled, messageOf, throwIfCancelled } from '../vocabulary/errors';
import { hotpathVersion, packageRoot } from '../vocabulary/paths';
import type { LoadProgress } from '../vocabulary/progress';
import { optionRef } from '../vocabulary/words';
import { AgentChannel } from './agent/channel';
import { checkAttachable } from './attach/address';
import { AttachCapture, noteAttached } from './attach/capture';
import { SIGNAL_EFFECTS } from './attach/signal';
import { TargetCapture } from './capture';
import { writeFileAtomic } from './files';
import { runEngine } from './load/engine';
import { fineHistogramOf, LoadProcess } from './load/load';
import { coarseHistogram, LATENCY_BUCKETS } from './load/protocol';
import { mergeSummaries } from './load/summary';
import { type MachineMark, machineUse, markMachine } from './machine';
import { portOf, type StartedTarget, startTarget } from './target';
import { measuredNothing, servedInWindow, warmupFailure, warmupLoad } from './window';

export interface RunEvents {
  signal?: AbortSignal | undefined;
  onStage?: ((stage: RunStage, record: RunRecord) => void) | undefined;
  onProgress?: ((progress: LoadProgress) => void) | undefined;
  /**
   * A run that is done, its folder written, before the service is stopped: its caller may read
   * and analyse it while the service stops (the promise resolves after, with the same record).
   */
  onDone?: ((completed: CompletedRun) => void) | undefined;
  /** Words for the user while the run goes on (a Locust master's commands for its workers). */
  onNotice?: ((text: string) => void) | undefined;
}

export interface CompletedRun {
  folder: string;
  record: RunRecord;
}

/**
 * One run: target up -> short unmeasured warm-up -> capture on -> load -> capture off ->
 * target down (only if Hotpath started it). The run folder is written first and rewritten at
 * the end, whatever happened; a run that failed or was cancelled says so there: look at
 * `record.status`. Rejects (HotpathError 'FILES') only when the run folder cannot be made or
 * written, after ending what it started.
 */
export async function runProfile(
  options: RunOptions,
  events: RunEvents = {},
): Promise<CompletedRun> {
  const id = runId(options.load.path);
  const folder = path.join(options.outDir, id);
  await makeRunFolder(folder);
  const run: Run = { options, events, folder, record: newRecord(id, options) };
  await saveRecord(run);

  let channel: AgentChannel | undefined;
  let target: StartedTarget | undefined;
  let attached: AttachCapture | undefined;
  let loader: LoadProcess | undefined;
  try {
    enter(run, 'starting');
    checkAttachable(options.target);
    // Forked beside the service's start, for the warm-up and the load (Locust runs its own).
    if (!options.load.locust) loader = LoadProcess.start(options.nodePath);
    channel = await AgentChannel.open();
    target = await startService(run, channel);
    attached = await attachTo(run, target);
    const capture = attached ?? captureFor(run, channel, target);
    const started: StartedRun = { ...run, target, loader, capture };
    await saveRecord(run);
    await armCapture(started);
    await warmUp(started);
    const measured = await measure(started);
    await stopCapture(started, measured);
    throwIfCancelled(events.signal);
    judgeWindow(run);
    run.record.status = 'done';
    await saveRecord(run);
    events.onDone?.({ folder, record: run.record });
  } catch (error) {
    noteFailure(run.record, error, target);
  } finally {
    // record.stage keeps the last stage of work: where a failed run stopped.
    events.onStage?.('stopping', run.record);
    await attached?.close();
    await Promise.all([target?.stop(), loader?.end()]);
    await channel?.close();
    run.record.timings.endedAt = new Date().toISOString();
    await saveRecord(run);
  }
  return { folder, record: run.record };
}

/** What the steps of one run share: what was asked, who listens, where it goes, what it found. */
interface Run {
  options: RunOptions;
  events: RunEvents;
  folder: string;
  record: RunRecord;
}

/** A run whose service is up, with its capture when Hotpath started the service. */
interface StartedRun extends Run {
  target: StartedTarget;
  loader: LoadProcess | undefined;
  capture: TargetCapture | AttachCapture | undefined;
}

/** The load's results, one per repeat, and the machine's use when the window opened. */
interface Measured {
  repeats: LoadSummary[];
  machineAtStart: MachineMark | undefined;
  /** When the last load ended (epoch ms): the service's responses are counted up to it too. */
  loadEndedAt: number;
}

async function makeRunFolder(folder: string): Promise<void> {
  try {
    await fs.promises.mkdir(folder, { recursive: true });
  } catch (error) {
    throw new HotpathError('FILES', `cannot make the run folder ${folder}: ${messageOf(error)}`);
  }
}

/** The record of a run that has just begun: what it was asked, nothing found yet. */
function newRecord(id: string, options: RunOptions): RunRecord {
  const { nodePath: _nodePath, ...recorded } = options;
  return {
    schema: 1,
    id,
    status: 'running',
    stage: 'starting',
    endpoint: { method: options.load.method, path: options.load.path },
    preset: options.preset,
    options: recorded,
    target: {
      kind: options.target.kind,
      ...(options.target.kind === 'command' ? { command: options.target.command } : {}),
      ...(options.target.kind !== 'sample' ? { url: options.target.url } : {}),
      ...(options.target.kind === 'attach' ? { inspector: options.target.inspector } : {}),
    },
    profile: { file: null, why: 'the run has not reached the capture' },
    timings: { startedAt: new Date().toISOString() },
    versions: { hotpath: hotpathVersion(), node: process.version, autocannon: autocannonVersion() },
  };
}

/**
 * A run folder that cannot be written (a full disk, a read-only folder) rejects the run with
 * the reason: there is no folder to look at. What is on disk is never marked done early.
 */
async function saveRecord({ folder, record }: Run): Promise<void> {
  const file = path.join(folder, RUN_FILE);
  try {
    await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  } catch (error) {
    throw new HotpathError('FILES', `cannot write ${file}: ${messageOf(error)}`);
  }
}

function enter({ record, events }: Run, stage: RunStage): void {
  record.stage = stage;
  events.onStage?.(stage, record);
}

/** The service up (started, or found where it answers), and where the load will go. */
async function startService(run: Run, channel: AgentChannel): Promise<StartedTarget> {
  const { options, events, record } = run;
  const target = await startTarget(options.target, {
    channel,
    nodePath: options.nodePath,
    readyTimeoutSec: options.readyTimeoutSec,
    insecure: options.insecure,
    watchLocks: options.watchLocks,
    allocations: options.allocations === true,
    signal: events.signal,
    onSpawned: (pid) => {
      record.target.pid = pid;
    },
  });
  record.timings.targetReadyAt = new Date().toISOString();
  record.endpoint.url = new URL(options.load.path, target.url).toString();
  record.target.url = target.url;
  return target;
}

/**
 * A service profiled through its inspector (one already running, or a process Hotpath started
 * that did not load its agent, its inspector opened by SIGUSR1): the capture, once it is checked.
 */
async function attachTo(run: Run, target: StartedTarget): Promise<AttachCapture | undefined> {
  const { options, record } = run;
  const spec = options.target;
  const inspector = spec.kind === 'attach' ? spec.inspector : target.opened?.inspector;
  if (inspector === undefined) return undefined;
  const deoptimize = (spec.kind !== 'attach' || spec.deoptimize) && options.profile;
  const capture = await AttachCapture.attach(inspector, target.url, {
    profile: options.profile,
    samplingIntervalUs: options.samplingIntervalUs,
    stallThresholdMs: options.stallThresholdMs ?? DEFAULTS.stallThresholdMs,
    deoptimize,
    insecure: options.insecure,
    allocations: options.allocations,
  });
  record.target.profiledPid = capture.pid;
  record.target.inspector = inspector;
  noteAttached(record, deoptimize, target.opened && SIGNAL_EFFECTS(target.opened.pid, inspector));
  return capture;
}

/** The capture of a service whose agent answered; none for a service Hotpath did not start. */
function captureFor(
  { options, record }: Run,
  channel: AgentChannel,
  target: StartedTarget,
): TargetCapture | undefined {
  const capture = target.agent
    ? new TargetCapture(channel, portOf(target.url), {
        profile: options.profile,
        samplingIntervalUs: options.samplingIntervalUs,
        stallThresholdMs: options.stallThresholdMs ?? DEFAULTS.stallThresholdMs,
        agentTimeoutMs: options.agentTimeoutSec * 1000,
        cap: options.maxProcesses,
      })
    : undefined;
  if (target.agent) {
    record.target.profiledPid = target.agent.pid;
    record.target.node = target.agent.node;
  }
  return capture;
}

/** The profiler runs through the warm-up (see Capture in the agent); only the window is kept. */
async function armCapture({ capture, record }: StartedRun): Promise<void> {
  await capture?.arm();
  if (capture) {
    const [first] = capture.pids;
    if (first !== undefined) record.target.profiledPid = first;
  }
}

/**
 * The unmeasured warm-up, when the run has one. A load of a path that only answers errors
 * measures the error path: said before it runs.
 */
async function warmUp(run: StartedRun): Promise<void> {
  const { options, record, target } = run;
  // A Locust load warms up inside its own run: its users never pause (see window.ts).
  if (options.warmupSec <= 0 || options.load.locust) return;
  enter(run, 'warming-up');
  const warm = await loadWhileAlive(run, warmupLoad(options.load, options.warmupSec), {});
  record.warmup = {
    durationSec: warm.durationSec,
    requests: warm.requests,
    requestsPerSec: warm.requestsPerSec,
  };
  const failed = warmupFailure(warm, record.endpoint.url ?? target.url);
  if (failed && !options.allowErrors) throw new HotpathError('WARMUP_ERRORS', failed);
}

/**
 * The measured load, `repeat` times one after another, with its timeline; the capture's window
 * opens just before the first.
 */
async function measure(run: StartedRun): Promise<Measured> {
  const { options, events, record, capture } = run;
  enter(run, 'profiling');
  const timeline: TimelinePoint[] = [];
  const repeats: LoadSummary[] = [];
  let offsetSec = 0;
  let machineAtStart: MachineMark | undefined;
  for (let repeat = 0; repeat < options.repeat; repeat++) {
    let failedBefore = 0;
    const loaded = await loadWhileAlive(run, options.load, {
      onProgress: (progress) => {
        const failed = progress.errors + progress.non2xx;
        timeline.push({
          t: Math.round((offsetSec + progress.elapsedSec) * 10) / 10,
          rps: progress.requestsPerSec,
          p50Ms: progress.p50Ms ?? null,
          p99Ms: progress.p99Ms ?? null,
          errors: failed - failedBefore,
          connections: progress.connections,
          ...(options.repeat > 1 ? { repeat } : {}),
        });
        failedBefore = failed;
        events.onProgress?.(progress);
      },
      beforeStart:
        repeat > 0
          ? undefined
          : async () => {
              if (!capture) return;
              const opened = await capture.begin(
                options.load.locust
                  ? { kind: 'mid-load' }
                  : { kind: 'after-warm-up', drainTimeoutMs: options.drainTimeoutSec * 1000 },
              );
              machineAtStart = markMachine();
              record.timings.captureStartedAt = new Date(opened.startedAt).toISOString();
              if (record.warmup) {
                record.warmup.drainedMs = opened.drainedMs;
                record.warmup.leftInFlight = opened.leftInFlight;
                if (opened.unread)
                  record.warmup.unreadAtOpen = {
                    connections: opened.unread.connections,
                    bytes: opened.unread.bytes,
                  };
              }
            },
    });
    repeats.push(loaded);
    // Locust's load before its window (users spawning, the warm-up) stands in for a warm-up.
    if (loaded.locust) record.warmup = { ...loaded.locust.before, ...record.warmup };
    offsetSec = timeline.length > 0 ? timeline[timeline.length - 1].t : offsetSec;
  }
  record.load = repeats.length === 1 ? repeats[0] : mergeRepeats(repeats);
  if (repeats.length > 1) record.repeats = repeats;
  record.timeline = timeline;
  return { repeats, machineAtStart, loadEndedAt: Date.now() };
}

/** The capture off, and what it took in the record: profile, metrics, processes, locks, machine. */
async function stopCapture(
  { options, folder, record, capture }: StartedRun,
  { repeats, machineAtStart, loadEndedAt }: Measured,
): Promise<void> {
  const profilePath = path.join(folder, PROFILE_FILE);
  const takeProfile = options.profile && capture !== undefined;
  if (capture) {
    const atEnd = markMachine();
    const stopped = await capture.stop(takeProfile ? profilePath : undefined);
    record.timings.captureStoppedAt = new Date().toISOString();
    const generatorMs = repeats.reduce((sum, r) => sum + (r.generatorCpuMs ?? 0), 0);
    const machine = machineAtStart && machineUse(machineAtStart, atEnd, generatorMs);
    if (machine) record.machine = machine;
    if (stopped.metrics) record.agent = stopped.metrics;
    record.processes = stopped.processes;
    if (stopped.finishes.length > 0) {
      const started = stopped.processes.profiled.reduce((sum, p) => sum + p.requests, 0);
      record.served = servedInWindow(started, stopped.finishes, loadEndedAt);
    }
    if (stopped.locks) record.locks = stopped.locks;
    record.attach?.sideEffects.push(...(stopped.attachEffects ?? []));
    if (takeProfile && stopped.stalls) record.stalls = { ...stopped.stalls, clock: 'profile' };
    if (takeProfile && stopped.heap && options.allocations) record.heap = stopped.heap;
    if (takeProfile) {
      record.profile = {
        file: PROFILE_FILE,
        bytes: stopped.profileBytes,
        samplingIntervalUs: options.samplingIntervalUs,
        sourceMaps: stopped.sourceMaps,
      };
    }
  }
  if (!takeProfile) {
    record.profile = {
      file: null,
      why: capture
        ? 'profiling was turned off for this run'
        : `Hotpath did not start this service, so it could not profile it (give ${optionRef('service')} to let it)`,
    };
  }
}

/**
 * A window that measured nothing (no responses, or the warm-up's backlog instead of the load)
 * fails the run, its profile kept but not a result.
 */
function judgeWindow({ options, record }: Run): void {
  if (!record.load) return;
  const nothing = measuredNothing(record.load, record.warmup, options.load.connections);
  if (nothing) throw new HotpathError('MEASURED_NOTHING', nothing);
}

/** A run that failed or was cancelled: why, in the record, with the service's last output. */
function noteFailure(record: RunRecord, error: unknown, target: StartedTarget | undefined): void {
  record.status = isCancelled(error) ? 'cancelled' : 'failed';
  record.error = {
    code: error instanceof HotpathError ? error.code : 'INTERNAL',
    message: messageOf(error),
    // Its option references kept (vocabulary/words.ts): the editor names the option its own way.
    ...(error instanceof HotpathError && error.words !== error.message
      ? { words: error.words }
      : {}),
  };
  const output = target?.stderrTail();
  if (output && record.status === 'failed') record.error.serviceOutput = output;
  if (record.profile.file === null && record.status === 'cancelled')
    record.profile.why = 'the run was cancelled';
  if (record.profile.file === null && record.status === 'failed')
    record.profile.why = 'the run failed';
}

/** The load, stopped at once (and the run failed) if a profiled process goes away. */
async function loadWhileAlive(
  { options, events, target, capture, loader }: StartedRun,
  load: RunOptions['load'],
  given: Omit<
    Parameters<typeof runEngine>[2],
    'signal' | 'nodePath' | 'warmupSec' | 'allowErrors' | 'loader'
  >,
): Promise<LoadSummary> {
  const extra = {
    ...given,
    loader,
    warmupSec: options.warmupSec,
    allowErrors: options.allowErrors,
    onNotice: events.onNotice,
  };
  if (!capture)
    return runEngine(target.url, load, {
      ...extra,
      nodePath: options.nodePath,
      signal: events.signal,
    });
  const controller = new AbortController();
  const forward = () => controller.abort(events.signal?.reason);
  if (events.signal?.aborted) forward();
  events.signal?.addEventListener('abort', forward, { once: true });
  let lost: number | undefined;
  void capture.lost.then((pid) => {
    lost = pid;
    controller.abort();
  });
  try {
    return await runEngine(target.url, load, {
      ...extra,
      nodePath: options.nodePath,
      signal: controller.signal,
    });
  } catch (error) {
    if (lost === undefined || events.signal?.aborted) throw error;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the exit may follow the socket's close
    const how = lost === target.pid ? target.howItEnded() : undefined;
    throw new HotpathError(
      'TARGET_EXITED',
      `the service process (pid ${lost}) ${how ?? 'went away'} during the load; the load was stopped`,
    );
  } finally {
    events.signal?.removeEventListener('abort', forward);
  }
}

/** A repeated run's loads as one: one after another, their gaps left out of its duration. */
function mergeRepeats(repeats: LoadSummary[]): LoadSummary {
  const fine = new Uint32Array(LATENCY_BUCKETS);
  for (const repeat of repeats) {
    const own = fineHistogramOf(repeat);
    if (own) for (let i = 0; i < fine.length; i++) fine[i] += own[i];
  }
  return mergeSummaries(repeats, {
    durationSec: repeats.reduce((a, r) => a + r.durationSec, 0),
    startedAt: repeats[0].startedAt,
    finishedAt: repeats[repeats.length - 1].finishedAt,
    connections: Math.max(...repeats.map((r) => r.connections)),
    fine,
    histogram: coarseHistogram(fine),
  });
}

function runId(endpointPath: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\..*$/, '');
  const slug =
    endpointPath
      .replace(/^\/+/, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'root';
  return `${stamp}-${slug}-${randomBytes(2).toString('hex')}`;
}

/** Set by esbuild in the bundles (which carry autocannon); absent when run from source. */
declare const __AUTOCANNON_VERSION__: string | undefined;

function autocannonVersion(): string {
  if (typeof __AUTOCANNON_VERSION__ === 'string') return __AUTOCANNON_VERSION__;
  try {
    const manifest = path.join(packageRoot(), 'node_modules', 'autocannon', 'package.json');
    return JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}
