/**
 * The lock instrumentation against async-mutex's documented behaviour, on the real library:
 * with the wrappers on, locks still exclude, queue in order, cancel, time out and release on a
 * throw exactly as the library says; and the report says who waited where, for how long.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { findSourceMap } from 'node:module';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as asyncMutex from 'async-mutex';
import * as asyncMutex03 from 'async-mutex-0.3';
import * as asyncMutex04 from 'async-mutex-0.4';
import { isAsyncMutex, LockTracker, type StackFrame } from '../../src/runner/agent/locks';

const tracker = new LockTracker();
const lib = tracker.instrument(asyncMutex);
const { Mutex, Semaphore, withTimeout, tryAcquire, E_CANCELED, E_TIMEOUT, E_ALREADY_LOCKED } = lib;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A frame's line in this file's source: the frames are positions in the code that runs, which
 * the TypeScript loader compiled (the analysis maps them the same way, with the maps Node holds).
 */
function sourceLine(frame: StackFrame): number {
  const map = findSourceMap(frame.url) ?? findSourceMap(pathToFileURL(frame.url).href);
  if (!map) return frame.line;
  const entry = map.findEntry(frame.line - 1, frame.column - 1) as { originalLine?: number };
  return (entry.originalLine ?? frame.line - 1) + 1;
}

/** The 1-based line of this file that carries `marker`. */
function lineOf(marker: string): number {
  const lines = fs.readFileSync(__filename, 'utf8').split('\n');
  const at = lines.findIndex((line) => line.includes(marker) && !line.includes('lineOf('));
  assert.ok(at >= 0, marker);
  return at + 1;
}

