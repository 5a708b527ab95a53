/**
 * Profile files read from disk in any format (`src/profile/formats/`), and a folder of profiles
 * that is not a run folder (what `node --cpu-prof --cpu-prof-dir=…` leaves: one file per process
 * or worker thread) read as one profile with a frame per process and thread.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { ProfileError } from '../profile/cpuprofile';
import {
  isHeapProfileStart,
  isTraceStart,
  type ReadResult,
  readAnyProfile,
} from '../profile/formats/detect';
import { gzipCap, isGzip } from '../profile/formats/gzip';
import { mergeThreads, type ThreadProfile } from '../profile/formats/threads';
import { TraceReader } from '../profile/formats/traceEvents';
import { HEAP_PROFILE_NAME } from '../record/heap';
import { HotpathError, messageOf } from '../vocabulary/errors';
import { gunzipChunks } from './gunzipChunks';

/** The bytes read at a time from a trace, and the most a file's head is probed for its format. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A file read as a profile. A trace-event JSON is read in chunks (`TraceReader`), so a trace of
 * any size (a 500 MB Performance recording is near V8's longest string) takes the memory of its
 * profiles, not of the file; anything else is read whole, as bytes, and let go once read.
 */
export function readProfileAt(file: string): ReadResult {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const head = new Uint8Array(Math.min(CHUNK_BYTES, size));
    const got = fs.readSync(fd, head, 0, head.length, 0);
    if (isTraceStart(head.subarray(0, got))) return readTraceChunks(fd, head.subarray(0, got));
    if (isGzip(head.subarray(0, got))) return readGzipped(file, size);
  } catch (error) {
    if (error instanceof ProfileError) throw error;
    throw new HotpathError('FILES', `cannot read ${file}: ${messageOf(error)}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new HotpathError('FILES', `cannot read ${file}: ${messageOf(error)}`);
  }
  return readAnyProfile(bytes);
}

/** The bytes of a file's head probed for a heap profile (gzipped: the bytes it expands to, at most). */
const HEAP_PROBE_BYTES = 64 * 1024;

/**
 * Whether a file is a sampling heap profile, read in the allocation view: by its name
 * (`.heapprofile`, `.heapprofile.gz`), or else by its first bytes, gzipped or not, since DevTools
 * saves one under any name (`.json`). A file that cannot be read is not one: its reader says why.
 */
export function isHeapProfileFile(file: string): boolean {
  if (HEAP_PROFILE_NAME.test(file)) return true;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = new Uint8Array(HEAP_PROBE_BYTES);
    const got = fs.readSync(fd, head, 0, head.length, 0);
    const bytes = head.subarray(0, got);
    if (!isGzip(bytes)) return isHeapProfileStart(bytes);
    // The head of the stream only: what its first bytes expand to, flushed without its end.
    const inner = gunzipSync(bytes.subarray(0, 4096), {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: HEAP_PROBE_BYTES * 64,
    });
    return isHeapProfileStart(inner.subarray(0, HEAP_PROBE_BYTES));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function readTraceChunks(fd: number, head: Uint8Array): ReadResult {
  const reader = new TraceReader();
  reader.push(head);
  const chunk = new Uint8Array(CHUNK_BYTES);
  let position = head.length;
  for (;;) {
    const got = fs.readSync(fd, chunk, 0, chunk.length, position);
    if (got === 0) break;
    reader.push(chunk.subarray(0, got));
    position += got;
  }
  const threads = reader.threads();
  return { profile: mergeThreads(threads), threads, format: 'trace events', gzipped: false };
}

/**
 * A gzipped file, decompressed as it is read (`gunzipChunks`, capped): a trace goes chunk by chunk
 * into the trace reader, so a 500 MB trace gzipped takes the memory of its profiles; anything
 * else is gathered and read whole, as before.
 */
function readGzipped(file: string, size: number): ReadResult {
  let reader: TraceReader | undefined;
  let gathered: Uint8Array[] | undefined;
  gunzipChunks(file, size, gzipCap(size), (chunk) => {
    if (reader) return reader.push(chunk);
    if (gathered) {
      gathered.push(chunk.slice());
      return;
    }
    if (isTraceStart(chunk)) {
      reader = new TraceReader();
      reader.push(chunk);
    } else gathered = [chunk.slice()];
  });
  if (reader) {
    const threads = reader.threads();
    return { profile: mergeThreads(threads), threads, format: 'trace events', gzipped: true };
  }
  const bytes = Buffer.concat(gathered ?? []);
  if (isGzip(bytes)) throw new ProfileError('(gzip)', 'holds gzip again: refused');
  return { ...readAnyProfile(bytes), gzipped: true };
}

/** File names a folder of profiles holds. */
const PROFILE_FILE = /\.(cpuprofile|pb|pprof)(\.gz)?$/;
/** Node's name for a `--cpu-prof` file: CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile */
const NODE_CPU_PROF = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.(\d+)\.cpuprofile$/;

/** The profile files of a folder, in name order; empty when it has none. */
export function profilesIn(folder: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  return names.filter((name) => PROFILE_FILE.test(name)).sort();
}

/** The profiles of a folder as one, a frame per file (its process and thread when Node named it). */
export function readProfileFolder(folder: string, files: readonly string[]): ReadResult {
  const threads: ThreadProfile[] = files.map((name) => {
    const file = path.join(folder, name);
    let read: ReadResult;
    try {
      read = readProfileAt(file);
    } catch (error) {
      if (error instanceof ProfileError)
        throw new ProfileError(
          `${name}:${error.field}`,
          messageOf(error).slice(`invalid profile: ${error.field} `.length),
        );
      throw error;
    }
    const node = NODE_CPU_PROF.exec(name);
    if (!node) return { label: name, profile: read.profile };
    const [pid, tid] = [Number(node[1]), Number(node[2])];
    return {
      label: `pid ${pid}, ${tid === 0 ? 'main thread' : `thread ${tid}`}`,
      pid,
      tid,
      profile: read.profile,
    };
  });
  return { profile: mergeThreads(threads), format: 'cpuprofile', gzipped: false, threads };
}

/** The profile of a file, or of a folder of profiles, as `loadRun` read it. */
export function readProfileTarget(target: string): ReadResult {
  if (fs.statSync(target).isDirectory()) return readProfileFolder(target, profilesIn(target));
  return readAnyProfile(fs.readFileSync(target));
}
