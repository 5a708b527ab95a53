/**
 * Chrome trace-event JSON made from hand-built `.cpuprofile`s, as Chrome writes it: per thread a
 * `Profile` event (on the profiled thread) and `ProfileChunk` events (on V8's profiler thread)
 * whose nodes name their `parent`, with `timeDeltas` and `lines` one per sample; thread and
 * process names as `M` metadata events.
 */
import type { ProfileJson } from './helpers';

export interface TracedThread {
  pid: number;
  tid: number;
  name: string;
  profile: ProfileJson;
}

/** The events of a trace; each profile's nodes and samples cut into chunks of `perChunk`. */
export function traceEventsOf(threads: TracedThread[], perChunk = 3): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const [k, { pid, tid, name, profile }] of threads.entries()) {
    const id = `0x${k + 1}`;
    events.push({
      name: 'thread_name',
      ph: 'M',
      pid,
      tid,
      ts: 0,
      cat: '__metadata',
      args: { name },
    });
    events.push({
      name: 'Profile',
      ph: 'P',
      id,
      pid,
      tid,
      ts: profile.startTime,
      cat: 'disabled-by-default-v8.cpu_profiler',
      args: { data: { startTime: profile.startTime } },
    });
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children) parent.set(child, node.id);
    const nodes = profile.nodes.map((node) => ({
      id: node.id,
      callFrame: node.callFrame,
      ...(parent.has(node.id) ? { parent: parent.get(node.id) } : {}),
    }));
    const lineOf = new Map(profile.nodes.map((n) => [n.id, n.positionTicks?.[0]?.line ?? 0]));
    const chunks = Math.max(
      1,
      Math.ceil(Math.max(nodes.length, profile.samples.length) / perChunk),
    );
    for (let c = 0; c < chunks; c++) {
      const samples = profile.samples.slice(c * perChunk, (c + 1) * perChunk);
      events.push({
        name: 'ProfileChunk',
        ph: 'P',
        id,
        pid,
        tid: tid + 1000,
        ts: profile.startTime + c,
        cat: 'disabled-by-default-v8.cpu_profiler',
        args: {
          data: {
            cpuProfile: { nodes: nodes.slice(c * perChunk, (c + 1) * perChunk), samples },
            timeDeltas: profile.timeDeltas.slice(c * perChunk, (c + 1) * perChunk),
            lines: samples.map((s) => lineOf.get(s) ?? 0),
            ...(c === chunks - 1 ? { endTime: profile.endTime } : {}),
          },
        },
      });
    }
  }
  return events;
}
