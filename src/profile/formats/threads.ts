/**
 * Several threads' (or processes') profiles as one: under the root, a frame per thread, named for
 * it (`(thread CrRendererMain (pid 5))`), and under it that thread's own tree, so that the
 * flamegraph has a column per thread and every function keeps its thread. The threads' samples
 * follow one another in time (as the runner's own merge does): the whole lasts the sum of their
 * sampled durations, so a share is a share of all the threads' time. Pure.
 */
import type { PackedProfile } from '../packedProfile';

export interface ThreadProfile {
  /** Words for the thread: its name, process and ids. */
  label: string;
  pid?: number;
  tid?: number;
  profile: PackedProfile;
}

/** A thread's frame name: the model files it under the root's category. */
export const threadFrameName = (label: string): string => `(thread ${label})`;
export const isThreadFrame = (name: string): boolean => name.startsWith('(thread ');

export function mergeThreads(threads: readonly ThreadProfile[]): PackedProfile {
  if (threads.length === 1) return threads[0].profile;
  if (threads.length === 0) throw new Error('no thread to merge');
  // Node 0: the root; nodes 1..T: the threads; then each thread's nodes but its root (which
  // becomes its thread's frame).
  const t = threads.length;
  let nodeCount = 1 + t;
  let tickTotal = 0;
  let sampleTotal = 0;
  for (const { profile } of threads) {
    nodeCount += profile.nodeCount - 1;
    tickTotal += profile.tickLine.length;
    sampleTotal += profile.samples.length;
  }
  const urls: string[] = [''];
  const urlIndex = new Map<string, number>([['', 0]]);
  const names: string[] = ['(root)'];
  const nameIndex = new Map<string, number>([['(root)', 0]]);
  const intern = (list: string[], index: Map<string, number>, text: string) => {
    let at = index.get(text);
    if (at === undefined) {
      at = list.push(text) - 1;
      index.set(text, at);
    }
    return at;
  };
  const urlOf = new Int32Array(nodeCount);
  const nameOf = new Int32Array(nodeCount);
  const lineNumber = new Float64Array(nodeCount).fill(-1);
  const columnNumber = new Float64Array(nodeCount).fill(-1);
  const childCounts = new Int32Array(nodeCount);
  const tickCounts = new Int32Array(nodeCount);
  const childLists: Int32Array[] = new Array(nodeCount);
  const tickAt: { profile: PackedProfile; node: number }[] = new Array(nodeCount);
  childCounts[0] = t;
  childLists[0] = Int32Array.from({ length: t }, (_, k) => 1 + k);
  const samples = new Int32Array(sampleTotal);
  const timeDeltas = new Float64Array(sampleTotal);
  let next = 1 + t;
  let written = 0;
  let cursor = 0;
  let previous = 0;
  threads.forEach(({ label, profile }, k) => {
    const own = 1 + k;
    // Position in the thread's profile -> position in the merged one.
    const at = new Int32Array(profile.nodeCount);
    at[0] = own;
    for (let i = 1; i < profile.nodeCount; i++) at[i] = next++;
    nameOf[own] = intern(names, nameIndex, threadFrameName(label));
    for (let i = 0; i < profile.nodeCount; i++) {
      const into = at[i];
      if (i > 0) {
        urlOf[into] = intern(urls, urlIndex, profile.urls[profile.urlOf[i]]);
        nameOf[into] = intern(names, nameIndex, profile.names[profile.nameOf[i]]);
        lineNumber[into] = profile.lineNumber[i];
        columnNumber[into] = profile.columnNumber[i];
      }
      const from = profile.childStart[i];
      const to = profile.childStart[i + 1];
      childCounts[into] = to - from;
      const children = new Int32Array(to - from);
      for (let c = from; c < to; c++) children[c - from] = at[profile.childList[c]];
      childLists[into] = children;
      tickCounts[into] = profile.tickStart[i + 1] - profile.tickStart[i];
      tickAt[into] = { profile, node: i };
    }
    // Samples: this thread's follow the last one's end.
    const count = profile.samples.length;
    if (count === 0) return;
    let time = profile.startTime;
    let first = Number.NaN;
    for (let i = 0; i < count; i++) {
      time += profile.timeDeltas[i];
      if (i === 0) first = time;
      const when = cursor + (time - first);
      samples[written] = at[profile.samples[i]];
      timeDeltas[written++] = when - previous;
      previous = when;
    }
    cursor += Math.max(time, profile.endTime) - first;
  });
  const childStart = new Int32Array(nodeCount + 1);
  const tickStart = new Int32Array(nodeCount + 1);
  for (let i = 0; i < nodeCount; i++) {
    childStart[i + 1] = childStart[i] + childCounts[i];
    tickStart[i + 1] = tickStart[i] + tickCounts[i];
  }
  const childList = new Int32Array(childStart[nodeCount]);
  const tickLine = new Float64Array(tickTotal);
  const tickCount = new Float64Array(tickTotal);
  for (let i = 0; i < nodeCount; i++) {
    childList.set(childLists[i], childStart[i]);
    const from = tickAt[i];
    if (!from) continue;
    const start = from.profile.tickStart[from.node];
    for (let k = 0; k < tickCounts[i]; k++) {
      tickLine[tickStart[i] + k] = from.profile.tickLine[start + k];
      tickCount[tickStart[i] + k] = from.profile.tickCount[start + k];
    }
  }
  const noTimeline = threads.some(({ profile }) => profile.noTimeline);
  return {
    packed: true,
    startTime: 0,
    endTime: cursor,
    nodeCount,
    urls,
    urlOf,
    names,
    nameOf,
    lineNumber,
    columnNumber,
    childStart,
    childList,
    tickStart,
    tickLine,
    tickCount,
    samples: samples.subarray(0, written),
    timeDeltas: timeDeltas.subarray(0, written),
    ...(noTimeline ? { noTimeline: true as const } : {}),
  };
}
