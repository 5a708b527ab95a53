import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import { NO_ALLOCATION_VIEW } from '../../record/heap';
import { writeFileAtomic } from '../files';
import { busyTime, type RawProfile } from '../mergeProfiles';
import { allocationSelfTest, HeapSampler, heapAfterCollection, type Post } from './heap';
import type { LockTracker } from './locks';
import { Window } from './metrics';
import {
  AGENT_HEAP_ENV,
  type BeginResult,
  type HeapStop,
  heapFileOf,
  type StopResult,
  sourceMapsFileOf,
  stallProbeOn,
} from './protocol';
import { Requests } from './requests';
import { heldSourceMaps, lockUrls } from './sourceMaps';
import { type StallProbe, startStallProbe } from './stalls';
import { ThreadProfiler } from './threads';

/**
 * One capture. `arm` turns the CPU profiler on, before the warm-up: V8 (11.x, Node 20) does
 * not log code that was optimized while no profiler ran, and samples in such code lose their
 * frames (a warmed-up /cpu handler showed as `runMicrotasks` in about one run in six). `begin`
 * opens the measured window: a second profile on the same profiler (`console.profile`, which
 * shares its code map), and the metrics. `stop` ends both and keeps only the window's.
 */
export class Capture {
  #window: Window | undefined;
  #stalls: StallProbe | undefined;
  #heap: HeapSampler | undefined;
  #heapStartBytes: number | undefined;
  readonly #requests = new Requests();

  private constructor(
    private readonly locks: LockTracker,
    private readonly session: inspector.Session | undefined,
    private readonly samplingIntervalUs: number | undefined,
    /** The process's worker threads, profiled from here (the main thread only). */
    private readonly threads: ThreadProfiler | undefined,
    /** A turn of the event loop longer than this is a stall, ms. */
    private readonly stallThresholdMs: number,
    /**
     * Allocations: 'on', or why not (turned off, or this Node's sampler failed its self-test).
     * Its worker threads follow it.
     */
    private readonly allocations: 'on' | { why: string } = { why: 'not profiled' },
  ) {}

  static async arm(
    locks: LockTracker,
    profile: boolean,
    samplingIntervalUs: number,
    stallThresholdMs: number,
  ): Promise<Capture> {
    if (!profile) return new Capture(locks, undefined, undefined, undefined, stallThresholdMs);
    const session = new inspector.Session();
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await post(session, 'Profiler.start');
    const allocations = await checkAllocations(session);
    let threads: ThreadProfiler | undefined;
    if (isMainThread) {
      threads = new ThreadProfiler(
        session,
        samplingIntervalUs,
        stallThresholdMs,
        allocations === 'on',
      );
      await threads.enable();
    }
    return new Capture(locks, session, samplingIntervalUs, threads, stallThresholdMs, allocations);
  }

  /**
   * Opens the measured window once the requests that came in since `arm` (the warm-up's) have
   * ended, or after `drainMs`: a warm-up leaves work queued in the service (requests waiting
   * for a lock, say) that would otherwise run inside the window and be charged to it.
   */
  async begin(drainMs: number): Promise<BeginResult> {
    if (this.#window) throw new Error('the window is open already');
    const { drainedMs, leftInFlight } = await this.#requests.drain(drainMs);
    this.#requests.count();
    const startedAt = await this.#open();
    return { startedAt, drainedMs, leftInFlight };
  }

  async #open(): Promise<number> {
    const title = `hotpath-window-${process.pid}-${threadId}-${Date.now()}`;
    if (this.session && this.allocations === 'on') {
      // Before the window's profile: the collection is not the window's work.
      this.#heapStartBytes = await heapAfterCollection(postTo(this.session));
    }
    if (this.session) {
      console.profile(title);
      // The window's profile keeps the profiler (and its code log) alive: the warm-up's profile
      // can go, so that only one profile records samples during the window.
      await post(this.session, 'Profiler.stop');
      await this.threads?.begin(title);
    }
    // Metrics last: the load starts right after, with nothing more for the agent to do.
    this.#window = new Window(title);
    this.#stalls = stallProbeOn() ? startStallProbe(this.stallThresholdMs) : undefined;
    if (this.session && this.allocations === 'on') {
      this.#heap = new HeapSampler(postTo(this.session));
      await this.#heap.start();
    }
    this.locks.start();
    return this.#window.startedAt;
  }

