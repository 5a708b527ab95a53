/**
 * Where requests wait: async-mutex's `Mutex` and `Semaphore`, watched from inside the profiled
 * process. A CPU profile cannot see a request queued for a lock (the process is idle); this can.
 *
 * When the service loads async-mutex (any version with the 0.4/0.5 API) through `require`, its
 * classes' methods are wrapped: `acquire`, `runExclusive` and `Mutex#release`, which
 * `withTimeout` and `tryAcquire` go through too (`waitForUnlock` acquires nothing). While a capture is on, each acquisition notes its lock
 * (known by where it was created), its call site (a short stack of the service's own frames),
 * and when it was asked for, granted and released. Semantics never change: the wrappers call the
 * originals with the same arguments and hand back their results and errors untouched; the only
 * difference is one more promise step between the grant and the caller. With no capture on, a
 * wrapper costs one check. Nothing here imports `vscode`.
 */
import { performance } from 'node:perf_hooks';

import type { LockReport, LockSiteReport, StackFrame, TimeSummary } from '../../record/locks';

export type { LockReport, StackFrame };

type Kind = 'Mutex' | 'Semaphore';

const MAX_SITES = 2_000;
/**
 * A stack costs 5–10 µs to take. Every acquisition of a lock is measured until it has been asked
 * for this many times in the window; then one in `SAMPLE_ONE_IN`, chosen at random (so that no
 * pattern of sites lines up with the sampling), and the counts and totals are scaled back up.
 */
const MEASURE_ALL_FIRST = 256;
const SAMPLE_ONE_IN = 16;
type AnyFunction = (...args: unknown[]) => unknown;

interface Lock {
  id: number;
  kind: Kind;
  created?: StackFrame[];
  /** Holds granted and not released yet, oldest first: a direct `release()` ends the oldest. */
  open: Acquisition[];
  /** Acquisitions asked for in the window, and those measured. */
  asked: number;
  measured: number;
}

interface Acquisition {
  lock: Lock;
  site: Site;
  asked: number;
  granted: number;
  done: boolean;
}

interface Site {
  lock: Lock;
  stack: StackFrame[];
  asked: number;
  failed: number;
  waits: number[];
  holds: number[];
}

/** Frames of async-mutex itself, its helper tslib, this agent and Node: not the service's. */
const NOT_THE_SERVICE =
  /[\\/]node_modules[\\/](async-mutex|tslib)[\\/]|[\\/]dist[\\/]agent\.js|[\\/]src[\\/]runner[\\/]agent[\\/]|^node:|^internal[\\/]/;

export class LockTracker {
  #on = false;
  /** Above 0 while an instrumented method runs: the calls it makes itself are not counted twice. */
  #depth = 0;
  #version: string | undefined;
  #seen = false;
  readonly #locks = new WeakMap<object, Lock>();
  #lockList: Lock[] = [];
  #sites = new Map<string, Site>();
  readonly #instrumented = new WeakMap<object, object>();

  /** Starts counting, from nothing. */
  start(): void {
    this.#sites = new Map();
    for (const lock of this.#lockList) {
      lock.open = [];
      lock.asked = 0;
      lock.measured = 0;
    }
    this.#on = true;
  }

