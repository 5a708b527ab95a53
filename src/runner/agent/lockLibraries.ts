/**
 * The lock libraries the agent watches, as data: how `require` names each, how its exports are
 * recognised, which methods of which classes take, run under and release a lock, and which
 * functions make a lock (p-limit's `pLimit`). The tracker (`locks.ts`) wraps every library
 * through this one table; a library is added here, not by copying a wrapper.
 *
 * A row is watched both ways a service loads it: through CommonJS `require` (`requireHook.ts`,
 * by `id`), and as an ES module (`importHook.ts`, by its package's name: p-limit ≥ 4, p-queue ≥
 * 7, await-lock ≥ 3 and async-mutex's `import` build), where the module the service imports is
 * replaced by a shim that re-exports it with the row's exports watched.
 *
 * Only what serialises like a lock is reported: a semaphore or limiter of more than 1 (a `Sema`
 * of 64, `pLimit(4)`, a `PQueue` of concurrency 8) is a limit on concurrency, and a request that
 * waits for one of N slots is not waiting for the code another request holds it across.
 */
import type { LockKind, WatchedLockLibrary } from '../../record/locks';

export interface LockClass {
  /** The export holding the class; `''` when the module's exports are the class itself. */
  exportName: string;
  kind: LockKind;
  /** Methods that hand back a promise of the grant: a releaser, `[value, releaser]`, or nothing. */
  acquire: string[];
  /** Methods that run a callback (argument `callback`) while the lock is held. */
  run: { method: string; callback: number }[];
  /** A method that releases the lock directly: it ends the oldest hold. */
  release?: string;
  /** Whether an instance made with these constructor arguments is a lock at all. */
  isLock?: (args: unknown[]) => boolean;
}

/**
 * A function that makes a lock (`pLimit(1)`): what it returns is itself called to run a callback
 * (argument `callback`) while the lock is held.
 */
export interface LockFactory {
  /** The export holding the function. */
  exportName: string;
  kind: LockKind;
  callback: number;
  /** Whether what these arguments make is a lock at all. */
  isLock?: (args: unknown[]) => boolean;
}

export interface LockLibrary {
  /** Also the package's name, by which an ES module of it is known (`importHook.ts`). */
  name: WatchedLockLibrary;
  /** What `require` is given: the package, a file of it, or a vendored copy. */
  id: RegExp;
  /** Whether a module's exports are this library's (other modules are never touched). */
  recognise: (exports: unknown) => boolean;
  classes: LockClass[];
  factories?: LockFactory[];
}

/** The exports of a library that the tracker hands back watched: an ES module's shim re-exports them. */
export function watchedExports(library: LockLibrary): string[] {
  return [...library.classes, ...(library.factories ?? [])]
    .map((spec) => spec.exportName)
    .filter((name) => name !== '');
}

/** Whether a limiter's options (`pLimit(1)`, `pLimit({ concurrency: 1 })`) say concurrency 1. */
const concurrencyOne = (options: unknown) =>
  options === 1 ||
  (typeof options === 'object' &&
    options !== null &&
    (options as { concurrency?: unknown }).concurrency === 1);

type Proto = Record<string, unknown>;

/** The prototype of `exports[name]` (`''`: of exports itself), when it is a class. */
export function prototypeOf(exports: unknown, name: string): Proto | undefined {
  if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) {
    return undefined;
  }
  const value = name === '' ? exports : (exports as Record<string, unknown>)[name];
  if (typeof value !== 'function') return undefined;
  return ((value as { prototype?: Proto }).prototype ?? {}) as Proto;
}

const has = (exports: unknown, name: string, ...methods: string[]) => {
  const proto = prototypeOf(exports, name);
  return proto !== undefined && methods.every((m) => typeof proto[m] === 'function');
};

export const ASYNC_MUTEX: LockLibrary = {
  name: 'async-mutex',
  id: /(^|[\\/])async-mutex([\\/]|$)/,
  recognise: (exports) =>
    has(exports, 'Mutex', 'acquire', 'runExclusive') &&
    has(exports, 'Semaphore', 'acquire') &&
    typeof (exports as Record<string, unknown>).withTimeout === 'function',
  classes: [
    // `withTimeout` and `tryAcquire` go through these too (`waitForUnlock` acquires nothing).
    {
      exportName: 'Mutex',
      kind: 'Mutex',
      acquire: ['acquire'],
      run: [{ method: 'runExclusive', callback: 0 }],
      release: 'release',
    },
    // A Semaphore's `release` is also what its own releasers call, so it is left alone: a hold
    // on a Semaphore ends through the releaser it was granted, or not at all.
    {
      exportName: 'Semaphore',
      kind: 'Semaphore',
      acquire: ['acquire'],
      run: [{ method: 'runExclusive', callback: 0 }],
    },
  ],
};

