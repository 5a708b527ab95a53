/**
 * Chrome's trace-event JSON (a DevTools Performance recording, `chrome://tracing`, CDP's
 * `Tracing`): the V8 CPU profiles it holds, one per thread. A profile is a `Profile` event (its
 * start) and `ProfileChunk` events (nodes that name their `parent`, samples, `timeDeltas` one per
 * sample), joined by process and id; older traces hold a whole `.cpuprofile` in a `CpuProfile`
 * event. Thread and process names come from the `M` metadata events. Events are read one by one
 * from chunks (`TraceReader.push`), so a trace of any size is read in bounded memory: what is
 * kept is the profiles' nodes and samples. Every field used is checked; an error names the
 * event and the field. Pure.
 */
import { type CpuProfile, ProfileError, parseProfile } from '../cpuprofile';
import type { PackedProfile } from '../packedProfile';
import { packProfile } from '../packedProfile';
import { TraceEventSplitter } from './jsonBytes';
import { mergeThreads, type ThreadProfile } from './threads';

type Json = unknown;
type Obj = Record<string, Json>;

const isObject = (value: Json): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

interface Building {
  pid: number;
  tid: number;
  id: string;
  /** Where it was first seen: the event that names it in errors. */
  field: string;
  startTime: number | undefined;
  endTime: number | undefined;
  nodes: Obj[];
  samples: number[];
  timeDeltas: number[];
  /** Each sample's 1-based line (0: none), when the chunks give them. */
  lines: number[];
  /** A whole profile from an old `CpuProfile` event. */
  whole?: CpuProfile;
}

const encoder = new TextEncoder();
/** Bytes that every event a reader keeps holds: a cheap test before `JSON.parse`. */
const WANTED = [encoder.encode('Profile'), encoder.encode('_name')];

