/**
 * Allocations: V8's sampling heap profiler over the window (`src/runner/agent/heap.ts`), kept as
 * `profile.heapprofile`, the format DevTools and `node --heap-prof` write. Types and names only.
 */

/** The run folder's allocation profile. */
export const HEAP_PROFILE_FILE = 'profile.heapprofile';

/** The names a sampling heap profile goes by, gzipped or not (a run's, `node --heap-prof`'s, DevTools'). */
export const HEAP_PROFILE_NAME = /\.heapprofile(\.gz)?$/i;

/** One frame of a heap profile, as V8's inspector writes it (0-based line and column). */
export interface HeapCallFrame {
  functionName: string;
  scriptId: string | number;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface HeapProfileNode {
  callFrame: HeapCallFrame;
  /** Bytes V8 estimates this stack allocated, from its samples (scaled up by the interval). */
  selfSize: number;
  id: number;
  children: HeapProfileNode[];
}

export interface HeapProfileSample {
  /** The sampled object's own size, bytes. */
  size: number;
  nodeId: number;
  /** Its place in the order of allocation: heap samples carry no times. */
  ordinal: number;
}

/**
 * Hotpath's own note in the file (DevTools and V8 ignore it): a foreign file has none, so it
 * cannot say whether its bytes were allocated or only the live ones.
 */
export interface HeapProfileNote {
  /** 'allocated': objects collected during the window are kept (V8's includeObjectsCollected… flags). */
  mode: 'allocated';
  /** V8's mean interval between samples, bytes. */
  samplingIntervalBytes: number;
  /** Samples not kept in `samples` past the cap (their bytes are in the nodes' `selfSize`). */
  droppedSamples: number;
}

/** A `.heapprofile`. */
export interface RawHeapProfile {
  head: HeapProfileNode;
  samples?: HeapProfileSample[];
  hotpath?: HeapProfileNote;
}

/** What run.json says of the allocations. */
export type HeapRecord =
  | {
      file: string;
      bytes: number;
      samplingIntervalBytes: number;
      /** The sampler is stopped and restarted every this many ms (V8 keeps a slice's samples). */
      sliceMs: number;
      /** Samples kept in the file per thread at most; past it only their bytes are kept. */
      maxSamples: number;
      /** The threads whose allocations are in the file, and those seen but not sampled. */
      threads: { sampled: number; notSampled: number };
      /**
       * Used heap after a full collection at the window's start and at its end, bytes, over the
       * threads sampled: a heap that grows per request is a leak, not churn.
       */
      growth?: { startUsedBytes: number; endUsedBytes: number };
    }
  | { file: null; why: string };

/** Said in run.json when the self-test saw no allocation. */
export const NO_ALLOCATION_VIEW = 'no allocation view on this Node';
