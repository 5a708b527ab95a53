/**
 * Where requests wait: the locks of the libraries in `lockLibraries.ts` (async-mutex's `Mutex`
 * and `Semaphore`, async-lock, await-lock, async-sema's `Sema` of 1, p-limit's limiter of 1,
 * p-queue's `PQueue` of concurrency 1), watched from inside the profiled process. A CPU profile
 * cannot see a request queued for a lock (the process is idle); this can.
 *
 * When the service loads one (through `require` or `import`), its classes' methods that take, run
 * under and release a lock are wrapped, and the limiters its factories make, as the table says. While a capture is on, each acquisition notes its lock
 * (known by where it was created), its call site (a short stack of the service's own frames),
 * and when it was asked for, granted and released. Semantics never change: the wrappers call the
 * originals with the same arguments and hand back their results and errors untouched; the only
 * difference is one more promise step between the grant and the caller. With no capture on, a
 * wrapper costs one check. Nothing here imports `vscode`.
 */
import { performance } from 'node:perf_hooks';

import type {
  LockKind,
  LockReport,
  LockSiteReport,
  StackFrame,
  TimeSummary,
} from '../../record/locks';
import { ASYNC_MUTEX, LIBRARY_FRAMES, type LockClass, type LockLibrary } from './lockLibraries';

export type { LockReport, StackFrame };

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
  kind: LockKind;
  library: string;
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

/** Frames of this agent and Node: not the service's (nor the libraries', `LIBRARY_FRAMES`). */
const NOT_THE_SERVICE =
  /[\\/]dist[\\/]agent\.js|[\\/]src[\\/]runner[\\/]agent[\\/]|^node:|^internal[\\/]/;

export class LockTracker {
  #on = false;
  /** Above 0 while an instrumented method runs: the calls it makes itself are not counted twice. */
  #depth = 0;
  #library: LockReport['library'] | undefined;
  #seen = false;
  /** Instances of a watched class that are not locks (a Sema of more than 1). */
  readonly #notLocks = new WeakSet<object>();
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

