import * as inspector from 'node:inspector';
import { isMainThread, threadId } from 'node:worker_threads';
import { writeFileAtomic } from '../files';
import { busyTime, type RawProfile } from '../mergeProfiles';
import type { LockTracker } from './locks';
import { Window } from './metrics';
import { type BeginResult, type StopResult, sourceMapsFileOf } from './protocol';
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
  readonly #requests = new Requests();

  private constructor(
    private readonly locks: LockTracker,
    private readonly session: inspector.Session | undefined,
    private readonly samplingIntervalUs: number | undefined,
    /** The process's worker threads, profiled from here (the main thread only). */
    private readonly threads: ThreadProfiler | undefined,
    /** A turn of the event loop longer than this is a stall, ms. */
    private readonly stallThresholdMs: number,
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
    let threads: ThreadProfiler | undefined;
    if (isMainThread) {
      threads = new ThreadProfiler(session, samplingIntervalUs, stallThresholdMs);
      await threads.enable();
    }
    return new Capture(locks, session, samplingIntervalUs, threads, stallThresholdMs);
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
    if (this.session) {
      console.profile(title);
      // The window's profile keeps the profiler (and its code log) alive: the warm-up's profile
      // can go, so that only one profile records samples during the window.
      await post(this.session, 'Profiler.stop');
      await this.threads?.begin(title);
    }
    // Metrics last: the load starts right after, with nothing more for the agent to do.
    this.#window = new Window(title);
    this.#stalls = startStallProbe(this.stallThresholdMs);
    this.locks.start();
    return this.#window.startedAt;
  }

  /** Ends the capture and throws its data away. */
  abandon(): void {
    this.#requests.close();
    this.locks.stop();
    this.#window?.close();
    this.#stalls?.close();
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
        threads = await this.threads?.stop(profilePath, process.pid);
        profileJson = JSON.stringify(profile);
        sourceMaps = heldSourceMaps(profile, lockUrls(lockReport));
      } finally {
        session.disconnect();
      }
    }
    const metrics = window.close(this.samplingIntervalUs);
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
    };
  }
}

function post(session: inspector.Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}
