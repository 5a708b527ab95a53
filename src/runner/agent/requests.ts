import * as diagnostics from 'node:diagnostics_channel';
import type { FinishTimes } from './protocol';

/** The width of a bucket of finished responses, ms: the runner cuts them at the load's end. */
const BUCKET_MS = 100;

/**
 * The HTTP requests this process (or thread) receives, through Node's own diagnostics channels
 * (http and https servers, whatever framework is on top): which are still in the service's
 * hands, then how many came in during the window and when their responses finished. A request is
 * in the service's hands until its response is ended: a client that hangs up does not end the
 * work its request started.
 */
export class Requests {
  /** Responses not yet ended, while draining matters (from arm to the window). */
  #live: Set<{ writableEnded: boolean }> | undefined = new Set();
  #counted = 0;
  /** From the window's opening: its responses finished, per bucket. */
  #finished: FinishTimes | undefined;
  readonly #onStart = (message: unknown) => {
    const { response } = message as { response: { writableEnded: boolean } };
    this.#live?.add(response);
    this.#counted++;
  };
  readonly #onFinish = (message: unknown) => {
    this.#live?.delete((message as { response: { writableEnded: boolean } }).response);
    const finished = this.#finished;
    if (finished) {
      const bucket = Math.floor((Date.now() - finished.since) / finished.bucketMs);
      while (finished.counts.length <= bucket) finished.counts.push(0);
      finished.counts[bucket]++;
    }
  };

  constructor() {
    diagnostics.subscribe('http.server.request.start', this.#onStart);
    diagnostics.subscribe('http.server.response.finish', this.#onFinish);
  }

  /** Waits until every response started so far is ended, for at most `ms`. */
  async drain(ms: number): Promise<{ drainedMs: number; leftInFlight: number }> {
    const started = Date.now();
    const live = this.#live ?? new Set();
    for (;;) {
      // A response whose client hung up never fires 'finish': it is done once it is ended.
      for (const response of live) if (response.writableEnded) live.delete(response);
      if (live.size === 0 || Date.now() - started >= ms)
        return { drainedMs: Date.now() - started, leftInFlight: live.size };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** From now on only counts requests and finished responses (the window's). */
  count(): void {
    this.#live = undefined;
    this.#counted = 0;
    this.#finished = { since: Date.now(), bucketMs: BUCKET_MS, counts: [] };
  }

  /** Stops listening; returns the requests counted and when their responses finished. */
  close(): { started: number; finished: FinishTimes | undefined } {
    diagnostics.unsubscribe('http.server.request.start', this.#onStart);
    diagnostics.unsubscribe('http.server.response.finish', this.#onFinish);
    this.#live = undefined;
    const finished = this.#finished;
    this.#finished = undefined;
    return { started: this.#counted, finished };
  }
}
