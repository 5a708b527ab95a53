import * as vm from 'node:vm';
import type { LoopDelay, StallSpans } from '../../record/stalls';

/** How often the probe asks the loop for a turn, ms. */
export const PROBE_MS = 5;
/** Spans kept at most per thread; the rest are counted. */
const MAX_SPANS = 20_000;
/** The probe's script as the profile names it: the agent's, so its samples are Hotpath's. */
export const PROBE_URL = 'hotpath:/dist/agent.js';

export interface StallProbe {
  close(): StallSpans;
}

/** Starts measuring this thread's event loop (see `measureStalls`). */
export function startStallProbe(thresholdMs: number): StallProbe {
  measureStalls ??= vm.runInThisContext(MEASURE_STALLS, { filename: PROBE_URL }) as MeasureStalls;
  const probe = measureStalls(thresholdMs, PROBE_MS, MAX_SPANS);
  return {
    close: () => ({ thresholdMs, probeMs: PROBE_MS, ...probe.close() }),
  };
}

/**
 * The expression that starts the probe in a worker thread (through its inspector session) and
 * leaves it at `globalThis[Symbol.for('hotpath.stalls')]`; `STOP_IN_THREAD` ends it.
 */
export function stallProbeInThread(thresholdMs: number): string {
  return `(() => { const key = Symbol.for('hotpath.stalls'); globalThis[key]?.close(); globalThis[key] = ${MEASURE_STALLS}(${thresholdMs}, ${PROBE_MS}, ${MAX_SPANS}); return true; })()\n//# sourceURL=${PROBE_URL}`;
}

/** Ends a worker thread's probe: its spans and the count past the cap, by value. */
export const STOP_IN_THREAD =
  "(() => { const key = Symbol.for('hotpath.stalls'); const probe = globalThis[key]; delete globalThis[key]; return probe ? probe.close() : null; })()";

/**
 * Measures the event loop's turns: a timer due every `probeMs` that fires `late` ms after it
 * was due was held up by one turn at least that long (libuv runs due timers at the start of
 * every turn, so a late timer waited for a single turn to end). Each turn over the threshold is
 * kept as a span, `[due, fired]`, in µs of `process.hrtime`: the clock V8's CPU profile
 * timestamps use on Linux (CLOCK_MONOTONIC), so the profile's samples inside a span are what ran
 * in that turn. The span misses the start of the turn before the timer was due (at most
 * `probeMs`), so a stall's length is a floor.
 *
 * A turn still under way when the probe closes is not seen: the timer has not fired. A thread
 * whose loop does not turn in the window at all (a piscina thread with `atomics: 'sync'` runs its
 * tasks without going back to its loop; a worker whose messages keep coming runs them back to
 * back in one turn) has no stall and no late firing to show. Recording that turn at the close
 * would charge a pool's idle wait as a stall of the whole window, so it is left out.
 *
 * Every firing's lateness also goes to a histogram in 0.1 ms slots: the thread's loop delay
 * (p50, p99, max), the figure `monitorEventLoopDelay` gives for the main thread alone, measured
 * alike in every thread so that a worker's loop can be set beside the main one's.
 *
 * Source text, the same for the main thread and the worker threads (run through their inspector
 * sessions): a compiled function's own text may name a bundler's helpers (`__name`).
 */
const MEASURE_STALLS = `(function measureStalls(thresholdMs, probeMs, maxSpans) {
  const spans = [];
  const thresholdNs = BigInt(Math.round(thresholdMs * 1e6));
  const periodNs = BigInt(Math.round(probeMs * 1e6));
  let dropped = 0;
  let due = 0n;
  let timer;
  // Every firing's lateness, in 0.1 ms slots (an entry per slot seen): the thread's loop delay.
  // Not perf_hooks.createHistogram: this text also runs in worker threads through the inspector,
  // where no require is in scope, and process.getBuiltinModule is not in every Node 20 (20.16+).
  const late = new Map();
  let latest = 0n;
  const fired = () => {
    const now = process.hrtime.bigint();
    const lateNs = now > due ? now - due : 0n;
    const slot = Number(lateNs / 100000n);
    late.set(slot, (late.get(slot) || 0) + 1);
    if (lateNs > latest) latest = lateNs;
    if (lateNs >= thresholdNs) {
      if (spans.length < maxSpans) spans.push([Number(due / 1000n), Number(now / 1000n)]);
      else dropped++;
    }
    schedule();
  };
  const percentile = (p) => {
    const slots = [...late.keys()].sort((a, b) => a - b);
    const count = slots.reduce((sum, s) => sum + late.get(s), 0);
    let seen = 0;
    for (const s of slots) {
      seen += late.get(s);
      if (seen >= count * p) return Math.min((s + 1) / 10, Number(latest) / 1e6);
    }
    return 0;
  };
  const schedule = () => {
    due = process.hrtime.bigint() + periodNs;
    timer = setTimeout(fired, probeMs);
    timer.unref();
  };
  schedule();
  return {
    close() {
      clearTimeout(timer);
      const turns = [...late.values()].reduce((sum, n) => sum + n, 0);
      const delayMs = turns > 0
        ? { p50: percentile(0.5), p99: percentile(0.99), max: Number(latest) / 1e6, turns }
        : undefined;
      return { spans, dropped, delayMs };
    },
  };
})`;

type MeasureStalls = (
  thresholdMs: number,
  probeMs: number,
  maxSpans: number,
) => { close(): { spans: [number, number][]; dropped: number; delayMs?: LoopDelay } };

let measureStalls: MeasureStalls | undefined;