  /** Ends the capture and throws its data away. */
  abandon(): void {
    this.#requests.close();
    this.locks.stop();
    this.#window?.close();
    this.#stalls?.close();
    this.#heap?.abandon();
    this.threads?.abandon();
    this.session?.disconnect();
  }

  async stop(profilePath: string | undefined): Promise<StopResult> {
    const window = this.#window;
    if (!window) {
      this.abandon();
      throw new Error('the capture window was never opened');
    }
    const lockReport = this.locks.stop();
    const stalls = this.#stalls?.close();
    const { started: requests, finished } = this.#requests.close();
    let profileJson: string | undefined;
    let sourceMaps: Record<string, unknown> = {};
    let threads: StopResult['threads'];
    let busyMs: number | undefined;
    let heap: HeapStop | undefined;
    let heapJson: string | undefined;
    if (this.session) {
      const session = this.session;
      const finished = new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the profiler did not finish the window')),
          10_000,
        );
        session.on(
          'Profiler.consoleProfileFinished',
          (message: { params: { title?: string; profile: unknown } }) => {
            if (message.params.title !== window.title) return;
            clearTimeout(timer);
            resolve(message.params.profile);
          },
        );
      });
      console.profileEnd(window.title);
      try {
        const profile = await finished;
        busyMs = busyTime(profile as RawProfile).busy / 1000;
        const heapProfile = await this.#heap?.stop();
        threads = await this.threads?.stop(profilePath, process.pid);
        if (heapProfile && 'error' in heapProfile) heap = { bytes: 0, error: heapProfile.error };
        else if (heapProfile) {
          heapJson = JSON.stringify(heapProfile);
          heap = { bytes: 0 };
        } else if (this.allocations !== 'on')
          heap = { bytes: 0, unavailable: this.allocations.why };
        profileJson = JSON.stringify(profile);
        sourceMaps = heldSourceMaps(profile, lockUrls(lockReport));
      } finally {
        if (!heap) session.disconnect();
      }
    }
    const metrics = window.close(this.samplingIntervalUs);
    if (heap && this.session) {
      // After the window's metrics: the collection is not the window's work.
      const endUsedBytes = await heapAfterCollection(postTo(this.session));
      this.session.disconnect();
      if (this.#heapStartBytes !== undefined && endUsedBytes !== undefined) {
        heap.startUsedBytes = this.#heapStartBytes;
        heap.endUsedBytes = endUsedBytes;
      }
    }
    if (heap && heapJson !== undefined && profilePath) {
      const file = heapFileOf(profilePath);
      await writeFileAtomic(file, heapJson);
      heap.file = path.basename(file);
      heap.bytes = Buffer.byteLength(heapJson);
    }
    let profileBytes = 0;
    const mapCount = Object.keys(sourceMaps).length;
    if (profileJson !== undefined && profilePath) {
      await writeFileAtomic(profilePath, profileJson);
      profileBytes = Buffer.byteLength(profileJson);
      if (mapCount > 0) {
        await writeFileAtomic(sourceMapsFileOf(profilePath), JSON.stringify(sourceMaps));
      }
    }
    return {
      profileBytes,
      metrics,
      requests,
      ...(finished ? { finished } : {}),
      sourceMaps: mapCount,
      ...(lockReport ? { locks: lockReport } : {}),
      ...(threads ? { threads } : {}),
      ...(busyMs !== undefined ? { busyMs } : {}),
      ...(stalls ? { stalls } : {}),
      ...(heap ? { heap } : {}),
    };
  }
}

/**
 * Whether allocations are sampled in this capture: off when the runner's environment says so,
 * or when this Node's sampler fails its self-test (the main thread's: its threads run the same V8).
 */
async function checkAllocations(session: inspector.Session): Promise<'on' | { why: string }> {
  if (process.env[AGENT_HEAP_ENV] === '0') return { why: 'allocation sampling was turned off' };
  if (!isMainThread) return 'on';
  const failed = await allocationSelfTest(postTo(session));
  return failed === undefined ? 'on' : { why: `${NO_ALLOCATION_VIEW}: ${failed}` };
}

function postTo(session: inspector.Session): Post {
  return (method, params) => post(session, method, params);
}

function post(session: inspector.Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}
