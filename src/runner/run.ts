import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LockReport } from '../protocol/locks';
import { AgentChannel } from './agent/channel';
import type { AgentMetrics } from './agent/protocol';
import { type ProcessesReport, TargetCapture } from './capture';
import { HotpathError, isCancelled, messageOf, throwIfCancelled } from './errors';
import { writeFileAtomic } from './files';
import { fineHistogramOf, runLoad } from './load/load';
import { coarseHistogram, LATENCY_BUCKETS, type LoadProgress } from './load/protocol';
import { type LoadSummary, mergeSummaries } from './load/summary';
import type { RunOptions } from './options';
import { hotpathVersion, packageRoot } from './paths';
import { portOf, type StartedTarget, startTarget } from './target';

export type RunStatus = 'running' | 'done' | 'cancelled' | 'failed';
export type RunStage = 'starting' | 'warming-up' | 'profiling' | 'stopping';

export const PROFILE_FILE = 'profile.cpuprofile';
export const RUN_FILE = 'run.json';

/** Everything a run folder's `run.json` says. */
export interface RunRecord {
  schema: 1;
  id: string;
  status: RunStatus;
  /** The last stage reached: where a failed or cancelled run stopped. */
  stage: RunStage;
  error?: { code: string; message: string; serviceOutput?: string };
  endpoint: { method: string; path: string; url?: string };
  preset: string;
  options: Omit<RunOptions, 'nodePath'>;
  target: {
    kind: RunOptions['target']['kind'];
    command?: string;
    url?: string;
    /** The process Hotpath started, and the one that served the URL and was profiled. */
    pid?: number;
    profiledPid?: number;
    node?: string;
  };
  warmup?: {
    durationSec: number;
    requests: number;
    requestsPerSec: number;
    /**
     * The window opened once the warm-up's requests had ended in the service: how long that
     * took (ms), and how many were still not ended when the wait ran out (0: none).
     */
    drainedMs?: number;
    leftInFlight?: number;
  };
  /** The service's processes and threads: which were profiled and why (absent for a URL). */
  processes?: ProcessesReport;
  load?: LoadSummary;
  /** Each load of a run repeated with --repeat (`load` is them all merged). */
  repeats?: LoadSummary[];
  /** The measured load second by second: for the charts of req/s, latency and errors. */
  timeline?: TimelinePoint[];
  agent?: AgentMetrics;
  /** Where requests waited for locks (async-mutex) over the window; absent without one. */
  locks?: LockReport;
  profile:
    | {
        file: string;
        bytes: number;
        samplingIntervalUs: number;
        /** Scripts whose in-memory source maps were saved to sourcemaps.json (tsx, ts-node). */
        sourceMaps: number;
      }
    | { file: null; why: string };
  timings: {
    startedAt: string;
    targetReadyAt?: string;
    captureStartedAt?: string;
    captureStoppedAt?: string;
    endedAt?: string;
  };
  versions: { hotpath: string; node: string; autocannon: string };
}

export interface RunEvents {
  signal?: AbortSignal | undefined;
  onStage?: ((stage: RunStage, record: RunRecord) => void) | undefined;
  onProgress?: ((progress: LoadProgress) => void) | undefined;
}

