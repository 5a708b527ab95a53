/**
 * The capture of a service already running, through its inspector (no agent in it): the same
 * steps as `TargetCapture` (arm before the warm-up, open the window once the warm-up's requests
 * have ended, stop and keep only the window), sent over the DevTools protocol. Its worker threads
 * are profiled through the `NodeWorker` domain by the agent's own thread profiler, and their
 * allocations, when asked, by the agent's heap sampler over the same protocol. What only the
 * preloaded agent measures (lock waits; the process's CPU time, event-loop delay, GC and heap
 * statistics) is named as not measured. It never stops the service, and takes away all it installed.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { NO_ALLOCATION_VIEW } from '../../record/heap';
import type { ProfiledUnit, RunRecord } from '../../record/run';
import type { StallSpans } from '../../record/stalls';
import { HotpathError, messageOf } from '../../vocabulary/errors';
import {
  allocationSelfTest,
  HeapSampler,
  heapAfterCollection,
  type Post,
  SELF_TEST_CALL,
} from '../agent/heap';
import {
  type FinishTimes,
  type HeapStop,
  heapFileOf,
  sourceMapsFileOf,
  type ThreadStopResult,
} from '../agent/protocol';
import { STOP_IN_THREAD, stallProbeInThread } from '../agent/stalls';
import { stallsOf, ThreadProfiler } from '../agent/threads';
import { type CaptureResult, combineHeaps, combineStalls } from '../capture';
import { writeFileAtomic } from '../files';
import { busyShare, busyTime, mergeProfiles, type RawProfile } from '../mergeProfiles';
import { portOf } from '../target';
import type { WindowStart } from '../window';
import { parseInspectorAddress } from './address';
import { COUNT, COUNTED, IN_FLIGHT, INSTALL, MARKER_PREFIX, REMOVE, seen } from './inProcess';
import { InspectorSession } from './session';
import { attachedSourceMaps, debuggerEffects } from './sourceMaps';

/** What a run of an attached service does not measure: said in the run, never shown as 0. */
export const NOT_MEASURED_ATTACHED = [
  'lock waits (they need the agent preloaded into the service)',
  "the service's CPU time, event-loop utilisation and delay, GC and heap statistics over the window",
];

/** What dropping the optimised code does to the service: said in the run. */
export const DEOPTIMIZE_EFFECTS =
  "the service's optimised code was dropped once before the warm-up (V8's precise coverage, turned on and off), " +
  'so that the profile names its functions: V8 logs no code it optimised while no profiler ran. ' +
  'Everything runs slower until V8 optimises it again (during the warm-up), and every function keeps ' +
  'a feedback vector from then on (some memory). Turning coverage on and off also ends any coverage ' +
  'another debugger had started.';

/** A window's allocations: the profile's JSON (when one came back) and what the record says. */
interface HeapResult {
  json?: string;
  stop: HeapStop;
}

/** Marker requests sent before a process is said not to serve the URL. */
const MARKERS = 4;

/** A worker thread busy less than this share of the window did none of the service's work. */
const IDLE_THREAD = 0.02;

interface Options {
  profile: boolean;
  samplingIntervalUs: number;
  stallThresholdMs: number;
  deoptimize: boolean;
  insecure?: boolean;
  /** Sample where memory is allocated over the window (after the self-test, in the service). */
  allocations?: boolean;
}

export class AttachCapture {
  #threads: ThreadProfiler | undefined;
  #title: string | undefined;
  #armed = false;
  #stallsOn = false;
  #since = 0;
  /** Allocations: sampled, or why not (the self-test failed); undefined when not asked for. */
  #allocations: 'on' | { why: string } | undefined;
  #heap: HeapSampler | undefined;
  #heapStartBytes: number | undefined;
  readonly #post: Post;
  readonly lost: Promise<number>;

  private constructor(
    private readonly session: InspectorSession,
    readonly pid: number,
    readonly port: number,
    private readonly options: Options,
  ) {
    // The connection lost during the run: the service went away (or closed its inspector).
    this.lost = session.closed.then(() => pid);
    this.#post = (method, params) => session.send(method, params ?? {});
  }

  get pids(): number[] {
    return [this.pid];
  }

  /**
   * Connects to the inspector at `inspector` and checks that its process serves `url`: a marker
   * request sent to the URL must arrive inside it. Installs Hotpath's listener there (taken away
   * by `close`, whatever happens).
   */
  static async attach(inspector: string, url: string, options: Options): Promise<AttachCapture> {
    const session = await InspectorSession.connect(parseInspectorAddress(inspector));
    let capture: AttachCapture | undefined;
    try {
      const pid = await session.evaluate(INSTALL);
      if (typeof pid !== 'number')
        throw new HotpathError(
          'ATTACH',
          `the process at ${inspector} did not run Hotpath's listener`,
        );
      capture = new AttachCapture(session, pid, portOf(url), options);
      await capture.#checkServes(url, inspector);
      return capture;
    } catch (error) {
      await (capture ? capture.close() : session.close());
      if (error instanceof HotpathError) throw error;
      throw new HotpathError('ATTACH', `attaching to ${inspector}: ${messageOf(error)}`);
    }
  }

