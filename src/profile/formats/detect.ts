/**
 * One way in for every profile a Node developer has: the format is told from the bytes (not the
 * file's name), and a file that is none of them is refused naming what it looks like. gzip is
 * opened first (capped: ./gzip.ts). Pure.
 *
 * - `.cpuprofile`, modern (`nodes`) and old (`head`, `timestamps`): ../readProfile.ts
 * - Chrome trace-event JSON, an array or `{traceEvents}`: ./traceEvents.ts
 * - pprof (protobuf, usually gzipped): ./pprof.ts
 */
import { ProfileError } from '../cpuprofile';
import type { PackedProfile } from '../packedProfile';
import { readProfile } from '../readProfile';
import { gunzipCapped, isGzip } from './gzip';
import { firstByte, topKeys } from './jsonBytes';
import { readPprof } from './pprof';
import type { ThreadProfile } from './threads';
import { readTrace } from './traceEvents';

export type ProfileFormat = 'cpuprofile' | 'trace events' | 'pprof';

export interface ReadResult {
  profile: PackedProfile;
  format: ProfileFormat;
  /** Whether the bytes were gzipped. */
  gzipped: boolean;
  /** For a trace of several threads: each one (the profile merges them, a frame per thread). */
  threads?: ThreadProfile[];
}

/** Keys that decide a JSON object's format as soon as they are seen. */
const DECISIVE = new Set(['nodes', 'head', 'traceEvents', 'snapshot', 'samples', 'timeDeltas']);

/** Reads any supported profile from its bytes, or throws a ProfileError naming the problem. */
export function readAnyProfile(bytes: Uint8Array): ReadResult {
  if (isGzip(bytes)) {
    const inner = gunzipCapped(bytes);
    if (isGzip(inner)) throw new ProfileError('(gzip)', 'holds gzip again: refused');
    return { ...readAnyProfile(inner), gzipped: true };
  }
  const first = bytes[firstByte(bytes)];
  if (first === 0x5b) return { ...readTrace(bytes), format: 'trace events', gzipped: false };
  if (first === 0x7b) {
    const keys = topKeys(bytes, (key) => DECISIVE.has(key));
    // Not JSON to its end: the checked parser names where it breaks.
    if (keys === undefined)
      return { profile: readProfile(bytes), format: 'cpuprofile', gzipped: false };
    const last = keys.at(-1);
    if (last === 'traceEvents')
      return { ...readTrace(bytes), format: 'trace events', gzipped: false };
    if (last === 'snapshot')
      throw unknown('a V8 heap snapshot (.heapsnapshot): a picture of the heap, not a CPU profile');
    if (last === 'head' && isHeapProfileHead(bytes))
      throw unknown(
        'a sampling heap profile (.heapprofile): allocations, not CPU time (the allocation views read it)',
      );
    // A .cpuprofile, or JSON that its checked parser names the fault of.
    if (last === 'nodes' || last === 'head' || last === 'samples' || last === 'timeDeltas')
      return { profile: readProfile(bytes), format: 'cpuprofile', gzipped: false };
    throw unknown(
      keys.length > 0
        ? `a JSON object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''} (a .cpuprofile has nodes, a trace has traceEvents)`
        : 'JSON that is not an object of a known profile',
    );
  }
  if (first === undefined) throw unknown('an empty file');
  // Binary: pprof's first field is a sample type or a sample (protobuf keys 0x0a, 0x12).
  if (looksLikeProtobuf(bytes))
    return { profile: readPprof(bytes), format: 'pprof', gzipped: false };
  const head = new TextDecoder().decode(bytes.subarray(0, 24)).replace(/[^\x20-\x7e]/g, '.');
  throw unknown(`bytes that are not JSON, gzip or pprof (they begin "${head}")`);
}

/**
 * Whether a file's first bytes are a trace-event JSON's start (a bare array, or an object whose
 * first decisive key is `traceEvents`): what may be read in chunks.
 */
export function isTraceStart(head: Uint8Array): boolean {
  const first = head[firstByte(head)];
  if (first === 0x5b) return true;
  if (first !== 0x7b) return false;
  return topKeys(head, (key) => DECISIVE.has(key))?.at(-1) === 'traceEvents';
}

/**
 * Whether a file's first bytes are a sampling heap profile's start (`{head: {callFrame, selfSize,
 * id, children}, samples}`, with no `startTime`, `timeDeltas` or `nodes`), whatever the file is
 * named: DevTools saves one under any name. What opens in the allocation view, not as CPU time.
 */
export function isHeapProfileStart(head: Uint8Array): boolean {
  if (head[firstByte(head)] !== 0x7b) return false;
  return topKeys(head, (key) => DECISIVE.has(key))?.at(-1) === 'head' && isHeapProfileHead(head);
}

function unknown(what: string): ProfileError {
  return new ProfileError('(file)', `is of an unknown format: ${what}`);
}

/**
 * A sampling heap profile's head has `selfSize` where a CPU profile's (the old format's, whose
 * first key is `head` too) has `hitCount`, and no times (`timestamps`, `startTime`).
 */
function isHeapProfileHead(bytes: Uint8Array): boolean {
  const probe = new TextDecoder().decode(bytes.subarray(0, 4096));
  return (
    /"selfSize"\s*:/.test(probe) &&
    !/"(timestamps|timeDeltas|startTime|hitCount|nodes)"\s*:/.test(probe)
  );
}

/** A protobuf message whose first key is one of profile.proto's length-delimited fields 1–6. */
function looksLikeProtobuf(bytes: Uint8Array): boolean {
  const key = bytes[0];
  return key !== undefined && (key & 7) === 2 && key >> 3 >= 1 && key >> 3 <= 6;
}