  /** Stops counting; what was counted, or undefined when the service never loaded async-mutex. */
  stop(): LockReport | undefined {
    this.#on = false;
    if (!this.#seen) return undefined;
    const used = new Map<Lock, number>();
    const locks: LockReport['locks'] = [];
    const sites: LockSiteReport[] = [];
    for (const site of this.#sites.values()) {
      let index = used.get(site.lock);
      if (index === undefined) {
        index = locks.length;
        used.set(site.lock, index);
        locks.push({
          kind: site.lock.kind,
          ...(site.lock.created ? { created: site.lock.created } : {}),
        });
      }
      // Measured ÷ asked for the lock: 1 unless it was asked for more than MEASURE_ALL_FIRST times.
      const share = site.lock.asked > 0 ? site.lock.measured / site.lock.asked : 1;
      sites.push({
        lock: index,
        stack: site.stack,
        asked: Math.round(site.asked / share),
        failed: Math.round(site.failed / share),
        waitMs: summarise(site.waits, share),
        holdMs: summarise(site.holds, share),
        measuredShare: share,
      });
    }
    this.#sites = new Map();
    return {
      library: { name: 'async-mutex', ...(this.#version ? { version: this.#version } : {}) },
      locks,
      sites,
    };
  }

  /**
   * async-mutex's exports, watched: its classes' methods are wrapped (once), and the exports
   * are handed back as a view whose `Mutex` and `Semaphore` note where each lock is created.
   */
  instrument<T extends object>(exports: T, version?: string): T {
    const known = this.#instrumented.get(exports);
    if (known) return known as T;
    const lib = exports as unknown as Record<string, unknown>;
    this.#seen = true;
    this.#version ??= version;
    const classes: Partial<Record<Kind, unknown>> = {};
    for (const kind of ['Mutex', 'Semaphore'] as const) {
      const Class = lib[kind];
      if (typeof Class !== 'function') continue;
      this.#wrapMethods((Class as { prototype: Record<string, unknown> }).prototype, kind);
      classes[kind] = new Proxy(Class, {
        construct: (target, args, newTarget) => {
          const instance = Reflect.construct(
            target,
            args,
            newTarget === classes[kind] ? target : newTarget,
          ) as object;
          this.#lockOf(instance, kind).created = this.#stack(2);
          return instance;
        },
      });
    }
    const view = new Proxy(exports, {
      get: (target, property, receiver) => {
        if ((property === 'Mutex' || property === 'Semaphore') && classes[property]) {
          const own = Object.getOwnPropertyDescriptor(target, property);
          // A fixed value cannot be swapped (a Proxy must report it as it is).
          if (!own || own.configurable || own.writable || own.get) return classes[property];
        }
        return Reflect.get(target, property, receiver);
      },
    });
    this.#instrumented.set(exports, view);
    this.#instrumented.set(view, view);
    return view;
  }

  #lockOf(instance: object, kind: Kind): Lock {
    let lock = this.#locks.get(instance);
    if (!lock) {
      lock = { id: this.#lockList.length, kind, open: [], asked: 0, measured: 0 };
      this.#locks.set(instance, lock);
      // Only ids and open holds are kept per lock; the WeakMap lets a dropped lock go.
      this.#lockList.push(lock);
      if (this.#lockList.length > 10_000) this.#lockList = this.#lockList.slice(-5_000);
    }
    return lock;
  }

  #wrapMethods(proto: Record<string, unknown>, kind: Kind): void {
    if (proto.__hotpathWrapped) return;
    Object.defineProperty(proto, '__hotpathWrapped', { value: true });
    const tracker = this;
    const acquire = proto.acquire as AnyFunction | undefined;
    const runExclusive = proto.runExclusive as AnyFunction | undefined;
    const release = proto.release as AnyFunction | undefined;

    if (acquire) {
      proto.acquire = function hotpathAcquire(this: object, ...args: unknown[]) {
        if (!tracker.#on || tracker.#depth > 0) return acquire.apply(this, args);
        const taken = tracker.#ask(this, kind);
        if (!taken) return tracker.#inside(() => acquire.apply(this, args));
        const ticket = tracker.#inside(() =>
          tracker.#failing(taken, () => acquire.apply(this, args)),
        );
        if (!(ticket instanceof Promise)) return ticket;
        return ticket.then(
          (granted: unknown) => {
            tracker.#grant(taken);
            // Mutex: a releaser; Semaphore: [value, releaser].
            if (typeof granted === 'function')
              return tracker.#releaser(granted as AnyFunction, taken);
            if (Array.isArray(granted) && typeof granted[1] === 'function') {
              return [granted[0], tracker.#releaser(granted[1] as AnyFunction, taken)];
            }
            return granted;
          },
          (error: unknown) => {
            tracker.#fail(taken);
            throw error;
          },
        );
      };
    }
    if (runExclusive) {
      proto.runExclusive = function hotpathRunExclusive(
        this: object,
        callback: unknown,
        ...rest: unknown[]
      ) {
        if (!tracker.#on || tracker.#depth > 0 || typeof callback !== 'function') {
          return runExclusive.call(this, callback, ...rest);
        }
        const taken = tracker.#ask(this, kind);
        if (!taken) return tracker.#inside(() => runExclusive.call(this, callback, ...rest));
        const run = function (this: unknown, ...args: unknown[]) {
          tracker.#grant(taken);
          return (callback as AnyFunction).apply(this, args);
        };
        const result = tracker.#inside(() =>
          tracker.#failing(taken, () => runExclusive.call(this, run, ...rest)),
        );
        if (!(result instanceof Promise)) return result;
        return result.then(
          (value: unknown) => {
            tracker.#end(taken);
            return value;
          },
          (error: unknown) => {
            // Granted and thrown inside: released by runExclusive. Never granted: failed.
            if (taken.granted > 0) tracker.#end(taken);
            else tracker.#fail(taken);
            throw error;
          },
        );
      };
    }
    // A Mutex released directly (`mutex.release()`, or through withTimeout) ends its one hold.
    // A Semaphore's `release` is also what its own releasers call, so it is left alone: a hold
    // on a Semaphore ends through the releaser it was granted, or not at all.
    if (release && kind === 'Mutex') {
      proto.release = function hotpathRelease(this: object, ...args: unknown[]) {
        if (tracker.#on && tracker.#depth === 0) {
          const lock = tracker.#locks.get(this);
          const oldest = lock?.open[0];
          if (oldest) tracker.#end(oldest);
        }
        return release.apply(this, args);
      };
    }
  }

  #inside<T>(call: () => T): T {
    this.#depth++;
    try {
      return call();
    } finally {
      this.#depth--;
    }
  }

  /** Calls `call`; a synchronous throw (a bad weight) counts the acquisition as failed. */
  #failing<T>(taken: Acquisition, call: () => T): T {
    try {
      return call();
    } catch (error) {
      this.#fail(taken);
      throw error;
    }
  }

  /** A measured acquisition, or undefined for one left out of the sample. */
  #ask(instance: object, kind: Kind): Acquisition | undefined {
    const lock = this.#lockOf(instance, kind);
    lock.asked++;
    if (lock.asked > MEASURE_ALL_FIRST && Math.random() * SAMPLE_ONE_IN >= 1) return undefined;
    lock.measured++;
    // Frames: #stack, #ask, the wrapper, then the caller.
    let stack = this.#stack(3);
    // Past this many sites (code made on the fly?), a site is its acquire call alone.
    if (this.#sites.size >= MAX_SITES) stack = stack.slice(0, 1);
    const key = `${lock.id}\n${stack.map((f) => `${f.url}:${f.line}:${f.column}:${f.name}`).join('\n')}`;
    let site = this.#sites.get(key);
    if (!site) {
      site = { lock, stack, asked: 0, failed: 0, waits: [], holds: [] };
      this.#sites.set(key, site);
    }
    site.asked++;
    return { lock, site, asked: performance.now(), granted: 0, done: false };
  }

  #grant(taken: Acquisition): void {
    taken.granted = performance.now();
    taken.site.waits.push(taken.granted - taken.asked);
    taken.lock.open.push(taken);
  }