  async #checkServes(url: string, inspector: string): Promise<void> {
    const token = randomBytes(8).toString('hex');
    let answered = '';
    // Several markers, each on a connection of its own: a cluster's primary hands connections to
    // its workers in turn, and one worker serving the URL is enough (its share shows in the
    // processes row). The listener sees a request start before its answer leaves; a slow turn
    // of the service's loop gets a few more looks.
    for (let attempt = 0; attempt < MARKERS; attempt++) {
      const marker = new URL(`${MARKER_PREFIX}${token}`, url).toString();
      answered = await requestOnce(marker, this.options.insecure === true);
      for (let i = 0; i < 10; i++) {
        if ((await this.session.evaluate(seen(token))) === true) return;
        await delay(50);
      }
    }
    throw new HotpathError(
      'ATTACH',
      `the process at ${inspector} (pid ${this.pid}, ${this.session.title}) is not the one serving ${url}: ` +
        `${MARKERS} requests sent there (the last ${answered}) never arrived in it. Give the inspector of the process that serves the URL`,
    );
  }

  /** The profiler on before the warm-up (its code log must see the code the window runs). */
  async arm(): Promise<void> {
    if (!this.options.profile) return;
    const s = this.session;
    await s.send('Profiler.enable');
    if (this.options.deoptimize) {
      // Precise coverage deoptimises every function (optimised code does not count calls), and
      // V8 optimises them again during the warm-up, with the profiler's code log on.
      await s.send('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
      await s.send('Profiler.stopPreciseCoverage');
    }
    await s.send('Profiler.setSamplingInterval', { interval: this.options.samplingIntervalUs });
    await s.send('Profiler.start');
    this.#armed = true;
    if (this.options.allocations) {
      const failed = await allocationSelfTest(this.#post, () => s.evaluate(SELF_TEST_CALL));
      this.#allocations = failed === undefined ? 'on' : { why: `${NO_ALLOCATION_VIEW}: ${failed}` };
    }
    this.#threads = new ThreadProfiler(
      s,
      this.options.samplingIntervalUs,
      this.options.stallThresholdMs,
      this.#allocations === 'on',
    );
    await this.#threads.enable();
  }

  /** Opens the window once the warm-up's requests have ended in the service (or after the wait). */
  async begin(start: WindowStart): Promise<{
    startedAt: number;
    drainedMs: number;
    leftInFlight: number;
    unread: undefined;
  }> {
    const started = Date.now();
    const waitMs = start.kind === 'after-warm-up' ? start.drainTimeoutMs : 0;
    let left = Number(await this.session.evaluate(IN_FLIGHT));
    while (left > 0 && Date.now() - started < waitMs) {
      await delay(10);
      left = Number(await this.session.evaluate(IN_FLIGHT));
    }
    const drainedMs = Date.now() - started;
    await this.session.evaluate(COUNT);
    this.#since = Date.now();
    if (this.#armed) {
      // Before the window's profile: the collection is not the window's work.
      if (this.#allocations === 'on') this.#heapStartBytes = await heapAfterCollection(this.#post);
      const title = `hotpath-window-${this.pid}-${Date.now()}`;
      // A second profile on the armed profiler, which shares its code log; the armed one goes.
      await this.session.evaluate(`console.profile(${JSON.stringify(title)})`);
      await this.session.send('Profiler.stop');
      this.#title = title;
      await this.#threads?.begin(title);
      this.#stallsOn =
        (await this.session.evaluate(stallProbeInThread(this.options.stallThresholdMs))) === true;
      if (this.#allocations === 'on') {
        this.#heap = new HeapSampler(this.#post);
        await this.#heap.start();
      }
    }
    return { startedAt: this.#since, drainedMs, leftInFlight: left, unread: undefined };
  }

  /** Ends the window: the profile (merged with its worker threads'), the requests served. */
  async stop(profilePath: string | undefined): Promise<CaptureResult> {
    const stalls = this.#stallsOn
      ? stallsOf(await this.session.evaluate(STOP_IN_THREAD), this.options.stallThresholdMs)
      : undefined;
    this.#stallsOn = false;
    const counted = (await this.session.evaluate(COUNTED)) as {
      started: number;
      bucketMs: number;
      counts: number[];
    } | null;
    const finished: FinishTimes | undefined = counted
      ? { since: this.#since, bucketMs: counted.bucketMs, counts: counted.counts }
      : undefined;
    const requests = counted?.started ?? 0;
    let profile: RawProfile | undefined;
    let threads: ThreadStopResult[] = [];
    let heap: HeapResult | undefined;
    let maps: Awaited<ReturnType<typeof attachedSourceMaps>> | undefined;
    if (this.#title !== undefined) {
      const title = this.#title;
      const done = new Promise<RawProfile>((resolve) => {
        const onFinished = (message: { params: unknown }) => {
          const params = message.params as { title?: string; profile: RawProfile };
          if (params.title !== title) return;
          this.session.off('Profiler.consoleProfileFinished', onFinished);
          resolve(params.profile);
        };
        this.session.on('Profiler.consoleProfileFinished', onFinished);
      });
      await this.session.evaluate(`console.profileEnd(${JSON.stringify(title)})`);
      profile = await Promise.race([
        done,
        this.session.closed.then((why) => {
          throw new HotpathError('ATTACH', `the profile did not come back: ${why}`);
        }),
      ]);
      this.#title = undefined;
      heap = await this.#stopHeap();
      threads = (await this.#threads?.stop(profilePath, this.pid)) ?? [];
      // After everything of the window: reading them is not the window's work.
      // A failed read loses the maps, not the run: positions then stay as generated.
      if (profilePath)
        maps = await attachedSourceMaps(this.session, profile).catch(() => undefined);
    }
    const result = await this.#result(
      profilePath,
      profile,
      threads,
      requests,
      finished,
      stalls,
      heap,
    );
    const mapCount = maps ? Object.keys(maps.maps).length : 0;
    if (maps && profilePath && mapCount > 0)
      await writeFileAtomic(sourceMapsFileOf(profilePath), JSON.stringify(maps.maps));
    return {
      ...result,
      sourceMaps: mapCount,
      ...(maps?.debugger
        ? { attachEffects: [debuggerEffects(maps.debugger.ms, maps.debugger.scripts)] }
        : {}),
    };
  }

  /** The service's allocations over the window, then its used heap after a collection. */
  async #stopHeap(): Promise<HeapResult | undefined> {
    if (this.#allocations === undefined) return undefined;
    if (this.#allocations !== 'on')
      return { stop: { bytes: 0, unavailable: this.#allocations.why } };
    const sampler = this.#heap;
    this.#heap = undefined;
    if (!sampler) return undefined;
    const { profile, stop } = await sampler.stopWithGrowth(this.#heapStartBytes);
    if ('error' in profile) return { stop: { bytes: 0, error: profile.error } };
    return { json: JSON.stringify(profile), stop };
  }

  async #result(
    profilePath: string | undefined,
    profile: RawProfile | undefined,
    threads: ThreadStopResult[],
    requests: number,
    finished: FinishTimes | undefined,
    stalls: StallSpans | undefined,
    heap: HeapResult | undefined,
  ): Promise<CaptureResult> {
    const folder = profilePath ? path.dirname(profilePath) : undefined;
    const profiledThreads: { thread: ThreadStopResult; profile: RawProfile }[] = [];
    const missed = threads.filter((t) => t.profileBytes === 0);
    for (const thread of threads)
      if (thread.profileBytes > 0 && thread.file && folder)
        profiledThreads.push({
          thread,
          profile: JSON.parse(await fs.promises.readFile(path.join(folder, thread.file), 'utf8')),
        });
    const busyThreads = profiledThreads.filter((t) => busyShare(t.profile) >= IDLE_THREAD);
    const own = `profile.${this.pid}.cpuprofile`;
    let profileBytes = 0;
    let shifts: number[] = [];
    if (profile && profilePath) {
      const mainJson = JSON.stringify(profile);
      if (busyThreads.length === 0) {
        await writeFileAtomic(profilePath, mainJson);
        profileBytes = Buffer.byteLength(mainJson);
        shifts = [0];
      } else {
        await writeFileAtomic(path.join(folder as string, own), mainJson);
        const merged = JSON.stringify(
          mergeProfiles([profile, ...busyThreads.map((t) => t.profile)], shifts),
        );
        await writeFileAtomic(profilePath, merged);
        profileBytes = Buffer.byteLength(merged);
      }
    }
    const several = busyThreads.length > 0;
    // The allocations, as the profiles: the process's own beside the merge when threads sampled too.
    const sampledThreads = busyThreads.filter((t) => t.thread.heap?.file);
    if (heap?.json !== undefined && profilePath) {
      const mergingHeaps = sampledThreads.length > 0;
      const file = heapFileOf(mergingHeaps ? path.join(folder as string, own) : profilePath);
      await writeFileAtomic(file, heap.json);
      heap.stop.file = path.basename(file);
      heap.stop.bytes = Buffer.byteLength(heap.json);
    }
    const heapRecord =
      heap && folder
        ? await combineHeaps(
            [{ heap: heap.stop }, ...busyThreads.map((t) => ({ heap: t.thread.heap }))],
            folder,
            sampledThreads.length > 0,
          )
        : undefined;
    const mainUnit: ProfiledUnit = {
      pid: this.pid,
      threadId: 0,
      command: this.session.title,
      ...(several ? { file: own } : {}),
      requests,
      ...(finished ? { finished: finished.counts.reduce((a, b) => a + b, 0) } : {}),
      ...(profile ? { busyMs: busyTime(profile).busy / 1000 } : {}),
      merged: true,
    };
    const threadUnits: ProfiledUnit[] = profiledThreads.map(({ thread, profile: p }) => ({
      pid: this.pid,
      threadId: thread.threadId,
      command: thread.url ? `worker ${path.basename(thread.url)}` : `worker ${thread.title}`,
      ...(thread.file ? { file: thread.file } : {}),
      requests: 0,
      busyMs: busyTime(p).busy / 1000,
      merged: busyThreads.some((t) => t.thread === thread),
      ...(busyShare(p) < IDLE_THREAD ? { idle: true as const } : {}),
    }));
    const stallSources =
      stalls && Number.isFinite(shifts[0]) ? [{ stalls, shift: shifts[0], thread: 0 }] : [];
    busyThreads.forEach(({ thread }, i) => {
      if (thread.stalls && Number.isFinite(shifts[i + 1]))
        stallSources.push({ stalls: thread.stalls, shift: shifts[i + 1], thread: thread.threadId });
    });
    return {
      processes: {
        port: this.port,
        profiled: [mainUnit, ...threadUnits],
        skipped: [],
        overCap: 0,
        cap: 1 + threads.length,
        threads: {
          seen: threads.length,
          profiled: profiledThreads.length,
          missed: missed.map((t) => ({
            pid: this.pid,
            threadId: t.threadId,
            command: t.url ? `worker ${path.basename(t.url)}` : `worker ${t.title}`,
            why: t.error ?? 'no profile came back',
          })),
        },
      },
      ...(stallSources.length > 0
        ? { stalls: combineStalls(stallSources, 1 + busyThreads.length) }
        : {}),
      ...(heapRecord ? { heap: heapRecord } : {}),
      profileBytes,
      // Maps in files are read from the scripts' sourceMappingURL when the profile is analysed.
      sourceMaps: 0,
      finishes: finished ? [finished] : [],
    };
  }

  /**
   * Takes away everything Hotpath installed (its listener, the stall probe, the profiler it
   * turned on, the thread sessions) and disconnects. The service runs on. Never throws.
   */
  async close(): Promise<void> {
    const s = this.session;
    const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
    if (this.#stallsOn) await quietly(s.evaluate(STOP_IN_THREAD));
    // A window never stopped (the run failed in it): its threads' profiles and stall probes end.
    if (this.#title !== undefined && this.#threads)
      await quietly(this.#threads.stop(undefined, this.pid));
    await quietly(s.evaluate(REMOVE));
    if (this.#allocations !== undefined) {
      // Stops a sampler still running (a failed run) and leaves the heap profiler as it was.
      this.#heap?.abandon();
      await quietly(s.send('HeapProfiler.disable'));
    }
    if (this.#armed) {
      await quietly(s.send('NodeWorker.disable'));
      await quietly(s.send('Profiler.stop'));
      await quietly(s.send('Profiler.disable'));
    }
    await s.close();
  }
}

/** Records what an attached run did and did not measure (for every surface). */
export function noteAttached(
  record: RunRecord,
  deoptimized: boolean,
  opened: string | undefined,
): void {
  record.notMeasured = [...NOT_MEASURED_ATTACHED];
  record.attach = {
    deoptimized,
    sideEffects: [...(opened ? [opened] : []), ...(deoptimized ? [DEOPTIMIZE_EFFECTS] : [])],
  };
}

/** One GET; resolves with its status (or the error) in words: the answer itself does not matter. */
function requestOnce(url: string, insecure: boolean): Promise<string> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const request = get(
      url,
      { agent: false, timeout: 5000, ...(insecure ? { rejectUnauthorized: false } : {}) },
      (response) => {
        response.resume();
        resolve(`answered ${response.statusCode}`);
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer in 5 s')));
    request.on('error', (error) => resolve(`failed: ${error.message}`));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
