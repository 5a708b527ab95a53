/**
 * gzip input, decompressed with a cap: a file may expand to at most `RATIO` times its compressed
 * size (but always to `FLOOR_BYTES`, so a small file of repetitive JSON is read) and never beyond
 * `MAX_BYTES`. A gzip bomb (deflate reaches about 1000:1) hits the ratio long before it fills the
 * memory; a real profile (JSON compresses 5–30:1, a 500 MB trace to 20–100 MB) is under both.
 */
import { gunzipSync } from 'node:zlib';
import { ProfileError } from '../cpuprofile';

/** Expansion allowed beyond `FLOOR_BYTES`, decompressed bytes per compressed byte. */
export const RATIO = 200;
/** Expansion always allowed, whatever the ratio. */
export const FLOOR_BYTES = 64 * 1024 * 1024;
/** The absolute bound: 1 GiB, twice the largest trace DevTools writes. */
export const MAX_BYTES = 1024 * 1024 * 1024;

export const isGzip = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** The largest output a gzip input of `compressed` bytes may expand to. */
export function gzipCap(compressed: number): number {
  return Math.min(MAX_BYTES, Math.max(FLOOR_BYTES, compressed * RATIO));
}

/** The error for an input that expands beyond its cap. */
export function gzipBomb(cap: number, compressed: number): ProfileError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
  return new ProfileError(
    '(gzip)',
    `expands beyond ${mb(cap)} from ${compressed} compressed bytes (more than ${RATIO}:1 or ${mb(MAX_BYTES)}): refused as a gzip bomb`,
  );
}

/** The decompressed bytes, or a ProfileError naming the cap it hit or why it is not gzip. */
export function gunzipCapped(bytes: Uint8Array, cap = gzipCap(bytes.length)): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: cap });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
      throw gzipBomb(cap, bytes.length);
    throw new ProfileError(
      '(gzip)',
      `is not valid gzip: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
