import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadWriteLock } from '../../src/sampleService/rwlock';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ReadWriteLock', () => {
  test('readers share the lock', async () => {
    const lock = new ReadWriteLock();
    const releases = await Promise.all([
      lock.acquireRead(),
      lock.acquireRead(),
      lock.acquireRead(),
    ]);
    assert.equal(lock.readers, 3);
    for (const release of releases) release();
    assert.equal(lock.readers, 0);
  });

  test('a writer waits for readers and excludes new readers until it releases', async () => {
    const lock = new ReadWriteLock();
    const events: string[] = [];
    const releaseRead = await lock.acquireRead();
    const writer = lock.acquireWrite().then((release) => {
      events.push('write acquired');
      return release;
    });
    await tick();
    const reader = lock.acquireRead().then((release) => {
      events.push('read acquired');
      return release;
    });
    await tick();
    assert.deepEqual(
      events,
      [],
      'the writer waits for the reader; the new reader waits for the writer',
    );
    releaseRead();
    const releaseWrite = await writer;
    await tick();
    assert.deepEqual(events, ['write acquired'], 'no reader holds the lock while the writer does');
    assert.equal(lock.readers, 0);
    releaseWrite();
    (await reader)();
    assert.deepEqual(events, ['write acquired', 'read acquired']);
  });

  test('writers exclude each other', async () => {
    const lock = new ReadWriteLock();
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        lock.runWrite(async () => {
          inside++;
          most = Math.max(most, inside);
          await tick();
          inside--;
        }),
      ),
    );
    assert.equal(most, 1);
  });

  test('a stream of readers does not starve a waiting writer', { timeout: 5000 }, async () => {
    const lock = new ReadWriteLock();
    let stop = false;
    let readsAfterWriterAsked = 0;
    let writerAsked = false;
    // Overlapping readers: at every moment at least one holds the lock.
    const readers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        await lock.runRead(async () => {
          if (writerAsked) readsAfterWriterAsked++;
          await tick();
        });
      }
    });
    await tick();
    writerAsked = true;
    const readsBefore = readsAfterWriterAsked;
    await lock.runWrite(() => {
      stop = true;
    });
    await Promise.all(readers);
    // Only readers already past the turnstile may finish before the writer: at most one each.
    assert.ok(
      readsAfterWriterAsked - readsBefore <= 4,
      `${readsAfterWriterAsked} reads went ahead of the writer`,
    );
  });

  test('releasing twice is harmless', async () => {
    const lock = new ReadWriteLock();
    const release = await lock.acquireRead();
    const other = await lock.acquireRead();
    release();
    release();
    assert.equal(lock.readers, 1);
    other();
    const write = await lock.acquireWrite();
    write();
    write();
    (await lock.acquireWrite())();
  });
});