function holds(bytes: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0];
  const last = bytes.length - needle.length;
  outer: for (let i = bytes.indexOf(first); i >= 0 && i <= last; i = bytes.indexOf(first, i + 1)) {
    for (let k = 1; k < needle.length; k++) if (bytes[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

function num(value: Json, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ProfileError(
      field,
      `must be a finite number, got ${JSON.stringify(value) ?? 'nothing'}`,
    );
  return value;
}

function arr(value: Json, field: string): Json[] {
  if (!Array.isArray(value))
    throw new ProfileError(
      field,
      `must be an array, got ${value === null ? 'null' : typeof value}`,
    );
  return value;
}

/** Reads a trace from chunks of its bytes; `done()` gives its threads' profiles. */
export class TraceReader {
  readonly #splitter = new TraceEventSplitter((bytes, index) => this.#event(bytes, index));
  readonly #profiles = new Map<string, Building>();
  readonly #threadNames = new Map<string, string>();
  readonly #processNames = new Map<number, string>();
  readonly #decoder = new TextDecoder();

  push(chunk: Uint8Array): void {
    try {
      this.#splitter.push(chunk);
    } catch (error) {
      if (error instanceof SyntaxError)
        throw new ProfileError('traceEvents', `is not JSON: ${error.message}`);
      throw error;
    }
  }

  #event(bytes: Uint8Array, index: number): void {
    if (!WANTED.some((needle) => holds(bytes, needle))) return;
    const field = `traceEvents[${index}]`;
    let event: Json;
    try {
      event = JSON.parse(this.#decoder.decode(bytes));
    } catch (error) {
      throw new ProfileError(field, `is not JSON: ${(error as Error).message}`);
    }
    if (!isObject(event)) return;
    const { name } = event;
    if (name === 'thread_name' || name === 'process_name') {
      const args = event.args;
      const label = isObject(args) && typeof args.name === 'string' ? args.name : undefined;
      if (label === undefined) return;
      if (name === 'thread_name') this.#threadNames.set(`${event.pid}:${event.tid}`, label);
      else this.#processNames.set(num(event.pid, `${field}.pid`), label);
      return;
    }
    if (name !== 'Profile' && name !== 'ProfileChunk' && name !== 'CpuProfile') return;
    const pid = num(event.pid, `${field}.pid`);
    const tid = event.tid === undefined ? 0 : num(event.tid, `${field}.tid`);
    const args = event.args;
    const data = isObject(args) ? args.data : undefined;
    if (!isObject(data)) throw new ProfileError(`${field}.args.data`, 'must be an object');
    if (name === 'CpuProfile') {
      const key = `${pid}:cpu${index}`;
      let whole: CpuProfile;
      try {
        whole = parseProfile(data.cpuProfile);
      } catch (error) {
        if (error instanceof ProfileError)
          throw new ProfileError(`${field}.args.data.cpuProfile.${error.field}`, problemOf(error));
        throw error;
      }
      this.#profiles.set(key, { ...this.#blank(pid, tid, key, field), whole });
      return;
    }
    if (typeof event.id !== 'string' && typeof event.id !== 'number')
      throw new ProfileError(`${field}.id`, 'must name the profile (a string or number)');
    const key = `${pid}:${event.id}`;
    let profile = this.#profiles.get(key);
    if (!profile) {
      profile = this.#blank(pid, tid, String(event.id), field);
      this.#profiles.set(key, profile);
    }
    if (name === 'Profile') {
      profile.tid = tid;
      profile.startTime = num(data.startTime, `${field}.args.data.startTime`);
      return;
    }
    if (data.endTime !== undefined)
      profile.endTime = num(data.endTime, `${field}.args.data.endTime`);
    if (profile.startTime === undefined && event.ts !== undefined)
      profile.startTime = num(event.ts, `${field}.ts`);
    const cpu = data.cpuProfile;
    if (cpu === undefined) return;
    if (!isObject(cpu))
      throw new ProfileError(`${field}.args.data.cpuProfile`, 'must be an object');
    if (cpu.nodes !== undefined) {
      const nodes = arr(cpu.nodes, `${field}.args.data.cpuProfile.nodes`);
      nodes.forEach((node, n) => {
        const at = `${field}.args.data.cpuProfile.nodes[${n}]`;
        if (!isObject(node)) throw new ProfileError(at, 'must be an object');
        if (node.parent !== undefined) num(node.parent, `${at}.parent`);
        (node as Obj).field = at;
        profile.nodes.push(node);
      });
    }
    const samples =
      cpu.samples === undefined ? [] : arr(cpu.samples, `${field}.args.data.cpuProfile.samples`);
    const deltas =
      data.timeDeltas === undefined ? [] : arr(data.timeDeltas, `${field}.args.data.timeDeltas`);
    if (deltas.length !== samples.length)
      throw new ProfileError(
        `${field}.args.data.timeDeltas`,
        `has ${deltas.length} entries for ${samples.length} samples (one per sample)`,
      );
    const lines =
      Array.isArray(data.lines) && data.lines.length === samples.length ? data.lines : undefined;
    for (let i = 0; i < samples.length; i++) {
      const line = lines?.[i];
      profile.lines.push(
        typeof line === 'number' && Number.isSafeInteger(line) && line > 0 ? line : 0,
      );
      profile.samples.push(num(samples[i], `${field}.args.data.cpuProfile.samples[${i}]`));
      profile.timeDeltas.push(num(deltas[i], `${field}.args.data.timeDeltas[${i}]`));
    }
  }

  #blank(pid: number, tid: number, id: string, field: string): Building {
    return {
      pid,
      tid,
      id,
      field,
      startTime: undefined,
      endTime: undefined,
      nodes: [],
      samples: [],
      timeDeltas: [],
      lines: [],
    };
  }

  /** Every thread's profile, in the order the trace began them. */
  threads(): ThreadProfile[] {
    try {
      this.#splitter.end();
    } catch (error) {
      if (error instanceof SyntaxError)
        throw new ProfileError('traceEvents', `is not JSON: ${error.message}`);
      throw error;
    }
    if (!this.#splitter.sawEvents)
      throw new ProfileError(
        'traceEvents',
        'is missing: a trace is an array of events or an object with traceEvents',
      );
    const threads: ThreadProfile[] = [];
    for (const building of this.#profiles.values()) {
      // A profile begun but never sampled (a thread that started profiling as the trace ended).
      if (!building.whole && building.nodes.length === 0 && building.samples.length === 0) continue;
      const profile = building.whole ?? this.#checked(building);
      const threadName = this.#threadNames.get(`${building.pid}:${building.tid}`);
      const processName = this.#processNames.get(building.pid);
      threads.push({
        label: `${threadName ?? `thread ${building.tid}`}${processName ? ` of ${processName}` : ''} (pid ${building.pid})`,
        pid: building.pid,
        tid: building.tid,
        profile: packProfile(profile),
      });
    }
    if (threads.length === 0)
      throw new ProfileError(
        'traceEvents',
        `hold no CPU profile (no Profile or ProfileChunk event among ${this.#splitter.count}): record with the disabled-by-default-v8.cpu_profiler category (DevTools' "JavaScript samples")`,
      );
    return threads;
  }

  /** The chunks' nodes as a `.cpuprofile` (children from parents), checked by its parser. */
  #checked(b: Building): CpuProfile {
    if (b.nodes.length === 0)
      throw new ProfileError(
        `${b.field}.args.data.cpuProfile.nodes`,
        `are missing for profile ${b.id} of pid ${b.pid}`,
      );
    const byId = new Map<number, Obj>();
    for (const node of b.nodes) {
      const id = num(node.id, `${node.field}.id`);
      if (byId.has(id)) throw new ProfileError(`${node.field}.id`, `repeats id ${id}`);
      byId.set(id, node);
      node.children = [];
    }
    // Each sample's line, as the ticks of its node's lines (what a .cpuprofile's positionTicks are).
    const ticks = new Map<number, Map<number, number>>();
    b.samples.forEach((id, i) => {
      const line = b.lines[i];
      if (!line) return;
      const lines = ticks.get(id) ?? new Map<number, number>();
      ticks.set(id, lines);
      lines.set(line, (lines.get(line) ?? 0) + 1);
    });
    for (const [id, lines] of ticks) {
      const node = byId.get(id);
      if (node) node.positionTicks = [...lines].map(([line, count]) => ({ line, ticks: count }));
    }
    for (const node of b.nodes) {
      if (node.parent === undefined) continue;
      const parent = byId.get(node.parent as number);
      if (!parent)
        throw new ProfileError(`${node.field}.parent`, `names no node (id ${node.parent})`);
      (parent.children as number[]).push(node.id as number);
    }
    const startTime = b.startTime ?? 0;
    let end = startTime;
    for (const d of b.timeDeltas) end += d;
    const nodes = b.nodes.map(({ field: _, parent: __, ...node }) => node);
    try {
      return parseProfile({
        nodes,
        startTime,
        endTime: Math.max(b.endTime ?? end, end),
        samples: b.samples,
        timeDeltas: b.timeDeltas,
      });
    } catch (error) {
      if (error instanceof ProfileError)
        throw new ProfileError(
          `${b.field}.profile.${error.field}`,
          `${problemOf(error)} (profile ${b.id} of pid ${b.pid}, its chunks' nodes in order)`,
        );
      throw error;
    }
  }
}

function problemOf(error: ProfileError): string {
  return error.message.slice(`invalid profile: ${error.field} `.length);
}

/** A whole trace's bytes: its threads, merged into one profile with a frame per thread when several. */
export function readTrace(bytes: Uint8Array): { profile: PackedProfile; threads: ThreadProfile[] } {
  const reader = new TraceReader();
  reader.push(bytes);
  const threads = reader.threads();
  return { profile: mergeThreads(threads), threads };
}