describe('async-mutex, watched: the same behaviour', () => {
  test('its exports are recognised, and a module that is not it is not', () => {
    assert.ok(isAsyncMutex(asyncMutex));
    assert.ok(!isAsyncMutex({ Mutex: class {} }));
    assert.ok(!isAsyncMutex(null));
    assert.equal(tracker.instrument(asyncMutex), lib, 'instrumented once');
  });

  test('a Mutex excludes, and hands the lock over in the order asked', async () => {
    tracker.start();
    const mutex = new Mutex();
    assert.ok(mutex instanceof asyncMutex.Mutex, 'still an instance of the library class');
    const order: string[] = [];
    let inside = 0;
    await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (name, i) => {
        if (i % 2 === 0) {
          const release = await mutex.acquire();
          inside++;
          assert.equal(inside, 1, 'one holder at a time');
          order.push(name);
          await sleep(5);
          inside--;
          release();
        } else {
          await mutex.runExclusive(async () => {
            inside++;
            assert.equal(inside, 1, 'one holder at a time');
            order.push(name);
            await sleep(5);
            inside--;
          });
        }
      }),
    );
    assert.deepEqual(order, ['a', 'b', 'c', 'd'], 'first come, first served');
    assert.equal(mutex.isLocked(), false);
    tracker.stop();
  });

  test('cancel() rejects every waiter with the same error, the default or the one given', async () => {
    tracker.start();
    for (const [mutex, expected] of [
      [new Mutex(), E_CANCELED],
      [new Mutex(new Error('custom')), undefined],
    ] as const) {
      const release = await mutex.acquire();
      const waiting = [mutex.acquire(), mutex.runExclusive(() => 1)];
      mutex.cancel();
      for (const waiter of waiting) {
        await assert.rejects(waiter, (error: unknown) =>
          expected ? error === expected : (error as Error).message === 'custom',
        );
      }
      release();
      assert.equal(mutex.isLocked(), false);
    }
    const report = tracker.stop();
    assert.ok(
      report?.sites.some((s) => s.failed > 0),
      'the cancelled waits are counted',
    );
  });

  test('withTimeout times out with E_TIMEOUT, and the lock is free again afterwards', async () => {
    tracker.start();
    const mutex = new Mutex();
    const timed = withTimeout(mutex, 20);
    const release = await mutex.acquire();
    const started = performance.now();
    await assert.rejects(timed.acquire(), (error: unknown) => error === E_TIMEOUT);
    assert.ok(performance.now() - started >= 15, 'after the timeout');
    release();
    await sleep(5);
    assert.equal(mutex.isLocked(), false, 'the timed-out request does not keep the lock');
    const again = await timed.acquire();
    again();
    tracker.stop();
  });

  test('tryAcquire fails at once with E_ALREADY_LOCKED when the lock is taken', async () => {
    tracker.start();
    const mutex = new Mutex();
    const release = await mutex.acquire();
    await assert.rejects(
      tryAcquire(mutex).acquire(),
      (error: unknown) => error === E_ALREADY_LOCKED,
    );
    release();
    const free = await tryAcquire(mutex).acquire();
    free();
    assert.equal(mutex.isLocked(), false);
    tracker.stop();
  });

  test('runExclusive releases on a throw and passes the error on untouched', async () => {
    tracker.start();
    const mutex = new Mutex();
    const thrown = new Error('inside');
    await assert.rejects(
      mutex.runExclusive(() => {
        throw thrown;
      }),
      (error: unknown) => error === thrown,
    );
    assert.equal(mutex.isLocked(), false);
    const report = tracker.stop();
    const site = report?.sites.find((s) => s.holdMs.count === 1);
    assert.ok(site, 'the hold ended with the throw');
  });

  test('a Semaphore keeps its capacity, weights and priorities', async () => {
    tracker.start();
    const semaphore = new Semaphore(2);
    const [, r1] = await semaphore.acquire();
    const [, r2] = await semaphore.acquire();
    const order: string[] = [];
    const low = semaphore.acquire(1, 0).then(([, r]) => {
      order.push('low');
      r();
    });
    const high = semaphore.acquire(1, 5).then(([, r]) => {
      order.push('high');
      r();
    });
    r1();
    r2();
    await Promise.all([low, high]);
    assert.deepEqual(order, ['high', 'low'], 'the higher priority first');
    assert.equal(semaphore.getValue(), 2);
    assert.equal(await semaphore.runExclusive((value) => value, 2), 2, 'weight 2 sees the value');
    assert.throws(
      () => semaphore.acquire(0),
      /invalid weight 0: must be positive/,
      'thrown at once',
    );
    tracker.stop();
  });

  test('a Mutex released directly ends its hold', async () => {
    tracker.start();
    const mutex = new Mutex();
    await mutex.acquire();
    await sleep(10);
    mutex.release();
    assert.equal(mutex.isLocked(), false);
    const report = tracker.stop();
    assert.equal(report?.sites[0]?.holdMs.count, 1);
    assert.ok((report?.sites[0]?.holdMs.p50 ?? 0) >= 8);
  });
});

