/**
 * The lock libraries of `lockLibraries.ts` besides async-mutex, watched, on the real libraries:
 * each still excludes as it says, and the report counts its waits and holds per acquire site.
 * A Sema of more than 1 is not a lock, and is not reported.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import * as asyncMutex from 'async-mutex';
import { WATCHED_LOCK_LIBRARIES } from '../../src/record/locks';
import {
  ASYNC_LOCK,
  ASYNC_SEMA,
  AWAIT_LOCK,
  LOCK_LIBRARIES,
  lockLibraryOf,
  P_LIMIT,
  P_QUEUE,
} from '../../src/runner/agent/lockLibraries';
import { LockTracker } from '../../src/runner/agent/locks';

const load = createRequire(__filename);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type AsyncLockClass = new () => {
  acquire: (
    key: string,
    fn: ((done: (error?: unknown, value?: unknown) => void) => void) | (() => Promise<unknown>),
    cb?: (error: unknown, value: unknown) => void,
  ) => Promise<unknown> | undefined;
};
type AwaitLockClass = new () => { acquireAsync(): Promise<void>; release(): void };
type SemaClass = new (n: number) => { acquire(): Promise<unknown>; release(): void };
type Limiter = ((fn: () => Promise<void>) => Promise<void>) & { activeCount: number };
type PQueueClass = new (options: {
  concurrency: number;
}) => {
  add(fn: () => Promise<void>): Promise<void>;
};

/** An ES module's namespace, as the agent's shim hands it to the tracker. */
const namespaceOf = (specifier: string): Promise<object> => import(specifier);

/** Four holders of 5 ms each, one at a time; `hold` takes the lock, runs `body`, lets go. */
async function oneAtATime(hold: (body: () => Promise<void>) => Promise<void>, holders = 4) {
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: holders }, () =>
      hold(async () => {
        inside++;
        most = Math.max(most, inside);
        await sleep(5);
        inside--;
      }),
    ),
  );
  return most;
}

describe('the table recognises each library by its name and its exports', () => {
  test('one row per library the reports name as watched', () => {
    assert.deepEqual(
      LOCK_LIBRARIES.map((l) => l.name),
      [...WATCHED_LOCK_LIBRARIES],
    );
  });

  test('each library, and nothing else under its name', async () => {
    assert.equal(lockLibraryOf('async-lock', load('async-lock')), ASYNC_LOCK);
    assert.equal(lockLibraryOf('await-lock', load('await-lock')), AWAIT_LOCK);
    assert.equal(lockLibraryOf('async-sema', load('async-sema')), ASYNC_SEMA);
    assert.equal(lockLibraryOf('async-mutex', asyncMutex)?.name, 'async-mutex');
    assert.ok(P_LIMIT.recognise(await namespaceOf('p-limit')), 'p-limit, an ES module');
    assert.ok(P_QUEUE.recognise(await namespaceOf('p-queue')), 'p-queue, an ES module');
    assert.ok(AWAIT_LOCK.recognise(await namespaceOf('await-lock-3')), 'await-lock 3');
    assert.ok(!P_QUEUE.recognise(await namespaceOf('p-limit')));
    assert.equal(lockLibraryOf('async-lock', { acquire() {} }), undefined);
    assert.equal(lockLibraryOf('./not-a-lock', load('async-lock')), undefined);
  });
});

