/**
 * Several processes' (or threads') CPU profiles of one window as one `.cpuprofile`, so that the
 * run's `profile.cpuprofile` stays one standard file that DevTools and the analysis read. The
 * same stack in two processes is one node; the profiles follow one another in time, so that
 * every sample keeps its own duration and the whole lasts the sum of their sampled durations: a
 * share in the merged profile is a share of all the profiled threads' time.
 */

interface CallFrame {
  functionName: string;
  scriptId: string | number;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}

/** The modern `.cpuprofile` as V8's inspector writes it. */
export interface RawProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * `shifts`, when given, gets each profile's shift into the merged timeline (µs to add to one of
 * its timestamps; NaN for a profile without samples): the event loop's stalls move with them.
 */
export function mergeProfiles(profiles: readonly RawProfile[], shifts?: number[]): RawProfile {
  if (profiles.length === 1) {
    shifts?.push(0);
    return profiles[0];
  }
  const nodes: ProfileNode[] = [];
  const lines: Map<number, number>[] = [];
  const childByKey: Map<string, number>[] = [];
  const add = (callFrame: CallFrame, parent: number | undefined): number => {
    const key = frameKey(callFrame);
    if (parent !== undefined) {
      const known = childByKey[parent].get(key);
      if (known !== undefined) return known;
    }
    const id = nodes.length + 1;
    nodes.push({ id, callFrame, hitCount: 0, children: [] });
    lines.push(new Map());
    childByKey.push(new Map());
    if (parent !== undefined) {
      childByKey[parent].set(key, id - 1);
      nodes[parent].children?.push(id);
    }
    return id - 1;
  };

  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let rootIndex: number | undefined;
  let cursor = 0; // the merged timeline's end so far, µs
  let previous = 0; // the merged time of the last sample written
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const children = new Set(profile.nodes.flatMap((node) => node.children ?? []));
    const root = profile.nodes.find((node) => !children.has(node.id));
    if (!root) {
      shifts?.push(Number.NaN);
      continue;
    }
    rootIndex ??= add(root.callFrame, undefined);
    const merged = new Map<number, number>([[root.id, rootIndex]]);
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop() as ProfileNode;
      const into = merged.get(node.id) as number;
      nodes[into].hitCount = (nodes[into].hitCount ?? 0) + (node.hitCount ?? 0);
      for (const tick of node.positionTicks ?? [])
        lines[into].set(tick.line, (lines[into].get(tick.line) ?? 0) + tick.ticks);
      for (const childId of node.children ?? []) {
        const child = byId.get(childId);
        if (!child || merged.has(childId)) continue;
        merged.set(childId, add(child.callFrame, into));
        stack.push(child);
      }
    }
    // Each profile's samples follow the last one's end; the time before its first sample is
    // no sample's (a model counts a sample until the next, the last until endTime).
    const own = profile.samples ?? [];
    if (own.length === 0) {
      shifts?.push(Number.NaN);
      continue;
    }
    let time = profile.startTime;
    let first: number | undefined;
    for (let i = 0; i < own.length; i++) {
      time += profile.timeDeltas?.[i] ?? 0;
      first ??= time;
      const at = cursor + (time - first);
      samples.push((merged.get(own[i]) ?? rootIndex) + 1);
      timeDeltas.push(at - previous);
      previous = at;
    }
    shifts?.push(cursor - (first ?? time));
    cursor += Math.max(time, profile.endTime) - (first ?? time);
  }
  for (let i = 0; i < nodes.length; i++) {
    if (lines[i].size > 0)
      nodes[i].positionTicks = [...lines[i]].map(([line, ticks]) => ({ line, ticks }));
  }
  return { nodes, startTime: 0, endTime: cursor, samples, timeDeltas };
}

function frameKey(frame: CallFrame): string {
  return `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
}

/** The share of a profile's sampled time not spent `(idle)`. */
export function busyShare(profile: RawProfile): number {
  const { busy, total } = busyTime(profile);
  return total > 0 ? busy / total : 0;
}

/** A profile's sampled time and the part of it not spent `(idle)`, µs. */
export function busyTime(profile: RawProfile): { busy: number; total: number } {
  const idle = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  const samples = profile.samples ?? [];
  let total = 0;
  let busy = 0;
  for (let i = 0; i < samples.length; i++) {
    // Sample i lasts until sample i+1, the last until endTime.
    const next = i + 1 < samples.length ? (profile.timeDeltas?.[i + 1] ?? 0) : 0;
    total += next;
    if (!idle.has(samples[i])) busy += next;
  }
  return { busy, total };
}