describe('async-mutex, watched: the report', () => {
  test('who waited where, for how long, and who held the lock for how long', async () => {
    const mutex = new Mutex(); // created-here
    tracker.start();
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const release = await mutex.acquire(); // acquired-here
        await sleep(20);
        release();
      }),
    );
    const report = tracker.stop();
    assert.ok(report);
    assert.equal(report.library.name, 'async-mutex');
    assert.equal(report.sites.length, 1);
    const [site] = report.sites;
    assert.equal(site.asked, 4);
    assert.equal(site.failed, 0);
    assert.equal(site.holdMs.count, 4);
    // A hold is the 20 ms sleep, never the wait before it: the last waiter waited for three holds.
    assert.ok(
      site.holdMs.p50 >= 18 && site.holdMs.p50 < site.waitMs.max,
      `hold p50 ${site.holdMs.p50}, wait max ${site.waitMs.max}`,
    );
    // The waits are 0, 20, 40 and 60 ms: the queue behind one holder.
    assert.ok(site.waitMs.max >= 55, `wait max ${site.waitMs.max}`);
    assert.ok(site.waitMs.total >= 110, `wait total ${site.waitMs.total}`);
    assert.match(site.stack[0].url, /locks\.test\.ts$/);
    assert.equal(sourceLine(site.stack[0]), lineOf('// acquired-here'));
    const lock = report.locks[site.lock];
    assert.equal(lock.kind, 'Mutex');
    assert.ok(lock.created);
    assert.equal(sourceLine(lock.created[0]), lineOf('// created-here'));
  });

  test('a busy lock is sampled: counts scale back up to every acquisition, per site', async () => {
    const mutex = new Mutex();
    tracker.start();
    for (let i = 0; i < 2000; i++) {
      const release = i % 4 === 3 ? await mutex.acquire() /* site B */ : await mutex.acquire(); // site A
      release();
    }
    const report = tracker.stop();
    assert.ok(report);
    const sites = report.sites;
    assert.equal(sites.length, 2);
    const share = sites[0].measuredShare ?? 1;
    assert.ok(share > 0.1 && share < 0.3, `measured share ${share}`);
    const asked = sites.map((s) => s.asked).sort((a, b) => a - b);
    assert.ok(Math.abs(asked[0] + asked[1] - 2000) <= 1, `every acquisition counted: ${asked}`);
    assert.ok(asked[0] > 300 && asked[0] < 700, `site B about 500: ${asked}`);
    for (const site of sites) assert.equal(site.holdMs.count, site.asked, 'hold count scaled too');
  });

  test('nothing is counted while no capture is on', async () => {
    const mutex = new Mutex();
    const release = await mutex.acquire();
    release();
    tracker.start();
    const report = tracker.stop();
    assert.deepEqual(report?.sites, []);
  });

  test('a service that never loads async-mutex has no report', () => {
    const fresh = new LockTracker();
    fresh.start();
    assert.equal(fresh.stop(), undefined);
  });
});

describe('async-mutex 0.3 and 0.4, watched: the same behaviour and the same report', () => {
  for (const [version, library] of [
    ['0.3.2', asyncMutex03],
    ['0.4.1', asyncMutex04],
  ] as const) {
    test(`async-mutex ${version}`, async () => {
      assert.ok(isAsyncMutex(library), 'recognised');
      const watcher = new LockTracker();
      const lib = watcher.instrument(library, version);
      watcher.start();
      const mutex = new lib.Mutex(); // created-in-versions
      const order: number[] = [];
      let inside = 0;
      await Promise.all(
        [0, 1, 2].map(async (i) => {
          const release = await mutex.acquire(); // acquired-in-versions
          inside++;
          assert.equal(inside, 1, 'one holder at a time');
          order.push(i);
          await sleep(5);
          inside--;
          release();
        }),
      );
      assert.deepEqual(order, [0, 1, 2], 'first come, first served');
      const thrown = new Error('inside');
      await assert.rejects(
        mutex.runExclusive(() => {
          throw thrown;
        }),
        (error: unknown) => error === thrown,
      );
      assert.equal(mutex.isLocked(), false, 'released on the throw');
      const held = await mutex.acquire();
      const waiting = mutex.acquire();
      mutex.cancel();
      await assert.rejects(waiting, (error: unknown) => error === lib.E_CANCELED);
      await assert.rejects(
        lib.withTimeout(mutex, 10).acquire(),
        (error: unknown) => error === lib.E_TIMEOUT,
      );
      held();
      const report = watcher.stop();
      assert.ok(report);
      assert.equal(report.library.version, version);
      const site = report.sites.find(
        (s) => sourceLine(s.stack[0]) === lineOf('// acquired-in-versions'),
      );
      assert.ok(site, `the acquire site: ${JSON.stringify(report.sites.map((s) => s.stack[0]))}`);
      assert.equal(site.asked, 3);
      assert.equal(site.holdMs.count, 3);
      assert.ok(site.holdMs.p50 >= 4, `hold p50 ${site.holdMs.p50}`);
      const created = report.locks[site.lock].created;
      assert.ok(created);
      assert.equal(sourceLine(created[0]), lineOf('// created-in-versions'));
    });
  }
});