/** One second of the measured load. */
export interface TimelinePoint {
  /** Seconds since the load began (end of this second). */
  t: number;
  /** Responses in this second. */
  rps: number;
  /** Latency of this second's responses, ms; null when none came back. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Error answers in this second: non-2xx, connection errors and timeouts. */
  errors: number;
  /** Connections open at the end of this second (absent in older runs). */
  connections?: number;
  /** Which load of a repeated run (0-based); absent when the load ran once. */
  repeat?: number;
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
  try {
    await fs.promises.mkdir(folder, { recursive: true });
  } catch (error) {
    throw new HotpathError('FILES', `cannot make the run folder ${folder}: ${messageOf(error)}`);
  }
  const { nodePath: _nodePath, ...recorded } = options;
  const record: RunRecord = {
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
    },
    profile: { file: null, why: 'the run has not reached the capture' },
    timings: { startedAt: new Date().toISOString() },
    versions: { hotpath: hotpathVersion(), node: process.version, autocannon: autocannonVersion() },
  };
  // A run folder that cannot be written (a full disk, a read-only folder) rejects the run with
  // the reason: there is no folder to look at. What is on disk is never marked done early.
  const save = async () => {
    const file = path.join(folder, RUN_FILE);
    try {
      await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
    } catch (error) {
      throw new HotpathError('FILES', `cannot write ${file}: ${messageOf(error)}`);
    }
  };
  const enter = (stage: RunStage) => {
    record.stage = stage;
    events.onStage?.(stage, record);
  };
  await save();

  let channel: AgentChannel | undefined;
  let target: StartedTarget | undefined;
  try {
    enter('starting');
    channel = await AgentChannel.open();
    target = await startTarget(options.target, {
      channel,
      nodePath: options.nodePath,
      readyTimeoutSec: options.readyTimeoutSec,
      insecure: options.insecure,
      watchLocks: options.watchLocks,
      signal: events.signal,
      onSpawned: (pid) => {
        record.target.pid = pid;
      },
    });
    record.timings.targetReadyAt = new Date().toISOString();
    record.endpoint.url = new URL(options.load.path, target.url).toString();
    record.target.url = target.url;
    const started = target;
    const capture = target.agent
      ? new TargetCapture(channel, portOf(target.url), {
          profile: options.profile,
          samplingIntervalUs: options.samplingIntervalUs,
          agentTimeoutMs: options.agentTimeoutSec * 1000,
          cap: options.maxProcesses,
        })
      : undefined;
    if (target.agent) {
      record.target.profiledPid = target.agent.pid;
      record.target.node = target.agent.node;
    }
    await save();

    /** The load, stopped at once (and the run failed) if a profiled process goes away. */
    const loadWhileAlive = async (
      load: typeof options.load,
      extra: Omit<Parameters<typeof runLoad>[2], 'signal' | 'nodePath'>,
    ) => {
      if (!capture)
        return runLoad(started.url, load, {
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
        return await runLoad(started.url, load, {
          ...extra,
          nodePath: options.nodePath,
          signal: controller.signal,
        });
      } catch (error) {
        if (lost === undefined || events.signal?.aborted) throw error;
        // The exit event may come just after the socket closes.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const how = lost === started.pid ? started.howItEnded() : undefined;
        throw new HotpathError(
          'TARGET_EXITED',
          `the service process (pid ${lost}) ${how ?? 'went away'} during the load; the load was stopped`,
        );
      } finally {
        events.signal?.removeEventListener('abort', forward);
      }
    };
    // The profiler runs through the warm-up (see Capture in the agent); only the window is kept.
    await capture?.arm();
    if (capture) {
      const [first] = capture.pids;
      if (first !== undefined) record.target.profiledPid = first;
    }
    if (options.warmupSec > 0) {
      enter('warming-up');
      const warm = await loadWhileAlive(warmupLoad(options.load, options.warmupSec), {});
      record.warmup = {
        durationSec: warm.durationSec,
        requests: warm.requests,
        requestsPerSec: warm.requestsPerSec,
      };
    }

    enter('profiling');
    const profilePath = path.join(folder, PROFILE_FILE);
    const takeProfile = options.profile && capture !== undefined;
    const timeline: TimelinePoint[] = [];
    const repeats: LoadSummary[] = [];
    let offsetSec = 0;
    for (let repeat = 0; repeat < options.repeat; repeat++) {
      let failedBefore = 0;
      const loaded = await loadWhileAlive(options.load, {
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
                const opened = await capture.begin(options.drainTimeoutSec * 1000);
                record.timings.captureStartedAt = new Date(opened.startedAt).toISOString();
                if (record.warmup) {
                  record.warmup.drainedMs = opened.drainedMs;
                  record.warmup.leftInFlight = opened.leftInFlight;
                }
              },
      });
      repeats.push(loaded);
      offsetSec = timeline.length > 0 ? timeline[timeline.length - 1].t : offsetSec;
    }
    record.load = repeats.length === 1 ? repeats[0] : mergeRepeats(repeats);
    if (repeats.length > 1) record.repeats = repeats;
    record.timeline = timeline;
    if (capture) {
      const stopped = await capture.stop(takeProfile ? profilePath : undefined);
      record.timings.captureStoppedAt = new Date().toISOString();
      record.agent = stopped.metrics;
      record.processes = stopped.processes;
      if (stopped.locks) record.locks = stopped.locks;
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
          : 'Hotpath did not start this service, so it could not profile it (give --service to let it)',
      };
    }
    throwIfCancelled(events.signal);
    record.status = 'done';
  } catch (error) {
    record.status = isCancelled(error) ? 'cancelled' : 'failed';
    record.error = {
      code: error instanceof HotpathError ? error.code : 'INTERNAL',
      message: messageOf(error),
    };
    const output = target?.stderrTail();
    if (output && record.status === 'failed') record.error.serviceOutput = output;
    if (record.profile.file === null && record.status === 'cancelled')
      record.profile.why = 'the run was cancelled';
    if (record.profile.file === null && record.status === 'failed')
      record.profile.why = 'the run failed';
  } finally {
    // record.stage keeps the last stage of work: where a failed run stopped.
    events.onStage?.('stopping', record);
    await target?.stop();
    await channel?.close();
    record.timings.endedAt = new Date().toISOString();
    await save();
  }
  return { folder, record };
}

/** The warm-up: a constant load of the shape's first connections, for `seconds`. */
function warmupLoad(load: RunOptions['load'], seconds: number): RunOptions['load'] {
  const { shape, ...constant } = load;
  const connections = !shape
    ? load.connections
    : shape.kind === 'ramp'
      ? shape.from
      : shape.kind === 'users'
        ? shape.users
        : shape.connections;
  const connectionRate =
    shape?.kind === 'users' && shape.waitSec > 0 ? 1 / shape.waitSec : constant.connectionRate;
  return { ...constant, connections, connectionRate, durationSec: seconds, amount: undefined };
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
