/**
 * The capture across the target's processes and threads: the ones that serve the URL's port
 * (a cluster's workers, not its primary), each profiled by its own agent, and their worker
 * threads, profiled by their process's agent (agent/threads.ts); the window opened in all of
 * them once the warm-up's requests have ended, and their profiles kept one by one and merged
 * into the run's `profile.cpuprofile`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HEAP_PROFILE_FILE, type HeapRecord, type RawHeapProfile } from '../record/heap';
import type { AgentMetrics } from '../record/load';
import type { LockReport } from '../record/locks';
import {
  type ProcessesReport,
  type ProfiledUnit,
  SOURCE_MAPS_FILE,
  type ThreadMissed,
} from '../record/run';
import type { StallSpans, StallThreads } from '../record/stalls';
import type { AgentChannel, AgentConnection } from './agent/channel';
import { HEAP_SAMPLING_BYTES, HEAP_SLICE_MS, MAX_HEAP_SAMPLES } from './agent/heap';
import { mergeHeapProfiles } from './agent/mergeHeapProfiles';
import {
  type FinishTimes,
  type HeapStop,
  heapFileOf,
  type StopResult,
  sourceMapsFileOf,
  type ThreadStopResult,
} from './agent/protocol';
import { writeFileAtomic } from './files';
import { busyShare, mergeProfiles, type RawProfile } from './mergeProfiles';
import { type Choice, chooseProfiled, combineLocks, combineMetrics } from './processes';
import { drainPort, finishedCount, type UnreadWork, unreadWork, type WindowStart } from './window';

export interface CaptureResult {
  processes: ProcessesReport;
  /** The process's metrics; absent for a service Hotpath attached to (no agent). */
  metrics?: AgentMetrics;
  locks?: LockReport;
  /** The processes' and threads' event-loop stalls, in the run profile's clock. */
  stalls?: StallSpans & { threads: StallThreads };
  /** The processes' and threads' allocations over the window (absent without a profile). */
  heap?: HeapRecord;
  profileBytes: number;
  sourceMaps: number;
  /** What reading the attached service did to it after the window, in words (none: absent). */
  attachEffects?: string[];
  /** Each profiled unit's responses finished in the window, as its agent counted them. */
  finishes: FinishTimes[];
}

/** Several threads' stalls as one list, each shifted into the merged profile's clock. */
export function combineStalls(
  sources: { stalls: StallSpans; shift: number; thread: number }[],
  threads: number,
): StallSpans & { threads: StallThreads } {
  const spans = sources.flatMap(({ stalls, shift }) =>
    stalls.spans.map(([start, end]): [number, number] => [start + shift, end + shift]),
  );
  spans.sort((a, b) => a[0] - b[0]);
  return {
    thresholdMs: sources[0].stalls.thresholdMs,
    probeMs: sources[0].stalls.probeMs,
    spans,
    dropped: sources.reduce((sum, s) => sum + s.stalls.dropped, 0),
    threads: {
      main: sources.filter((s) => s.thread === 0).length,
      workers: sources.filter((s) => s.thread !== 0).length,
      notMeasured: Math.max(0, threads - sources.length),
    },
  };
}

/** One profiled process or thread, as its stop left it. */
interface Unit {
  pid: number;
  threadId: number;
  command: string;
  file?: string;
  profileBytes: number;
  busyMs?: number;
  requests: number;
  /** A process's own stop result (a thread has none: it came with its process's). */
  result?: StopResult;
  /** Its event loop's stalls, in its own profile's clock. */
  stalls?: StallSpans;
  /** Its allocations over the window. */
  heap?: HeapStop;
  error?: string;
  agent: AgentConnection;
}

/**
 * The kept units' allocations as the run's record: their heap profiles (merged into
 * `profile.heapprofile` when there are several), the threads sampled and not, the heap's growth.
 */
