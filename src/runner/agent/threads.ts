import * as path from 'node:path';
import type { LoopDelay, StallSpans } from '../../record/stalls';
import { idleAtomicsWaits } from '../atomicsWait';
import { writeFileAtomic } from '../files';
import { busyTime, type RawProfile } from '../mergeProfiles';
import { HeapSampler, heapAfterCollection, type Post } from './heap';
import { type HeapStop, stallProbeOn, type ThreadStopResult } from './protocol';
import { PROBE_MS, STOP_IN_THREAD, stallProbeInThread } from './stalls';

/**
 * The process's worker threads, profiled from its main thread through the inspector's
 * `NodeWorker` domain: each thread's own inspector answers there even when the thread's event
 * loop never turns. A piscina thread (`atomics: 'sync'`, the default) waits for its next task in
 * a blocking `Atomics.wait` and runs its tasks without going back to its loop, so an agent inside
 * it never even connects; V8 still dispatches inspector messages to it, between two tasks as in
 * the middle of one. So does a thread started with its own `env` or `execArgv`, or from a string
 * (`eval: true`), which may not have loaded the agent at all.
 *
 * Each thread gets what the main thread gets: the profiler on from the moment it is seen
 * (arming, before the warm-up, or when a pool starts it), the window as a `console.profile` of
 * its own (which shares the armed profiler's code log), ended with `console.profileEnd`.
 */

interface WorkerInfo {
  workerId: string;
  type: string;
  title: string;
  url: string;
}

interface Thread {
  sessionId: string;
  info: WorkerInfo;
  threadId: number;
  /** Resolves once its profiler runs (and, after `begin`, its window is open). */
  ready: Promise<void>;
  windowOpen: boolean;
  /** Its event loop's stall probe runs (started with its window). */
  stallsOn?: boolean;
  /** Its allocations over the window, and its used heap after a collection at the window's start. */
  heap?: HeapSampler;
  heapStartBytes?: number;
  gone: boolean;
  error?: string;
}

/** The script of the thread Node runs `module.register`'s hooks on. */
const MODULE_HOOKS_THREAD = 'node:internal/modules/esm/worker';

/** A thread's probe's answer, checked: it came back through the inspector as plain JSON. */
export function stallsOf(value: unknown, thresholdMs: number): StallSpans | undefined {
  const v = value as { spans?: unknown; dropped?: unknown; delayMs?: unknown } | null | undefined;
  if (!v || !Array.isArray(v.spans) || typeof v.dropped !== 'number') return undefined;
  const spans = v.spans.filter(
    (s): s is [number, number] =>
      Array.isArray(s) && s.length === 2 && s.every((n) => typeof n === 'number'),
  );
  const delay = v.delayMs as Partial<Record<keyof LoopDelay, unknown>> | undefined;
  const delayMs =
    delay && (['p50', 'p99', 'max', 'turns'] as const).every((k) => typeof delay[k] === 'number')
      ? (delay as LoopDelay)
      : undefined;
  return {
    thresholdMs,
    probeMs: PROBE_MS,
    spans,
    dropped: v.dropped,
    ...(delayMs ? { delayMs } : {}),
  };
}

/** How long one inspector message to a thread may take before the thread is given up. */
const THREAD_TIMEOUT_MS = 10_000;

/**
 * What the profiler needs of its session: the agent's own `node:inspector` Session, or the
 * runner's WebSocket session with a service it attached to (attach/session.ts).
 */
export interface SessionLike {
  post(method: string, params: object, callback: (error: Error | null) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: inspector.Session's own listener type
  on(event: string, listener: (message: any) => void): unknown;
}

/** A thread's heap profile beside its CPU profile (`….cpuprofile` -> `….heapprofile`). */
async function writeHeap(
  heap: { profile: Awaited<ReturnType<HeapSampler['stop']>>; stop: HeapStop },
  cpuFile: string,
): Promise<HeapStop> {
  if ('error' in heap.profile) return { ...heap.stop, error: heap.profile.error };
  const file = cpuFile.replace(/\.cpuprofile$/, '.heapprofile');
  const json = JSON.stringify(heap.profile);
  await writeFileAtomic(file, json);
  return { ...heap.stop, file: path.basename(file), bytes: Buffer.byteLength(json) };
}

export class ThreadProfiler {
  readonly #threads = new Map<string, Thread>();
  readonly #pending = new Map<
    number,
    { resolve: (r: unknown) => void; reject: (e: Error) => void }
  >();
  readonly #finished = new Map<string, (profile: unknown) => void>();
  #nextId = 1;
  #title: string | undefined;