  /** Stops counting; what was counted, or undefined when the service loaded no lock library. */
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
          ...(site.lock.library !== this.#library?.name ? { library: site.lock.library } : {}),
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
      library: this.#library ?? { name: ASYNC_MUTEX.name },
      locks,
      sites,
    };
  }

  /**
   * A lock library's exports, watched (see `lockLibraries.ts`): its classes' methods are wrapped
   * (once), and the exports are handed back as a view whose classes note where each lock is
   * created. async-mutex's when no library is named.
   */
  instrument<T extends object>(
    exports: T,
    version?: string,
    library: LockLibrary = ASYNC_MUTEX,
  ): T {
    const known = this.#instrumented.get(exports);
    if (known) return known as T;
    this.#seen = true;
    this.#library ??= { name: library.name, ...(version ? { version } : {}) };
    const classes = new Map<string, unknown>();
    for (const spec of library.classes) {
      const Class =
        spec.exportName === '' ? exports : (exports as Record<string, unknown>)[spec.exportName];
      if (typeof Class !== 'function') continue;
      this.#wrapMethods(
        (Class as { prototype: Record<string, unknown> }).prototype,
        spec,
        library.name,
      );
      const watched: unknown = new Proxy(Class, {
        construct: (target, args, newTarget) => {
          const instance = Reflect.construct(
            target,
            args,
            newTarget === watched ? target : newTarget,
          ) as object;
          if (spec.isLock && !spec.isLock(args)) this.#notLocks.add(instance);
          else this.#lockOf(instance, spec.kind, library.name).created = this.#stack(2);
          return instance;
        },
      });
      classes.set(spec.exportName, watched);
    }
    for (const spec of library.factories ?? []) {
      const make = (exports as Record<string, unknown>)[spec.exportName];
      if (typeof make !== 'function') continue;
      const watched = new Proxy(make, {
        apply: (target, self, args: unknown[]) => {
          const made: unknown = Reflect.apply(target, self, args);
          if (typeof made !== 'function' || (spec.isLock && !spec.isLock(args))) return made;
          this.#lockOf(made, spec.kind, library.name).created = this.#stack(2);
          // The limiter called is the lock; its properties (`activeCount`, …) pass through.
          return new Proxy(made, {
            apply: (limiter, limiterSelf, limiterArgs: unknown[]) =>
              this.#run(
                made,
                spec.kind,
                library.name,
                spec.callback,
                limiter as AnyFunction,
                limiterSelf,
                limiterArgs,
              ),
          });
        },
      });
      classes.set(spec.exportName, watched);
    }
    // The module's exports are the class itself (async-lock): its watched class is the view.
    const whole = classes.get('');
    if (whole) {
      this.#instrumented.set(exports, whole as object);
      this.#instrumented.set(whole as object, whole as object);
      return whole as T;
    }
    const view = new Proxy(exports, {
      get: (target, property, receiver) => {
        const watched = typeof property === 'string' ? classes.get(property) : undefined;
        if (watched) {
          const own = Object.getOwnPropertyDescriptor(target, property);
          // A fixed value cannot be swapped (a Proxy must report it as it is).
          if (!own || own.configurable || own.writable || own.get) return watched;
        }
        return Reflect.get(target, property, receiver);
      },
    });
    this.#instrumented.set(exports, view);
    this.#instrumented.set(view, view);
    return view;
  }

  #lockOf(instance: object, kind: LockKind, library: string): Lock {
    let lock = this.#locks.get(instance);
    if (!lock) {
      lock = { id: this.#lockList.length, kind, library, open: [], asked: 0, measured: 0 };
      this.#locks.set(instance, lock);
      // Only ids and open holds are kept per lock; the WeakMap lets a dropped lock go.
      this.#lockList.push(lock);
      if (this.#lockList.length > 10_000) this.#lockList = this.#lockList.slice(-5_000);
    }
    return lock;
  }

  /** Whether an acquisition on `instance` goes uncounted: no capture, nested, or not a lock. */
  #skip(instance: object): boolean {
    return !this.#on || this.#depth > 0 || this.#notLocks.has(instance);
  }

  #wrapMethods(proto: Record<string, unknown>, spec: LockClass, library: string): void {
    if (proto.__hotpathWrapped) return;
    Object.defineProperty(proto, '__hotpathWrapped', { value: true });
    const tracker = this;
    const kind = spec.kind;

    for (const name of spec.acquire) {
      const acquire = proto[name];
      if (typeof acquire !== 'function') continue;
      proto[name] = function hotpathAcquire(this: object, ...args: unknown[]) {
        if (tracker.#skip(this)) return acquire.apply(this, args);
        const taken = tracker.#ask(this, kind, library);
        if (!taken) return tracker.#inside(() => acquire.apply(this, args));
        const ticket = tracker.#inside(() =>
          tracker.#failing(taken, () => acquire.apply(this, args)),
        );
        if (!(ticket instanceof Promise)) return ticket;
        return ticket.then(
          (granted: unknown) => {
            tracker.#grant(taken);
            // Mutex: a releaser; Semaphore: [value, releaser]; the others: released directly.
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
    for (const { method, callback: at } of spec.run) {
      const runUnder = proto[method];
      if (typeof runUnder !== 'function') continue;
      proto[method] = function hotpathRun(this: object, ...args: unknown[]) {
        return tracker.#run(this, kind, library, at, runUnder as AnyFunction, this, args);
      };
    }
    // A lock released directly (`mutex.release()`, `lock.release()`) ends its oldest hold.
    const release = spec.release ? proto[spec.release] : undefined;
    if (spec.release && typeof release === 'function') {
      proto[spec.release] = function hotpathRelease(this: object, ...args: unknown[]) {
        if (tracker.#on && tracker.#depth === 0) {
          const lock = tracker.#locks.get(this);
          const oldest = lock?.open[0];
          if (oldest) tracker.#end(oldest);
        }
        return release.apply(this, args);
      };
    }
  }

  /**
   * Calls `original` (a method of the lock `instance`, or the limiter itself) with `args`, whose
   * argument `at` is the callback run while the lock is held; counted unless `#skip` says.
   */
  #run(
    instance: object,
    kind: LockKind,
    library: string,
    at: number,
    original: AnyFunction,
    self: unknown,
    args: unknown[],
  ): unknown {
    const callback = args[at];
    if (this.#skip(instance) || typeof callback !== 'function') return original.apply(self, args);
    const taken = this.#ask(instance, kind, library);
    if (!taken) return this.#inside(() => original.apply(self, args));
    const tracker = this;
    const run = function (this: unknown, ...inner: unknown[]) {
      tracker.#grant(taken);
      return (callback as AnyFunction).apply(this, inner);
    };
    // async-lock reads the callback's arity (one parameter: it takes a `done`).
    Object.defineProperty(run, 'length', { value: (callback as AnyFunction).length });
    const given = [...args];
    given[at] = run;
    // A completion callback after it (async-lock's `cb`) ends the hold when it is called.
    const done = given[at + 1];
    if (typeof done === 'function') {
      given[at + 1] = function (this: unknown, ...inner: unknown[]) {
        if (taken.granted > 0) tracker.#end(taken);
        else tracker.#fail(taken);
        return (done as AnyFunction).apply(this, inner);
      };
    }
    const result = this.#inside(() => this.#failing(taken, () => original.apply(self, given)));
    if (!(result instanceof Promise)) return result;
    return result.then(
      (value: unknown) => {
        this.#end(taken);
        return value;
      },
      (error: unknown) => {
        // Granted and thrown inside: released by the library. Never granted: failed.
        if (taken.granted > 0) this.#end(taken);
        else this.#fail(taken);
        throw error;
      },
    );
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
  #ask(instance: object, kind: LockKind, library: string): Acquisition | undefined {
    const lock = this.#lockOf(instance, kind, library);
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
      if (!url || NOT_THE_SERVICE.test(url) || LIBRARY_FRAMES.test(url)) continue;
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
  return ASYNC_MUTEX.recognise(exports);
}
