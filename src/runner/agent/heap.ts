/**
 * Allocations over the window: V8's sampling heap profiler, in the same inspector session as the
 * CPU profile, keeping the objects collected during the window too (a copy made on every turn
 * of a hot loop dies young: live objects alone show almost none of it).
 *
 * V8 keeps every sample until `stopSampling` and then serialises them all inside the service,
 * with no cap of its own: the sampler is stopped and restarted every `HEAP_SLICE_MS`, and the
 * slices merged as they come (heap samples carry no times, so nothing is lost but the
 * allocations in the instant between stop and start). V8 holds one slice's samples at most; the
 * merged profile holds one node per distinct stack and at most `MAX_HEAP_SAMPLES` samples per
 * thread (past it, only their bytes).
 *
 * Every `stopSampling` is also a full collection: the inspector starts V8's sampler with
 * `kSamplingForceGC`, so each slice's end collects the whole heap (tens of ms on a small heap,
 * much more on a large one). Slices are therefore long: most windows have none inside them.
 */
import * as vm from 'node:vm';
import type { RawHeapProfile } from '../../record/heap';
import { HeapProfileMerger } from './mergeHeapProfiles';
import type { HeapStop } from './protocol';
import { PROBE_URL } from './stalls';

/** V8's mean interval between heap samples, bytes (Node's `--heap-prof` default). */
export const HEAP_SAMPLING_BYTES = 512 * 1024;
/**
 * The sampler is stopped and restarted this often, ms. V8 holds one slice's samples: at 1 GB
 * allocated a second, 10 s make about 20,000 samples (a few MB inside the service).
 */
export const HEAP_SLICE_MS = 10_000;
/** Samples kept per thread at most. */
export const MAX_HEAP_SAMPLES = 100_000;

/** `startSampling`'s parameters: every allocation of the window, collected or not. */
export const START_SAMPLING = {
  samplingInterval: HEAP_SAMPLING_BYTES,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
};

/** One inspector session's way to the heap profiler (the process's own, or a thread's). */
export type Post = (method: string, params?: object) => Promise<unknown>;

/** `startSampling`'s parameters for a collection alone: an interval no window reaches. */
const COLLECT_ONLY = { samplingInterval: 2 ** 52 };

/**
 * Used heap after a full collection, bytes. Not `HeapProfiler.collectGarbage`: that is V8's
 * low-memory notification, which also shrinks the young generation, so that it is collected
 * far more often for the rest of the window (measured: the sample service's `/clients` had its
 * committed heap fall from ~31 to ~17 MB and half again as many scavenges per request). A
 * sampler's stop is an ordinary full collection (see above): started and stopped at once, it
 * takes no sample.
 */
export async function heapAfterCollection(post: Post): Promise<number | undefined> {
  try {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', COLLECT_ONLY);
    await post('HeapProfiler.stopSampling');
    const usage = (await post('Runtime.getHeapUsage')) as { usedSize?: unknown };
    return typeof usage?.usedSize === 'number' ? usage.usedSize : undefined;
  } catch {
    return undefined;
  }
}

/** The self-test's function, by name: its allocations must be in the test's profile. */
const SELF_TEST_NAME = 'hotpathAllocationSelfTest';
/**
 * Makes about 20 MB of short-lived arrays, enough for the young generation to be collected
 * several times while they are made: a sampler that ignored the include-collected flags would
 * have dropped nearly all of them by the time it stops.
 */
const SELF_TEST = `(function ${SELF_TEST_NAME}() {
  let last;
  for (let i = 0; i < 200000; i++) last = new Array(8).fill(i);
  return last.length;
})`;
/** The self-test as an expression to evaluate in a process Hotpath attached to. */
export const SELF_TEST_CALL = `${SELF_TEST}()`;
/** The test samples finer than the window, so that a short test still gets many samples. */
const SELF_TEST_INTERVAL = 16 * 1024;
/** Of the ~20 MB made, at least this many bytes must be seen. */
const SELF_TEST_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Checks that this Node's sampler keeps collected objects: it runs a known allocation under the
 * sampler (in this thread, or through `run` in another process: `SELF_TEST_CALL`) and looks for
 * its bytes. An unknown flag may be ignored silently; then there is no
 * allocation view rather than a misleading one. Returns why not, or undefined when it works.
 */
export async function allocationSelfTest(
  post: Post,
  run: () => unknown = () =>
    (vm.runInThisContext(SELF_TEST, { filename: PROBE_URL }) as () => number)(),
): Promise<string | undefined> {
  try {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', {
      ...START_SAMPLING,
      samplingInterval: SELF_TEST_INTERVAL,
    });
    await run();
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: RawHeapProfile };
    let seen = 0;
    const stack = [profile.head];
    while (stack.length > 0) {
      const node = stack.pop();
      if (!node) continue;
      if (node.callFrame.functionName === SELF_TEST_NAME) seen += node.selfSize;
      stack.push(...(node.children ?? []));
    }
    return seen >= SELF_TEST_MIN_BYTES
      ? undefined
      : `its heap sampler saw ${Math.round(seen / 1024)} KB of a test's ~20 MB of short-lived allocations`;
  } catch (error) {
    return `its heap sampler failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** One thread's sampling over the window, in slices. */
export class HeapSampler {
  readonly #merger = new HeapProfileMerger(MAX_HEAP_SAMPLES);
  #timer: NodeJS.Timeout | undefined;
  #slicing: Promise<void> = Promise.resolve();
  #error: string | undefined;

  constructor(private readonly post: Post) {}

  async start(): Promise<void> {
    await this.post('HeapProfiler.startSampling', START_SAMPLING);
    this.#timer = setInterval(() => {
      this.#slicing = this.#slicing.then(() => this.#slice(true));
    }, HEAP_SLICE_MS);
    this.#timer.unref();
  }

  async #slice(again: boolean): Promise<void> {
    try {
      const { profile } = (await this.post('HeapProfiler.stopSampling')) as {
        profile: RawHeapProfile;
      };
      if (again) await this.post('HeapProfiler.startSampling', START_SAMPLING);
      this.#merger.add(profile);
    } catch (error) {
      this.#error ??= error instanceof Error ? error.message : String(error);
    }
  }

  /** Ends the sampling: the window's profile, merged from its slices (or why there is none). */
  async stop(): Promise<RawHeapProfile | { error: string }> {
    clearInterval(this.#timer);
    await this.#slicing;
    await this.#slice(false);
    if (this.#error !== undefined) return { error: this.#error };
    return this.#merger.result(HEAP_SAMPLING_BYTES);
  }

  /**
   * Ends the sampling, then reads the used heap after a collection (none when no profile came
   * back): the window's allocations and, with the reading at its start, the heap's growth.
   */
  async stopWithGrowth(
    startUsedBytes: number | undefined,
  ): Promise<{ profile: RawHeapProfile | { error: string }; stop: HeapStop }> {
    const profile = await this.stop();
    const stop: HeapStop = { bytes: 0 };
    if ('error' in profile) return { profile, stop };
    const end = await heapAfterCollection(this.post);
    if (startUsedBytes !== undefined && end !== undefined) {
      stop.startUsedBytes = startUsedBytes;
      stop.endUsedBytes = end;
    }
    return { profile, stop };
  }

  /** Ends it and throws the samples away. */
  abandon(): void {
    clearInterval(this.#timer);
    void this.post('HeapProfiler.stopSampling').catch(() => undefined);
  }
}