  #end(taken: Acquisition): void {
    if (taken.done || taken.granted === 0) return;
    taken.done = true;
    taken.site.holds.push(performance.now() - taken.granted);
    const at = taken.lock.open.indexOf(taken);
    if (at >= 0) taken.lock.open.splice(at, 1);
  }

  #fail(taken: Acquisition): void {
    if (taken.done) return;
    taken.done = true;
    taken.site.failed++;
  }

  #releaser(release: AnyFunction, taken: Acquisition): AnyFunction {
    const tracker = this;
    return function hotpathReleaser(this: unknown, ...args: unknown[]) {
      tracker.#end(taken);
      return release.apply(this, args);
    };
  }

  /** The service's frames of the current stack, at most four, from `skip` frames up. */
  #stack(skip: number): StackFrame[] {
    const limit = Error.stackTraceLimit;
    const prepare = Error.prepareStackTrace;
    let sites: NodeJS.CallSite[] = [];
    try {
      Error.stackTraceLimit = skip + 10;
      Error.prepareStackTrace = (_error, callSites) => callSites;
      const holder: { stack?: NodeJS.CallSite[] } = {};
      Error.captureStackTrace(holder);
      sites = holder.stack ?? [];
    } finally {
      Error.stackTraceLimit = limit;
      Error.prepareStackTrace = prepare;
    }
    const frames: StackFrame[] = [];
    for (const site of sites.slice(skip)) {
      const url = site.getFileName() ?? '';
      if (!url || NOT_THE_SERVICE.test(url)) continue;
      frames.push({
        url,
        line: site.getLineNumber() ?? 0,
        column: site.getColumnNumber() ?? 0,
        name: site.getFunctionName() ?? site.getMethodName() ?? '',
      });
      if (frames.length === 4) break;
    }
    return frames;
  }
}

/** Percentiles of the measured values; count and total scaled up to all (÷ the measured share). */
function summarise(values: number[], measuredShare = 1): TimeSummary {
  if (values.length === 0) return { count: 0, total: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  let total = 0;
  for (const v of sorted) total += v;
  return {
    count: Math.round(sorted.length / measuredShare),
    total: total / measuredShare,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1],
  };
}

/** Whether a module's exports are async-mutex's: its two classes and `withTimeout`. */
export function isAsyncMutex(exports: unknown): boolean {
  if (typeof exports !== 'object' || exports === null) return false;
  const lib = exports as Record<string, unknown>;
  const proto = (name: string) =>
    typeof lib[name] === 'function'
      ? ((lib[name] as { prototype?: Record<string, unknown> }).prototype ?? {})
      : undefined;
  return (
    typeof proto('Mutex')?.acquire === 'function' &&
    typeof proto('Mutex')?.runExclusive === 'function' &&
    typeof proto('Semaphore')?.acquire === 'function' &&
    typeof lib.withTimeout === 'function'
  );
}
