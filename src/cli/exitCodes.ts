import { LOCUST_EXIT_CODES } from '../vocabulary/locust';

/** Locust's own exit statuses, as Hotpath reads them for a `--locustfile` load (not Hotpath's). */
export { LOCUST_EXIT_CODES };

/**
 * The CLI's exit codes: one table, the data `--help` prints and the README's table is checked
 * against (test/unit/exitCodes.test.ts).
 */
export const EXIT = {
  /** The command did what it was asked; for `compare`, every gate passed. */
  ok: 0,
  /** A run failed or was cancelled, a saved run could not be read, or a `compare --fail-if` gate failed. */
  failed: 1,
  /** Bad usage: an unknown command or option, a value out of range. */
  usage: 2,
  /** The load got no responses, or under a tenth of its warm-up's rate: no result, no diagnosis. */
  measuredNothing: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Each exit code with what it means, in order: for `--help` and the README. */
export const EXIT_CODES: readonly { code: ExitCode; meaning: string }[] = [
  { code: EXIT.ok, meaning: 'done; for compare, every --fail-if gate passed' },
  {
    code: EXIT.failed,
    meaning:
      'the run failed or was cancelled (its folder says so), a run could not be read, or a compare --fail-if gate failed',
  },
  { code: EXIT.usage, meaning: 'bad usage: an unknown command or option, a value out of range' },
  {
    code: EXIT.measuredNothing,
    meaning:
      "the run measured nothing: the load got no responses, or under a tenth of its warm-up's rate; no diagnosis is printed",
  },
];
