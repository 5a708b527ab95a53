/**
 * A gzipped file decompressed chunk by chunk, synchronously, in bounded memory. Node's zlib
 * streams only asynchronously (its sync calls take and give whole buffers), and the readers are
 * synchronous (`loadRun`), so a small worker thread runs the stream (`createGunzip`) and hands its
 * output over through one shared buffer, waiting (`Atomics.wait`) while this thread reads it. The
 * memory is the shared buffer's, whatever the file's size; the cap (`gzipCap`: a ratio and an
 * absolute bound) is counted as the bytes come, so a gzip bomb is stopped as it crosses it.
 */
import { Worker } from 'node:worker_threads';
import { ProfileError } from '../profile/cpuprofile';
import { gzipBomb } from '../profile/formats/gzip';

/** The shared buffer's data bytes: one hand-over at a time. */
const CHUNK_BYTES = 4 * 1024 * 1024;

// The control words: the state, the length handed over.
const STATE = 0;
const LENGTH = 1;
const EMPTY = 0;
const FULL = 1;
const DONE = 2;
const FAILED = 3;
const STOPPED = 4;
/** How long the reader waits for a chunk before it gives up: the worker must have died. */
const STALL_MS = 120_000;

/** The worker, as code (no file of its own to bundle): the stream, copied into the buffer. */
const WORKER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const zlib = require('node:zlib');
const { file, shared } = workerData;
const control = new Int32Array(shared, 0, 2);
const data = new Uint8Array(shared, 8);
// Waits while the reader holds the buffer; ends the thread when it has stopped reading.
const ready = () => {
  Atomics.wait(control, 0, 1);
  if (Atomics.load(control, 0) === 4) process.exit(0);
};
const handOver = (state, length) => {
  ready();
  control[1] = length;
  Atomics.store(control, 0, state);
  Atomics.notify(control, 0);
};
(async () => {
  try {
    const gunzip = fs.createReadStream(file).pipe(zlib.createGunzip({ chunkSize: 1 << 20 }));
    for await (const chunk of gunzip) {
      for (let at = 0; at < chunk.length; at += data.length) {
        const piece = chunk.subarray(at, at + data.length);
        ready();
        data.set(piece);
        handOver(1, piece.length);
      }
    }
    handOver(2, 0);
  } catch (error) {
    const message = new TextEncoder().encode(String(error && error.message || error));
    ready();
    data.set(message.subarray(0, data.length));
    handOver(3, Math.min(message.length, data.length));
  }
})();
`;

/**
 * Calls `take` with each decompressed chunk of `file` (a view valid until `take` returns), in
 * order; throws a ProfileError when the output passes `cap` bytes or the file is not gzip.
 */
export function gunzipChunks(
  file: string,
  compressedBytes: number,
  cap: number,
  take: (chunk: Uint8Array) => void,
): void {
  const shared = new SharedArrayBuffer(8 + CHUNK_BYTES);
  const control = new Int32Array(shared, 0, 2);
  const data = new Uint8Array(shared, 8);
  const worker = new Worker(WORKER, { eval: true, workerData: { file, shared } });
  worker.unref();
  let total = 0;
  try {
    for (;;) {
      if (Atomics.wait(control, STATE, EMPTY, STALL_MS) === 'timed-out')
        throw new ProfileError(
          '(gzip)',
          `gave no bytes for ${STALL_MS / 1000} s: decompression stopped`,
        );
      const state = Atomics.load(control, STATE);
      const length = control[LENGTH];
      if (state === DONE) return;
      if (state === FAILED)
        throw new ProfileError(
          '(gzip)',
          `is not valid gzip: ${new TextDecoder().decode(data.subarray(0, length))}`,
        );
      if (state !== FULL) continue;
      total += length;
      if (total > cap) throw gzipBomb(cap, compressedBytes);
      take(data.subarray(0, length));
      Atomics.store(control, STATE, EMPTY);
      Atomics.notify(control, STATE);
    }
  } finally {
    // Wakes the worker if it waits, to end itself; terminate() for one that is still reading.
    Atomics.store(control, STATE, STOPPED);
    Atomics.notify(control, STATE);
    void worker.terminate();
  }
}
