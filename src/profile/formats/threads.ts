/**
 * Several threads' (or processes') profiles as one: under the root, a frame per thread, named for
 * it (`(thread CrRendererMain (pid 5))`), and under it that thread's own tree, so that the
 * flamegraph has a column per thread and every function keeps its thread. The threads' samples
 * follow one another in time (as the runner's own merge does): the whole lasts the sum of their
 * sampled durations, so a share is a share of all the threads' time. Pure.
 */
import { HotpathError } from '../../vocabulary/errors';
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

/** A thread of a merged profile: its frame (a child of the root) and its figures. */
export interface ThreadOfProfile {
  label: string;
  /** The thread's frame in the merged profile. */
  node: number;
  samples: number;
  /** Its sampled time, µs, and of that the time it was idle. */
  totalUs: number;
  idleUs: number;
}

/**
 * The threads of a profile read from several (`mergeThreads`' frames under the root), in the
 * order of their frames; empty for a profile of one thread.
 */
export function threadsOf(profile: PackedProfile): ThreadOfProfile[] {
  const threads: ThreadOfProfile[] = [];
  const indexOf = new Int32Array(profile.nodeCount).fill(-1);
  for (let c = profile.childStart[0]; c < profile.childStart[1]; c++) {
    const node = profile.childList[c];
    const name = profile.names[profile.nameOf[node]];
    if (!isThreadFrame(name)) continue;
    indexOf[node] = threads.length;
    threads.push({
      label: name.slice('(thread '.length, -1),
      node,
      samples: 0,
      totalUs: 0,
      idleUs: 0,
    });
  }
  if (threads.length < 2) return [];
  // Each node's thread, from its frame down (children come after their parent's list only by
  // position in childList, so walk the tree).
  const stack = threads.map((t) => t.node);
  while (stack.length > 0) {
    const node = stack.pop() as number;
    for (let c = profile.childStart[node]; c < profile.childStart[node + 1]; c++) {
      const child = profile.childList[c];
      indexOf[child] = indexOf[node];
      stack.push(child);
    }
  }
  const { samples } = profile;
  const spans = sampleDurations(profile);
  for (let i = 0; i < samples.length; i++) {
    const k = indexOf[samples[i]];
    if (k < 0) continue;
    const thread = threads[k];
    thread.samples++;
    thread.totalUs += spans[i];
    if (profile.names[profile.nameOf[samples[i]]] === '(idle)') thread.idleUs += spans[i];
  }
  return threads;
}

/** How long each sample lasts: until the next one (the model's rule), the last until the end. */
function sampleDurations(profile: PackedProfile): Float64Array {
  const { samples, timeDeltas, endTime } = profile;
  const count = samples.length;
  const spans = new Float64Array(count);
  let time = profile.startTime + (count > 0 ? timeDeltas[0] : 0);
  for (let i = 0; i < count; i++) {
    const end = i + 1 < count ? time + timeDeltas[i + 1] : Math.max(endTime, time);
    spans[i] = Math.max(0, end - time);
    time = end;
  }
  return spans;
}

/**
 * The thread `wanted` names, of the threads a merged profile holds: its label (any case), or a
 * word or number of its label that names one thread only (`CrRendererMain`, `5` for a pid or
 * thread id). A HotpathError lists the threads when it names none or several.
 */
export function chooseThread(profile: PackedProfile, wanted: string): ThreadOfProfile {
  const threads = threadsOf(profile);
  if (threads.length === 0)
    throw new HotpathError('BAD_OPTION', `thread "${wanted}": this profile holds one thread only`);
  const want = wanted.trim().toLowerCase();
  const exact = threads.filter((t) => t.label.toLowerCase() === want);
  if (exact.length === 1) return exact[0];
  const words = (label: string) => label.toLowerCase().split(/[^\p{L}\p{N}_.-]+/u);
  const named = threads.filter(
    (t) => words(t.label).includes(want) || t.label.toLowerCase().includes(want),
  );
  const byWord = named.filter((t) => words(t.label).includes(want));
  const found = byWord.length === 1 ? byWord : named;
  if (found.length === 1) return found[0];
  const list = threads.map((t) => `"${t.label}"`).join(', ');
  throw new HotpathError(
    'BAD_OPTION',
    `thread "${wanted}" names ${found.length === 0 ? 'none' : found.length} of the profile's threads (${list}): give one's name, or a word or id of its name`,
  );
}

