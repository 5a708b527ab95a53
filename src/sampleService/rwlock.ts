import { Mutex } from 'async-mutex';

/** Releases a lock; calling it more than once is harmless. */
export type Release = () => void;

/**
 * A readers-writer lock on async-mutex's `Mutex`.
 *
 * Readers share the lock; a writer excludes readers and other writers. Every acquirer first
 * passes a FIFO turnstile (the `Mutex`): readers hold it only for an instant, a writer holds it
 * until it releases. So a writer that is waiting blocks readers that arrive after it, and a
 * stream of readers cannot starve it.
 *
 * Built on `Mutex` rather than on a `Semaphore` of huge capacity: async-mutex's semaphore walks
 * its capacity on every release, which made each release cost milliseconds.
 */
export class ReadWriteLock {
  readonly #turnstile = new Mutex();
  #readers = 0;
  #onDrained: (() => void) | undefined;

  /** Number of readers holding the lock now. */
  get readers(): number {
    return this.#readers;
  }

  async acquireRead(): Promise<Release> {
    const leave = await this.#turnstile.acquire();
    this.#readers++;
    leave();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#readers--;
      if (this.#readers === 0) this.#onDrained?.();
    };
  }

  async acquireWrite(): Promise<Release> {
    const leave = await this.#turnstile.acquire();
    if (this.#readers > 0) {
      await new Promise<void>((resolve) => {
        this.#onDrained = resolve;
      });
      this.#onDrained = undefined;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      leave();
    };
  }

  async runRead<T>(fn: () => T | Promise<T>): Promise<T> {
    const release = await this.acquireRead();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async runWrite<T>(fn: () => T | Promise<T>): Promise<T> {
    const release = await this.acquireWrite();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