/** async-lock: `new AsyncLock().acquire(key, fn[, cb][, opts])`, held while `fn` runs. */
export const ASYNC_LOCK: LockLibrary = {
  name: 'async-lock',
  id: /(^|[\\/])async-lock([\\/]|$)/,
  recognise: (exports) => has(exports, '', 'acquire', 'isBusy'),
  classes: [
    { exportName: '', kind: 'AsyncLock', acquire: [], run: [{ method: 'acquire', callback: 1 }] },
  ],
};

/**
 * await-lock 2 (CommonJS, `exports.default`) and 3 (an ES module's default export): `await
 * lock.acquireAsync()` … `lock.release()`.
 */
export const AWAIT_LOCK: LockLibrary = {
  name: 'await-lock',
  id: /(^|[\\/])await-lock([\\/]|$)/,
  recognise: (exports) => has(exports, 'default', 'acquireAsync', 'tryAcquire', 'release'),
  classes: [
    {
      exportName: 'default',
      kind: 'AwaitLock',
      acquire: ['acquireAsync'],
      run: [],
      release: 'release',
    },
  ],
};

/**
 * async-sema: `new Sema(1)`, `await sema.acquire()` … `sema.release()`. Only a Sema of capacity 1
 * is watched: a semaphore of N > 1 is not a lock but a limit on concurrency, and a request that
 * waits for one of N slots is not waiting for the code another request holds it across.
 */
export const ASYNC_SEMA: LockLibrary = {
  name: 'async-sema',
  id: /(^|[\\/])async-sema([\\/]|$)/,
  recognise: (exports) =>
    has(exports, 'Sema', 'acquire', 'release', 'tryAcquire') &&
    typeof (exports as Record<string, unknown>).RateLimit === 'function',
  classes: [
    {
      exportName: 'Sema',
      kind: 'Sema',
      acquire: ['acquire'],
      run: [],
      release: 'release',
      isLock: (args) => args[0] === 1,
    },
  ],
};

/**
 * p-limit (≥ 4 an ES module only): `const limit = pLimit(1)`, `await limit(fn)`, held while `fn`
 * runs. Only a limiter of concurrency 1 is a lock. (`limit.map` and `limitFunction` go through
 * p-limit's own `pLimit`, not the export, and are not seen.)
 */
export const P_LIMIT: LockLibrary = {
  name: 'p-limit',
  id: /(^|[\\/])p-limit([\\/]|$)/,
  recognise: (exports) => {
    const pLimit = (exports as Record<string, unknown> | null)?.default;
    return typeof pLimit === 'function' && pLimit.name === 'pLimit';
  },
  classes: [],
  factories: [
    {
      exportName: 'default',
      kind: 'pLimit',
      callback: 0,
      isLock: (args) => concurrencyOne(args[0]),
    },
  ],
};

/**
 * p-queue (≥ 7 an ES module only): `new PQueue({ concurrency: 1 })`, `await queue.add(fn)`, held
 * while `fn` runs. Only a queue of concurrency 1 (its default is unlimited) is a lock; a
 * concurrency changed later (`queue.concurrency = 1`) is not followed.
 */
export const P_QUEUE: LockLibrary = {
  name: 'p-queue',
  id: /(^|[\\/])p-queue([\\/]|$)/,
  recognise: (exports) => has(exports, 'default', 'add', 'addAll', 'onIdle'),
  classes: [
    {
      exportName: 'default',
      kind: 'PQueue',
      acquire: [],
      run: [{ method: 'add', callback: 0 }],
      isLock: (args) => concurrencyOne(args[0]),
    },
  ],
};

export const LOCK_LIBRARIES: readonly LockLibrary[] = [
  ASYNC_MUTEX,
  ASYNC_LOCK,
  AWAIT_LOCK,
  ASYNC_SEMA,
  P_LIMIT,
  P_QUEUE,
];

/** The library of this package name, if the agent watches it. */
export function lockLibraryNamed(name: string): LockLibrary | undefined {
  return LOCK_LIBRARIES.find((library) => library.name === name);
}

/** The library `require(id)` handed back these exports of, if it is one the agent watches. */
export function lockLibraryOf(id: string, exports: unknown): LockLibrary | undefined {
  return LOCK_LIBRARIES.find((library) => library.id.test(id) && library.recognise(exports));
}

/** Frames of the watched libraries themselves and their helper tslib: not the service's. */
export const LIBRARY_FRAMES = new RegExp(
  `[\\\\/]node_modules[\\\\/](${[...LOCK_LIBRARIES.map((l) => l.name), 'tslib'].join('|')})[\\\\/]`,
);