/**
 * One thread of a merged profile as a profile of its own: its frame's tree under a new root, its
 * samples with the durations they had (so a pprof's weights and a trace's times stay).
 */
export function threadProfile(profile: PackedProfile, threadNode: number): PackedProfile {
  // The thread's nodes, its frame first (it becomes the root).
  const order: number[] = [threadNode];
  const at = new Int32Array(profile.nodeCount).fill(-1);
  at[threadNode] = 0;
  for (let k = 0; k < order.length; k++) {
    const node = order[k];
    for (let c = profile.childStart[node]; c < profile.childStart[node + 1]; c++) {
      const child = profile.childList[c];
      at[child] = order.length;
      order.push(child);
    }
  }
  const nodeCount = order.length;
  const names = [...profile.names];
  let rootName = names.indexOf('(root)');
  if (rootName < 0) rootName = names.push('(root)') - 1;
  const urlOf = new Int32Array(nodeCount);
  const nameOf = new Int32Array(nodeCount);
  const lineNumber = new Float64Array(nodeCount);
  const columnNumber = new Float64Array(nodeCount);
  const childStart = new Int32Array(nodeCount + 1);
  const tickStart = new Int32Array(nodeCount + 1);
  for (let k = 0; k < nodeCount; k++) {
    const node = order[k];
    urlOf[k] = k === 0 ? 0 : profile.urlOf[node];
    nameOf[k] = k === 0 ? rootName : profile.nameOf[node];
    lineNumber[k] = k === 0 ? -1 : profile.lineNumber[node];
    columnNumber[k] = k === 0 ? -1 : profile.columnNumber[node];
    childStart[k + 1] = childStart[k] + profile.childStart[node + 1] - profile.childStart[node];
    tickStart[k + 1] = tickStart[k] + profile.tickStart[node + 1] - profile.tickStart[node];
  }
  const childList = new Int32Array(childStart[nodeCount]);
  const tickLine = new Float64Array(tickStart[nodeCount]);
  const tickCount = new Float64Array(tickStart[nodeCount]);
  for (let k = 0; k < nodeCount; k++) {
    const node = order[k];
    for (let c = profile.childStart[node], o = childStart[k]; c < profile.childStart[node + 1]; c++)
      childList[o++] = at[profile.childList[c]];
    for (let t = profile.tickStart[node], o = tickStart[k]; t < profile.tickStart[node + 1]; t++) {
      tickLine[o] = profile.tickLine[t];
      tickCount[o++] = profile.tickCount[t];
    }
  }
  const spans = sampleDurations(profile);
  const kept: number[] = [];
  for (let i = 0; i < profile.samples.length; i++) if (at[profile.samples[i]] >= 0) kept.push(i);
  const samples = new Int32Array(kept.length);
  const timeDeltas = new Float64Array(kept.length);
  let total = 0;
  kept.forEach((i, k) => {
    samples[k] = at[profile.samples[i]];
    timeDeltas[k] = k === 0 ? 0 : spans[kept[k - 1]];
    total += spans[i];
  });
  return {
    packed: true,
    startTime: 0,
    endTime: total,
    nodeCount,
    urls: profile.urls,
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
    samples,
    timeDeltas,
    ...(profile.noTimeline ? { noTimeline: true as const } : {}),
  };
}

/** The thread `wanted` names (`chooseThread`) as a profile of its own. */
export function oneThread(profile: PackedProfile, wanted: string): PackedProfile {
  return threadProfile(profile, chooseThread(profile, wanted).node);
}
