import type { StallSpans } from '../../record/stalls';

/** How often the probe asks the loop for a turn, ms. */
export const PROBE_MS = 5;
/** Spans kept at most per thread; the rest are counted. */
const MAX_SPANS = 20_000;

/**
 * Measures the event loop's turns while the window is open: a timer due every `PROBE_MS` that
 * fires `late` ms after it was due was held up by one turn at least that long (libuv runs due
 * timers at the start of every turn, so a late timer waited for a single turn to end). Each
 * turn over the threshold is kept as a span, `[due, fired]`, in µs of `process.hrtime`: the
 * clock V8's CPU profile timestamps use on Linux (CLOCK_MONOTONIC), so the profile's samples
 * inside a span are what ran in that turn. The span misses the start of the turn before the
 * timer was due (at most `PROBE_MS`), so a stall's length is a floor.
 */
export class StallProbe {
  readonly #spans: [number, number][] = [];
  #dropped = 0;
  #timer: NodeJS.Timeout | undefined;
  #due = 0n;

  constructor(private readonly thresholdMs: number) {
    this.#schedule();
  }

  #schedule(): void {
    this.#due = process.hrtime.bigint() + BigInt(PROBE_MS * 1e6);
    this.#timer = setTimeout(() => this.#fired(), PROBE_MS);
    this.#timer.unref();
  }

  #fired(): void {
    const now = process.hrtime.bigint();
    const lateNs = now - this.#due;
    if (lateNs >= BigInt(Math.round(this.thresholdMs * 1e6))) {
      if (this.#spans.length < MAX_SPANS)
        this.#spans.push([Number(this.#due / 1000n), Number(now / 1000n)]);
      else this.#dropped++;
    }
    this.#schedule();
  }

  close(): StallSpans {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    return {
      thresholdMs: this.thresholdMs,
      probeMs: PROBE_MS,
      spans: this.#spans,
      dropped: this.#dropped,
    };
  }
}
