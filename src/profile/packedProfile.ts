/**
 * A checked profile in columns (`PackedProfile`), what the model reads: made from a checked
 * `CpuProfile` here, or straight from the file's bytes by readProfile.ts; and a slice of one in
 * time (a ramp's step).
 */
import { type CpuProfile, NodeIndex } from './cpuprofile';

/**
 * A checked profile in columns: what the model reads. Nodes are addressed by position (the
 * root at 0), never by id; a large profile is a few typed arrays, not an object per node.
 */
export interface PackedProfile {
  readonly packed: true;
  /** Microseconds, as in `CpuProfile`. */
  startTime: number;
  endTime: number;
  nodeCount: number;
  /** Each distinct script URL once; `urlOf[node]` indexes it. `''` is V8's own entries. */
  urls: string[];
  urlOf: Int32Array;
  /** Each distinct function name once; `nameOf[node]` indexes it. */
  names: string[];
  nameOf: Int32Array;
  /** 0-based, as V8 reports them; -1 when unknown. */
  lineNumber: Float64Array;
  columnNumber: Float64Array;
  /** Children of node i: `childList[childStart[i] .. childStart[i + 1])`, as positions. */
  childStart: Int32Array;
  childList: Int32Array;
  /** Position ticks of node i: `tickStart[i] .. tickStart[i + 1]` in `tickLine` (1-based) and `tickCount`. */
  tickStart: Int32Array;
  tickLine: Float64Array;
  tickCount: Float64Array;
  /** Node positions, one per sample, in time order. */
  samples: Int32Array;
  /** Microseconds since the previous sample; never negative. Integers, as V8 writes them, fit in half the memory. */
  timeDeltas: Int32Array | Float64Array;
  /**
   * Set when the file had weighted stacks and no times (a pprof): each sample's delta is then its
   * weight, and nothing may be read as a time (no window, no steps, no stalls, no interval).
   */
  noTimeline?: true;
}

export const isPacked = (profile: CpuProfile | PackedProfile): profile is PackedProfile =>
  'packed' in profile;

/** The position of `text` in a list of distinct texts, added when new. */
function positionIn(list: string[], index: Map<string, number>, text: string): number {
  let at = index.get(text);
  if (at === undefined) {
    at = list.push(text) - 1;
    index.set(text, at);
  }
  return at;
}

/** A checked profile in columns. */
export function packProfile(profile: CpuProfile): PackedProfile {
  const { nodes } = profile;
  const n = nodes.length;
  const index = new NodeIndex(nodes.map((node) => node.id));
  const urls: string[] = [];
  const urlIndex = new Map<string, number>();
  const urlOf = new Int32Array(n);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const nameOf = new Int32Array(n);
  const lineNumber = new Float64Array(n);
  const columnNumber = new Float64Array(n);
  const childStart = new Int32Array(n + 1);
  const tickStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const { callFrame, children, positionTicks } = nodes[i];
    urlOf[i] = positionIn(urls, urlIndex, callFrame.url);
    nameOf[i] = positionIn(names, nameIndex, callFrame.functionName);
    lineNumber[i] = callFrame.lineNumber;
    columnNumber[i] = callFrame.columnNumber;
    childStart[i + 1] = childStart[i] + children.length;
    tickStart[i + 1] = tickStart[i] + positionTicks.length;
  }
  const childList = new Int32Array(childStart[n]);
  const tickLine = new Float64Array(tickStart[n]);
  const tickCount = new Float64Array(tickStart[n]);
  for (let i = 0; i < n; i++) {
    const { children, positionTicks } = nodes[i];
    for (let c = 0; c < children.length; c++) childList[childStart[i] + c] = index.get(children[c]);
    for (let k = 0; k < positionTicks.length; k++) {
      tickLine[tickStart[i] + k] = positionTicks[k].line;
      tickCount[tickStart[i] + k] = positionTicks[k].ticks;
    }
  }
  const samples = new Int32Array(profile.samples.length);
  for (let i = 0; i < samples.length; i++) samples[i] = index.get(profile.samples[i]);
  return {
    packed: true,
    startTime: profile.startTime,
    endTime: profile.endTime,
    nodeCount: n,
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
    samples,
    timeDeltas: Float64Array.from(profile.timeDeltas),
  };
}

/**
 * The samples of a profile that fall in [fromUs, toUs), microseconds after its start, as a
 * profile of their own (the nodes are shared): a ramp's step, cut out of the run's profile.
 * A sample belongs where it was taken.
 */
export function sliceProfile(profile: PackedProfile, fromUs: number, toUs: number): PackedProfile {
  const start = profile.startTime + fromUs;
  const end = profile.startTime + toUs;
  const samples: number[] = [];
  const deltas: number[] = [];
  let time = profile.startTime;
  let previous = start;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    if (time < start) continue;
    if (time >= end) break;
    samples.push(profile.samples[i]);
    deltas.push(time - previous);
    previous = time;
  }
  return {
    ...profile,
    startTime: start,
    endTime: Math.min(end, profile.endTime),
    samples: Int32Array.from(samples),
    timeDeltas: Float64Array.from(deltas),
  };
}