export async function combineHeaps(
  kept: readonly { heap?: HeapStop }[],
  folder: string,
  merging: boolean,
): Promise<HeapRecord | undefined> {
  const heaps = kept.flatMap((unit) => (unit.heap ? [unit.heap] : []));
  if (heaps.length === 0) return undefined;
  const sampled = heaps.filter((h) => h.file && h.bytes > 0);
  if (sampled.length === 0) {
    const why = heaps.find((h) => h.unavailable)?.unavailable ?? heaps.find((h) => h.error)?.error;
    return { file: null, why: why ?? 'no heap profile came back' };
  }
  let bytes = sampled[0].bytes;
  if (merging) {
    const profiles = await Promise.all(
      sampled.map(
        async (h) =>
          JSON.parse(
            await fs.promises.readFile(path.join(folder, h.file as string), 'utf8'),
          ) as RawHeapProfile,
      ),
    );
    const json = JSON.stringify(
      mergeHeapProfiles(profiles, HEAP_SAMPLING_BYTES, MAX_HEAP_SAMPLES * profiles.length),
    );
    await writeFileAtomic(path.join(folder, HEAP_PROFILE_FILE), json);
    bytes = Buffer.byteLength(json);
  }
  const grown = sampled.filter(
    (h) => h.startUsedBytes !== undefined && h.endUsedBytes !== undefined,
  );
  return {
    file: HEAP_PROFILE_FILE,
    bytes,
    samplingIntervalBytes: HEAP_SAMPLING_BYTES,
    sliceMs: HEAP_SLICE_MS,
    maxSamples: MAX_HEAP_SAMPLES,
    threads: { sampled: sampled.length, notSampled: kept.length - sampled.length },
    ...(grown.length === sampled.length
      ? {
          growth: {
            startUsedBytes: grown.reduce((sum, h) => sum + (h.startUsedBytes ?? 0), 0),
            endUsedBytes: grown.reduce((sum, h) => sum + (h.endUsedBytes ?? 0), 0),
          },
        }
      : {}),
  };
}

