/**
 * Locust as a load engine: its exit statuses (2.12, read from its main.py) and how to install
 * it, for the runner's errors, the CLI's `--help` (src/cli/exitCodes.ts lists them with
 * Hotpath's own) and the README.
 */

/** What each exit status of a Locust process that Hotpath ended with SIGTERM means. */
export const LOCUST_EXIT_CODES: readonly { code: number; meaning: string }[] = [
  { code: 0, meaning: 'Locust: every request succeeded' },
  {
    code: 1,
    meaning:
      'Locust: some requests failed or a user raised (its --exit-code-on-error), or it could not start (a bad locustfile or option); the run says which, and fails only in the second case',
  },
  { code: 2, meaning: 'Locust: an unhandled error in one of its greenlets' },
];

/** What Locust's exit status says, in words (null: it was killed by a signal). */
export function locustExitMeaning(code: number | null): string {
  if (code === null) return 'Locust was killed by a signal';
  return (
    LOCUST_EXIT_CODES.find((c) => c.code === code)?.meaning ?? `Locust exited with code ${code}`
  );
}

/** How to get Locust where Hotpath looks for it. */
export const LOCUST_INSTALL =
  'install it (`sudo apt install python3-locust` on Debian and Ubuntu, or `pip install locust`) or name its command';
