import type { OptionKey } from './options';
import { forSurface } from './words';

/** What went wrong, in words a user can act on, with a stable code for programs. */
export type ErrorCode =
  | 'BAD_OPTION'
  | 'REMOTE_TARGET'
  /** An inspector address (--attach) off this machine's loopback, without its own flag. */
  | 'REMOTE_INSPECTOR'
  /** Attaching to a running service's inspector failed, or it is not the one serving the URL. */
  | 'ATTACH'
  | 'TARGET_EXITED'
  | 'TARGET_NOT_READY'
  | 'TARGET_NOT_OURS'
  /** The service listens where Hotpath cannot load it: IPv6 only, not on loopback. */
  | 'LISTEN_ADDRESS'
  /** It listens on another port than --url's. */
  | 'WRONG_PORT'
  /** Without --url, it listens on several ports. */
  | 'SEVERAL_PORTS'
  /** It listens on a unix socket only. */
  | 'UNIX_SOCKET'
  /** No process of the command loaded the agent (NODE_OPTIONS replaced). */
  | 'NO_AGENT'
  /** Every request of the warm-up failed (404, 500, refused), without --allow-errors. */
  | 'WARMUP_ERRORS'
  /**
   * The load got no responses, or under a tenth of its warm-up's rate: the window measured the
   * warm-up's backlog, not the load. The profile is kept; it is not a result.
   */
  | 'MEASURED_NOTHING'
  /** An https target whose certificate Node does not trust, without --insecure. */
  | 'TLS_UNTRUSTED'
  | 'AGENT'
  | 'LOAD'
  /** `--locustfile` without a `locust` command where Hotpath looks for one. */
  | 'LOCUST_MISSING'
  /** Locust's workers did not all join, or its users did not all start, in time. */
  | 'LOCUST_WORKERS'
  | 'CANCELLED'
  | 'FILES';

export class HotpathError extends Error {
  override readonly name = 'HotpathError';
  /** The message with its option references kept (see ./words.ts): `forSurface(error, surface)`. */
  readonly words: string;
  constructor(
    readonly code: ErrorCode,
    /** Words that may refer to options (`optionRef`); `message` is them as the CLI prints them. */
    words: string,
    /** For BAD_OPTION: the option at fault. */
    readonly option?: OptionKey,
  ) {
    super(forSurface(words, 'cli'));
    this.words = words;
  }
}

export function isCancelled(error: unknown): boolean {
  return error instanceof HotpathError && error.code === 'CANCELLED';
}

/** Throws the cancellation error if the signal has fired. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HotpathError('CANCELLED', 'the run was cancelled');
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