/** A worker thread as a summary names it: its script, or its inspector title. */
function threadCommand(thread: ThreadStopResult): string {
  const script = thread.url ? path.basename(thread.url.replace(/^file:\/\//, '')) : '';
  return script ? `worker ${script}` : `worker ${thread.title} (from a string)`;
}

/** A worker thread busy less than this share of the window did none of the service's work. */
const IDLE_THREAD = 0.02;

export class TargetCapture {
  #armed: AgentConnection[] = [];
  #choice: Choice<AgentConnection> | undefined;
  #lost!: (pid: number) => void;
  /** Resolves with the pid of a profiled process that went away (exited, killed). */
  readonly lost = new Promise<number>((resolve) => {
    this.#lost = resolve;
  });

  constructor(
    private readonly channel: AgentChannel,
    readonly port: number,
    private readonly options: {
      profile: boolean;
      samplingIntervalUs: number;
      stallThresholdMs: number;
      agentTimeoutMs: number;
      cap: number;
    },
  ) {}

  /** The main processes profiled so far. */
  get pids(): number[] {
    return this.#armed.filter((a) => a.threadId === 0).map((a) => a.pid);
  }

  /**
   * Turns the profiler on in every serving process and thread known now (before the warm-up),
   * after waiting briefly for a cluster's other workers to listen too (when the process serving
   * was forked by another of the service's processes).
   */
  async arm(): Promise<void> {
    await this.#settle();
    await this.#armNew();
  }

  /**
   * Opens the window in every serving process and thread, arming those that came up during the
   * warm-up (a pool's threads start on its first task). Returns when the last opened, how long
   * the wait for the warm-up's requests took and how many were left.
   */
  async begin(start: WindowStart): Promise<{
    startedAt: number;
    drainedMs: number;
    leftInFlight: number;
    unread: UnreadWork | undefined;
  }> {
    // After a warm-up, the kernel's queues first: requests not read yet are work the agents
    // cannot see. Mid-load there is nothing to drain: the load's requests are the window's.
    const drainMs = start.kind === 'after-warm-up' ? start.drainTimeoutMs : 0;
    const kernel =
      start.kind === 'after-warm-up'
        ? await drainPort(this.port, drainMs)
        : { waitedMs: 0, unread: undefined };
    await this.#armNew();
    const opened = await Promise.all(
      this.#armed.map((agent) =>
        agent.begin(Math.max(0, drainMs - kernel.waitedMs), this.options.agentTimeoutMs),
      ),
    );
    return {
      startedAt: Math.max(...opened.map((o) => o.startedAt)),
      drainedMs: kernel.waitedMs + Math.max(...opened.map((o) => o.drainedMs)),
      leftInFlight: opened.reduce((sum, o) => sum + o.leftInFlight, 0),
      unread: start.kind === 'after-warm-up' ? unreadWork(this.port) : kernel.unread,
    };
  }

  /**
   * Ends the capture everywhere. One unit: its profile is `profilePath`. Several: each writes
   * its own beside it (`profile.<pid>[-t<thread>].cpuprofile`), and `profilePath` gets the merge
   * of those that served requests (or all, when none did).
   */
  async stop(profilePath: string | undefined): Promise<CaptureResult> {
    const armed = this.#armed;
    const folder = profilePath ? path.dirname(profilePath) : undefined;
    const ownFile = (agent: AgentConnection) => `profile.${agent.pid}.cpuprofile`;
    const stopped = await Promise.all(
      armed.map(async (agent) => {
        const own =
          folder && profilePath
            ? armed.length > 1
              ? path.join(folder, ownFile(agent))
              : profilePath
            : undefined;
        return agent.stop(own, this.options.agentTimeoutMs);
      }),
    );
    // Each process's worker threads came back with it, profiled from its main thread.
    const units: Unit[] = [];
    armed.forEach((agent, i) => {
      const result = stopped[i];
      units.push({
        pid: agent.pid,
        threadId: 0,
        command: agent.command,
        file: armed.length > 1 ? ownFile(agent) : path.basename(profilePath ?? ''),
        profileBytes: result.profileBytes,
        ...(result.busyMs !== undefined ? { busyMs: result.busyMs } : {}),
        requests: result.requests,
        result,
        ...(result.stalls ? { stalls: result.stalls } : {}),
        ...(result.heap ? { heap: result.heap } : {}),
        agent,
      });
      for (const thread of result.threads ?? [])
        units.push({
          pid: agent.pid,
          threadId: thread.threadId,
          command: threadCommand(thread),
          file: thread.file,
          profileBytes: thread.profileBytes,
          ...(thread.busyMs !== undefined ? { busyMs: thread.busyMs } : {}),
          requests: 0,
          ...(thread.stalls ? { stalls: thread.stalls } : {}),
          ...(thread.heap ? { heap: thread.heap } : {}),
          ...(thread.error ? { error: thread.error } : {}),
          agent,
        });
    });
    const withProfiles = units.filter((u) => u.profileBytes > 0 && u.file);
    const several = withProfiles.length > 1 || armed.length > 1;
    if (several && armed.length === 1 && profilePath && units[0].profileBytes > 0) {
      // One process with threads: its own profile moves aside, the merge takes its place.
      const own = path.join(folder as string, ownFile(armed[0]));
      await fs.promises.rename(profilePath, own);
      const maps = sourceMapsFileOf(profilePath);
      if (units[0].result?.sourceMaps) await fs.promises.rename(maps, sourceMapsFileOf(own));
      const heap = units[0].heap;
      if (heap?.file) {
        await fs.promises.rename(heapFileOf(profilePath), heapFileOf(own));
        heap.file = path.basename(heapFileOf(own));
      }
      units[0].file = ownFile(armed[0]);
    }
    const servedByPid = new Map<number, number>();
    for (const unit of units) if (unit.threadId === 0) servedByPid.set(unit.pid, unit.requests);
    const anyServed = [...servedByPid.values()].some((n) => n > 0);
    const merging = several && profilePath !== undefined && this.options.profile;
    const profiles = merging
      ? await Promise.all(
          units.map(async (unit) =>
            unit.profileBytes > 0 && unit.file
              ? (JSON.parse(
                  await fs.promises.readFile(path.join(folder as string, unit.file), 'utf8'),
                ) as RawProfile)
              : undefined,
          ),
        )
      : [];
    const profiled: ProfiledUnit[] = [];
    const threadsMissed: ThreadMissed[] = [];
    const kept: { unit: Unit; profile?: RawProfile }[] = [];
    units.forEach((unit, i) => {
      if (unit.threadId !== 0 && unit.profileBytes === 0 && this.options.profile) {
        threadsMissed.push({
          pid: unit.pid,
          threadId: unit.threadId,
          command: unit.command,
          why: unit.error ?? 'no profile came back',
        });
        return;
      }
      // A thread goes with its process; a process that served nothing is not the service; a
      // thread that did nothing in the window (a loader's hooks thread under tsx) is not its work.
      const profile = profiles[i];
      const idle = unit.threadId !== 0 && profile !== undefined && busyShare(profile) < IDLE_THREAD;
      const merged = (!anyServed || (servedByPid.get(unit.pid) ?? 0) > 0) && !idle;
      profiled.push({
        pid: unit.pid,
        ppid: unit.agent.ppid,
        threadId: unit.threadId,
        command: unit.command,
        ...(several && profilePath && unit.file ? { file: unit.file } : {}),
        requests: unit.requests,
        ...(unit.result?.finished ? { finished: finishedCount(unit.result.finished) } : {}),
        ...(unit.busyMs !== undefined ? { busyMs: unit.busyMs } : {}),
        merged,
        ...(idle ? { idle: true as const } : {}),
        ...(unit.result ? { metrics: unit.result.metrics } : {}),
        ...(unit.stalls?.delayMs
          ? {
              loop: {
                stalls: unit.stalls.spans.length + unit.stalls.dropped,
                delayMs: unit.stalls.delayMs,
              },
            }
          : {}),
      });
      if (merged) kept.push({ unit, ...(profile ? { profile } : {}) });
    });

    let profileBytes = kept.reduce((sum, k) => sum + k.unit.profileBytes, 0);
    // A process's stalls are in its own profile's clock: one profile keeps it, a merge shifts it.
    let stallSources = kept.flatMap((k) =>
      k.unit.stalls ? [{ stalls: k.unit.stalls, shift: 0, thread: k.unit.threadId }] : [],
    );
    if (merging) {
      const withProfile = kept.filter((k) => k.profile);
      const toMerge = withProfile.map((k) => k.profile as RawProfile);
      if (toMerge.length > 0) {
        const shifts: number[] = [];
        const json = JSON.stringify(mergeProfiles(toMerge, shifts));
        stallSources = withProfile.flatMap((k, i) =>
          k.unit.stalls && Number.isFinite(shifts[i])
            ? [{ stalls: k.unit.stalls, shift: shifts[i], thread: k.unit.threadId }]
            : [],
        );
        await writeFileAtomic(profilePath as string, json);
        profileBytes = Buffer.byteLength(json);
      }
      // The maps Node held in memory (tsx, ts-node), from every process: one file for the run.
      const maps: Record<string, unknown> = {};
      for (const k of kept) {
        if (!k.unit.result?.sourceMaps || !k.unit.file) continue;
        const own = sourceMapsFileOf(path.join(folder as string, k.unit.file));
        Object.assign(maps, JSON.parse(await fs.promises.readFile(own, 'utf8')));
      }
      if (Object.keys(maps).length > 0)
        await writeFileAtomic(path.join(folder as string, SOURCE_MAPS_FILE), JSON.stringify(maps));
    }
    const heap =
      this.options.profile && profilePath
        ? await combineHeaps(
            kept.map((k) => k.unit),
            folder as string,
            merging,
          )
        : undefined;
    const mains = kept.flatMap((k) => (k.unit.result ? [k.unit.result] : []));
    const all = units.flatMap((u) => (u.result ? [u.result] : []));
    const choice = this.#choice;
    return {
      processes: {
        port: this.port,
        profiled,
        skipped: (choice?.skipped ?? []).map(({ unit, why }) => ({
          pid: unit.pid,
          threadId: unit.threadId,
          command: unit.command,
          why,
        })),
        overCap: choice?.overCap ?? 0,
        cap: this.options.cap,
        threads: {
          seen: units.filter((u) => u.threadId !== 0).length,
          profiled: profiled.filter((u) => u.threadId !== 0).length,
          missed: threadsMissed,
        },
      },
      metrics: combineMetrics((mains.length > 0 ? mains : all).map((r) => r.metrics)),
      locks: combineLocks(mains.map((r) => r.locks)),
      ...(this.options.profile && stallSources.length > 0
        ? { stalls: combineStalls(stallSources, kept.length) }
        : {}),
      ...(heap ? { heap } : {}),
      profileBytes,
      sourceMaps: Math.max(0, ...mains.map((r) => r.sourceMaps)),
      finishes: stopped.flatMap((result) => (result?.finished ? [result.finished] : [])),
    };
  }

  async #armNew(): Promise<void> {
    // Worker threads are profiled from their process's main thread (agent/threads.ts): an
    // agent inside a pool's thread may never get to answer (piscina's Atomics.wait), and one
    // that does is neither profiled on its own nor counted against the cap.
    this.#choice = chooseProfiled(
      this.channel.agents.filter((agent) => agent.threadId === 0),
      this.port,
      this.options.cap,
    );
    const fresh = this.#choice.profiled.filter((agent) => !this.#armed.includes(agent));
    await Promise.all(
      fresh.map((agent) =>
        agent.start(
          this.options.profile,
          this.options.samplingIntervalUs,
          this.options.stallThresholdMs,
          this.options.agentTimeoutMs,
        ),
      ),
    );
    for (const agent of fresh) {
      this.#armed.push(agent);
      if (agent.threadId === 0) void agent.gone.then(() => this.#lost(agent.pid));
    }
  }

  /** Waits until no more processes start listening on the port for a moment (at most 1 s). */
  async #settle(): Promise<void> {
    const serving = () =>
      this.channel.agents.filter((a) => a.threadId === 0 && a.ports.includes(this.port));
    // One process serving, whose parent carries no agent: no cluster primary or other process
    // of the service forked it, so there are no siblings to wait for (a process forked later
    // is armed when the window opens, as a pool's threads are).
    const first = serving();
    const agentPids = new Set(this.channel.agents.map((a) => a.pid));
    if (first.length === 1 && !agentPids.has(first[0].ppid)) return;
    const count = () => serving().length;
    const until = Date.now() + 1000;
    let seen = count();
    let quietSince = Date.now();
    while (Date.now() < until && Date.now() - quietSince < 250) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const now = count();
      if (now !== seen) {
        seen = now;
        quietSince = Date.now();
      }
    }
  }
}