describe('watched: the same behaviour, the waits and holds counted', () => {
  test('async-lock: a promise-returning fn and a callback-style fn(done) with its cb', async () => {
    const tracker = new LockTracker();
    const AsyncLock = tracker.instrument(load('async-lock'), '1', ASYNC_LOCK) as AsyncLockClass;
    tracker.start();
    const lock = new AsyncLock();
    const most = await oneAtATime(async (body) => {
      await lock.acquire('k', () => body());
    });
    assert.equal(most, 1, 'one holder at a time');
    // fn(done): async-lock reads fn's arity; the wrapper keeps it, and cb ends the hold.
    const value = await new Promise((resolve, reject) => {
      lock.acquire(
        'k',
        (done) => setTimeout(() => done(undefined, 42), 5),
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
    assert.equal(value, 42);
    const report = tracker.stop();
    assert.equal(report?.library.name, 'async-lock');
    assert.deepEqual(
      report?.sites.map((s) => [s.asked, s.waitMs.count, s.holdMs.count]),
      [
        [4, 4, 4],
        [1, 1, 1],
      ],
    );
    assert.equal(report?.locks[0]?.kind, 'AsyncLock');
    assert.ok((report?.sites[0]?.holdMs.p50 ?? 0) >= 4, 'held while fn ran');
  });

  test('await-lock: acquireAsync() … release()', async () => {
    const tracker = new LockTracker();
    const { default: AwaitLock } = tracker.instrument(load('await-lock'), '2', AWAIT_LOCK) as {
      default: AwaitLockClass;
    };
    tracker.start();
    const lock = new AwaitLock();
    const most = await oneAtATime(async (body) => {
      await lock.acquireAsync();
      try {
        await body();
      } finally {
        lock.release();
      }
    });
    assert.equal(most, 1);
    const report = tracker.stop();
    assert.equal(report?.locks[0]?.kind, 'AwaitLock');
    const site = report?.sites[0];
    assert.deepEqual([site?.asked, site?.waitMs.count, site?.holdMs.count], [4, 4, 4]);
    assert.ok((site?.waitMs.max ?? 0) >= 10, 'the last waited for the others');
  });

  test('async-sema: a Sema of 1 is a lock; a Sema of 2 is not, and is not reported', async () => {
    const tracker = new LockTracker();
    const { Sema } = tracker.instrument(load('async-sema'), '3', ASYNC_SEMA) as {
      Sema: SemaClass;
    };
    tracker.start();
    const one = new Sema(1);
    const two = new Sema(2);
    const holdOf = (sema: InstanceType<SemaClass>) => async (body: () => Promise<void>) => {
      await sema.acquire();
      try {
        await body();
      } finally {
        sema.release();
      }
    };
    assert.equal(await oneAtATime(holdOf(one)), 1);
    assert.equal(await oneAtATime(holdOf(two)), 2, 'a Sema of 2 still lets two in');
    const report = tracker.stop();
    assert.deepEqual(
      report?.locks.map((l) => l.kind),
      ['Sema'],
      'only the Sema of 1',
    );
    const site = report?.sites[0];
    assert.deepEqual([site?.asked, site?.waitMs.count, site?.holdMs.count], [4, 4, 4]);
  });

  test('p-limit (an ES module): a limiter of 1 is a lock, made by a factory; one of 2 is not', async () => {
    const tracker = new LockTracker();
    const { default: pLimit } = tracker.instrument(await namespaceOf('p-limit'), '7', P_LIMIT) as {
      default: (concurrency: number | { concurrency: number }) => Limiter;
    };
    tracker.start();
    const one = pLimit(1);
    const two = pLimit({ concurrency: 2 });
    const holdOf = (limit: Limiter) => (body: () => Promise<void>) => limit(body);
    assert.equal(await oneAtATime(holdOf(one)), 1);
    assert.equal(await oneAtATime(holdOf(two)), 2, 'a limiter of 2 still lets two in');
    assert.equal(one.activeCount, 0, "the limiter's own properties pass through");
    const report = tracker.stop();
    assert.equal(report?.library.name, 'p-limit');
    assert.deepEqual(
      report?.locks.map((l) => l.kind),
      ['pLimit'],
      'only the limiter of 1',
    );
    const site = report?.sites[0];
    assert.deepEqual([site?.asked, site?.waitMs.count, site?.holdMs.count], [4, 4, 4]);
    assert.ok((site?.holdMs.p50 ?? 0) >= 4, 'held while the function ran');
  });

  test('p-queue (an ES module): a queue of concurrency 1 is a lock; add(fn) holds it', async () => {
    const tracker = new LockTracker();
    const { default: PQueue } = tracker.instrument(await namespaceOf('p-queue'), '10', P_QUEUE) as {
      default: PQueueClass;
    };
    tracker.start();
    const one = new PQueue({ concurrency: 1 });
    const four = new PQueue({ concurrency: 4 });
    assert.equal(await oneAtATime((body) => one.add(body)), 1);
    assert.equal(await oneAtATime((body) => four.add(body)), 4);
    const report = tracker.stop();
    assert.deepEqual(
      report?.locks.map((l) => l.kind),
      ['PQueue'],
    );
    const site = report?.sites[0];
    assert.deepEqual([site?.asked, site?.waitMs.count, site?.holdMs.count], [4, 4, 4]);
    assert.ok((site?.waitMs.max ?? 0) >= 10, 'the last waited for the others');
  });

  test('await-lock 3 (an ES module): the same row as await-lock 2', async () => {
    const tracker = new LockTracker();
    const { default: AwaitLock } = tracker.instrument(
      await namespaceOf('await-lock-3'),
      '3',
      AWAIT_LOCK,
    ) as { default: AwaitLockClass };
    tracker.start();
    const lock = new AwaitLock();
    assert.equal(
      await oneAtATime(async (body) => {
        await lock.acquireAsync();
        try {
          await body();
        } finally {
          lock.release();
        }
      }),
      1,
    );
    const site = tracker.stop()?.sites[0];
    assert.deepEqual([site?.asked, site?.waitMs.count, site?.holdMs.count], [4, 4, 4]);
  });
});
