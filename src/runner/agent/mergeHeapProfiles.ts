/**
 * Heap profiles as one: the slices of one thread's sampling (the sampler is stopped and
 * restarted so that V8 never holds more than a slice's samples), and then the threads' and
 * processes' profiles of one window, so that the run's `profile.heapprofile` stays one standard
 * file. The same stack is one node; each node's bytes and samples add up. Heap samples carry no
 * times: only their order (`ordinal`), renumbered here in the order the profiles come.
 */
import type {
  HeapCallFrame,
  HeapProfileNode,
  HeapProfileSample,
  RawHeapProfile,
} from '../../record/heap';

function frameKey(frame: HeapCallFrame): string {
  return `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
}

/** A heap profile being built from others; holds at most `maxSamples` samples. */
export class HeapProfileMerger {
  #head: HeapProfileNode | undefined;
  #nextId = 1;
  readonly #children = new Map<HeapProfileNode, Map<string, HeapProfileNode>>();
  readonly #samples: HeapProfileSample[] = [];
  #dropped = 0;
  #ordinal = 0;

  constructor(private readonly maxSamples: number) {}

  /** Adds one profile (a slice, a thread's, a process's). */
  add(profile: RawHeapProfile): void {
    if (!profile?.head) return;
    this.#head ??= this.#node(profile.head.callFrame);
    const ids = new Map<number, number>();
    const stack: [HeapProfileNode, HeapProfileNode][] = [[profile.head, this.#head]];
    while (stack.length > 0) {
      const [from, into] = stack.pop() as [HeapProfileNode, HeapProfileNode];
      into.selfSize += from.selfSize;
      ids.set(from.id, into.id);
      for (const child of from.children ?? [])
        stack.push([child, this.#child(into, child.callFrame)]);
    }
    const samples = [...(profile.samples ?? [])].sort((a, b) => a.ordinal - b.ordinal);
    for (const sample of samples) {
      if (this.#samples.length >= this.maxSamples) {
        this.#dropped++;
        continue;
      }
      this.#samples.push({
        size: sample.size,
        nodeId: ids.get(sample.nodeId) ?? this.#head.id,
        ordinal: ++this.#ordinal,
      });
    }
    this.#dropped += profile.hotpath?.droppedSamples ?? 0;
  }

  get empty(): boolean {
    return this.#head === undefined;
  }

  /** The merged profile, with Hotpath's note (the bytes are allocated ones, the interval). */
  result(samplingIntervalBytes: number): RawHeapProfile {
    return {
      head:
        this.#head ??
        this.#node({
          functionName: '(root)',
          scriptId: 0,
          url: '',
          lineNumber: -1,
          columnNumber: -1,
        }),
      samples: this.#samples,
      hotpath: { mode: 'allocated', samplingIntervalBytes, droppedSamples: this.#dropped },
    };
  }

  #node(callFrame: HeapCallFrame): HeapProfileNode {
    return { callFrame, selfSize: 0, id: this.#nextId++, children: [] };
  }

  #child(parent: HeapProfileNode, callFrame: HeapCallFrame): HeapProfileNode {
    let byKey = this.#children.get(parent);
    if (!byKey) {
      byKey = new Map();
      this.#children.set(parent, byKey);
    }
    const key = frameKey(callFrame);
    let child = byKey.get(key);
    if (!child) {
      child = this.#node(callFrame);
      byKey.set(key, child);
      parent.children.push(child);
    }
    return child;
  }
}

/** Several heap profiles of one window as one. */
export function mergeHeapProfiles(
  profiles: readonly RawHeapProfile[],
  samplingIntervalBytes: number,
  maxSamples: number,
): RawHeapProfile {
  const merger = new HeapProfileMerger(maxSamples);
  for (const profile of profiles) merger.add(profile);
  return merger.result(samplingIntervalBytes);
}