  constructor(
    private readonly session: SessionLike,
    private readonly samplingIntervalUs: number,
    /** A turn of a thread's event loop longer than this is a stall, ms. */
    private readonly stallThresholdMs: number,
    /** Sample each thread's allocations over the window (the process's self-test passed). */
    private readonly allocations = false,
  ) {
    session.on(
      'NodeWorker.attachedToWorker',
      (message: { params: { sessionId: string; workerInfo: WorkerInfo } }) =>
        this.#attached(message.params.sessionId, message.params.workerInfo),
    );
    session.on('NodeWorker.detachedFromWorker', (message: { params: { sessionId: string } }) => {
      const thread = this.#threads.get(message.params.sessionId);
      if (thread) thread.gone = true;
    });
    session.on(
      'NodeWorker.receivedMessageFromWorker',
      (message: { params: { sessionId: string; message: string } }) =>
        this.#received(message.params.sessionId, message.params.message),
    );
  }

  /** Attaches to every worker thread of the process, now and to come. */
  enable(): Promise<void> {
    return new Promise((resolve) => {
      this.session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, () => resolve());
    });
  }

  /** Opens the window in every thread seen so far (and in those seen from now on). */
  async begin(title: string): Promise<void> {
    this.#title = title;
    await Promise.all([...this.#threads.values()].map((thread) => this.#openWindow(thread)));
  }

  /** Ends every thread's window and writes its profile beside `profilePath`. */
  async stop(profilePath: string | undefined, pid: number): Promise<ThreadStopResult[]> {
    const title = this.#title;
    const results = await Promise.all(
      [...this.#threads.values()].map(async (thread): Promise<ThreadStopResult> => {
        const seen: ThreadStopResult = {
          threadId: thread.threadId,
          title: thread.info.title,
          url: thread.info.url,
          profileBytes: 0,
        };
        if (thread.gone) {
          thread.heap?.abandon();
          return { ...seen, error: 'the thread ended before the window did' };
        }
        try {
          await thread.ready;
          if (!thread.windowOpen || title === undefined)
            return { ...seen, error: thread.error ?? 'its window never opened' };
          const finished = new Promise<unknown>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error('the profiler did not finish the window')),
              THREAD_TIMEOUT_MS,
            );
            timer.unref();
            this.#finished.set(thread.sessionId, (profile) => {
              clearTimeout(timer);
              resolve(profile);
            });
          });
          const stalls = thread.stallsOn
            ? await this.#evaluate(thread, STOP_IN_THREAD).catch(() => undefined)
            : undefined;
          await this.#evaluate(thread, `console.profileEnd(${JSON.stringify(title)})`);
          // A pool's thread waiting for work in Atomics.wait is idle, not running its caller.
          const { profile } = idleAtomicsWaits((await finished) as RawProfile);
          const json = JSON.stringify(profile);
          const busyMs = busyTime(profile).busy / 1000;
          const measured = stallsOf(stalls, this.stallThresholdMs);
          if (measured) seen.stalls = measured;
          const heap = await thread.heap?.stopWithGrowth(thread.heapStartBytes);
          if (!profilePath) return { ...seen, busyMs };
          const file = path.join(
            path.dirname(profilePath),
            `profile.${pid}-t${thread.threadId}.cpuprofile`,
          );
          await writeFileAtomic(file, json);
          if (heap) seen.heap = await writeHeap(heap, file);
          return {
            ...seen,
            file: path.basename(file),
            profileBytes: Buffer.byteLength(json),
            busyMs,
          };
        } catch (error) {
          return { ...seen, error: error instanceof Error ? error.message : String(error) };
        } finally {
          this.#finished.delete(thread.sessionId);
        }
      }),
    );
    this.session.post('NodeWorker.disable', {}, () => {});
    return results;
  }

  /** The capture is given up: no thread's sampler slices on. */
  abandon(): void {
    for (const thread of this.#threads.values()) thread.heap?.abandon();
  }

  #attached(sessionId: string, info: WorkerInfo): void {
    // Node's module hooks thread (`module.register`: tsx's, ts-node's, the agent's own on Node
    // 20) runs loader hooks, never the service's code: not one of its threads.
    if (this.#threads.has(sessionId) || info.url === MODULE_HOOKS_THREAD) return;
    const fromTitle = /\[worker (\d+)\]/.exec(info.title);
    const thread: Thread = {
      sessionId,
      info,
      threadId: fromTitle ? Number(fromTitle[1]) : -Number(info.workerId),
      ready: Promise.resolve(),
      windowOpen: false,
      gone: false,
    };
    this.#threads.set(sessionId, thread);
    thread.ready = this.#arm(thread).catch((error: unknown) => {
      thread.error = error instanceof Error ? error.message : String(error);
    });
  }

  async #arm(thread: Thread): Promise<void> {
    // A thread named by its `name` option has no id in its title: it says its own.
    if (thread.threadId < 0) {
      const own = await this.#evaluate(
        thread,
        "globalThis.process?.getBuiltinModule?.('node:worker_threads')?.threadId",
      );
      if (typeof own === 'number') thread.threadId = own;
    }
    await this.#send(thread, 'Profiler.enable');
    await this.#send(thread, 'Profiler.setSamplingInterval', {
      interval: this.samplingIntervalUs,
    });
    await this.#send(thread, 'Profiler.start');
    if (this.#title !== undefined) await this.#openWindow(thread, false);
  }

  async #openWindow(thread: Thread, waitReady = true): Promise<void> {
    if (waitReady) await thread.ready;
    if (thread.windowOpen || thread.gone || thread.error || this.#title === undefined) return;
    try {
      // Before the window's profile: the collection is not the window's work.
      if (this.allocations) thread.heapStartBytes = await heapAfterCollection(this.#postTo(thread));
      await this.#evaluate(thread, `console.profile(${JSON.stringify(this.#title)})`);
      // The window's profile keeps the profiler and its code log alive: the armed one can go.
      await this.#send(thread, 'Profiler.stop');
      thread.windowOpen = true;
    } catch (error) {
      thread.error = error instanceof Error ? error.message : String(error);
      return;
    }
    // The thread's own event loop: its stalls, in the same clock as its profile's samples.
    thread.stallsOn =
      stallProbeOn() &&
      (await this.#evaluate(thread, stallProbeInThread(this.stallThresholdMs)).then(
        (on) => on === true,
        () => false,
      ));
    if (this.allocations) {
      const sampler = new HeapSampler(this.#postTo(thread));
      thread.heap = sampler;
      await sampler.start().catch(() => {
        thread.heap = undefined;
      });
    }
  }

  #postTo(thread: Thread): Post {
    return (method, params) => this.#send(thread, method, params ?? {});
  }

  async #evaluate(thread: Thread, expression: string): Promise<unknown> {
    const reply = (await this.#send(thread, 'Runtime.evaluate', {
      expression,
      returnByValue: true,
    })) as { result?: { value?: unknown } };
    return reply.result?.value;
  }

  #send(thread: Thread, method: string, params: object = {}): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${thread.info.title} did not answer ${method}`));
      }, THREAD_TIMEOUT_MS);
      // The agent never keeps the process alive.
      timer.unref();
      this.#pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.session.post(
        'NodeWorker.sendMessageToWorker',
        { sessionId: thread.sessionId, message: JSON.stringify({ id, method, params }) },
        (error) => {
          if (!error) return;
          this.#pending.delete(id);
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #received(sessionId: string, raw: string): void {
    let message: {
      id?: number;
      result?: unknown;
      error?: { message?: string };
      method?: string;
      params?: { title?: string; profile?: unknown };
    };
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof message.id === 'number') {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error) pending.reject(new Error(message.error.message ?? 'inspector error'));
      else pending.resolve(message.result);
    } else if (
      message.method === 'Profiler.consoleProfileFinished' &&
      message.params?.title === this.#title
    ) {
      this.#finished.get(sessionId)?.(message.params?.profile);
    }
  }
}
