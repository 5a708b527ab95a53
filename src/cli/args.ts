/** Reading the CLI's options: values that are not plain strings, and usage errors. */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Bad usage: exit code 2 and the command's help. */
export class UsageError extends Error {}

export function numberOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  // Unparsable text goes on as it is, so that validation names the option and the value.
  return value.trim() !== '' && Number.isFinite(parsed) ? parsed : (value as unknown as number);
}

/** "4,5": two ramp steps, as printed (1-based), to 0-based indexes. */
export function parseSteps(text: string): [number, number] {
  const match = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
  if (!match) throw new UsageError(`--steps: expected two step numbers such as 4,5; got "${text}"`);
  return [Number(match[1]) - 1, Number(match[2]) - 1];
}

export function parseShape(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(
      `--shape: expected JSON such as '{"kind":"ramp","to":64}', got ${JSON.stringify(text)}`,
    );
  }
}

export function parseHeaders(values: string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of values ?? []) {
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header: expected "Name: value", got "${raw}"`);
    headers[raw.slice(0, colon).trim()] = raw.slice(colon + 1).trim();
  }
  return headers;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `hotpath profile`'s options (its flags: the option table in vocabulary/options.ts names them). */
export const PROFILE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  service: { type: 'string' },
  url: { type: 'string' },
  'allow-remote': { type: 'boolean' },
  insecure: { type: 'boolean' },
  attach: { type: 'string' },
  'allow-remote-inspector': { type: 'boolean' },
  'attach-signal': { type: 'boolean' },
  'allow-errors': { type: 'boolean' },
  allocations: { type: 'boolean' },
  'ready-timeout': { type: 'string' },
  'agent-timeout': { type: 'string' },
  preset: { type: 'string' },
  shape: { type: 'string' },
  repeat: { type: 'string' },
  connections: { type: 'string', short: 'c' },
  duration: { type: 'string', short: 'd' },
  amount: { type: 'string' },
  rate: { type: 'string' },
  'overall-rate': { type: 'string' },
  method: { type: 'string', short: 'm' },
  header: { type: 'string', short: 'H', multiple: true },
  body: { type: 'string', short: 'b' },
  timeout: { type: 'string' },
  warmup: { type: 'string' },
  'drain-timeout': { type: 'string' },
  'max-processes': { type: 'string' },
  workers: { type: 'string' },
  locustfile: { type: 'string' },
  users: { type: 'string', short: 'u' },
  'spawn-rate': { type: 'string', short: 'r' },
  'load-workers': { type: 'string' },
  'load-workers-external': { type: 'string' },
  'master-bind': { type: 'string' },
  'locust-path': { type: 'string' },
  'sampling-interval': { type: 'string' },
  'stall-threshold': { type: 'string' },
  'no-profile': { type: 'boolean' },
  'no-locks': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies Options;

/** `hotpath compare`'s options. */
export const COMPARE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  markdown: { type: 'boolean' },
  html: { type: 'string' },
  'fail-if': { type: 'string', multiple: true },
  steps: { type: 'string' },
} as const satisfies Options;

/**
 * A command's arguments read against its options (`-h`/`--help` among them); undefined when
 * help was asked for, once it is printed.
 */
export function readArgs<const O extends Options, const P extends boolean = false>(
  args: string[],
  help: string,
  options: O,
  allowPositionals?: P,
) {
  const parsed = parseArgs({
    args,
    allowPositionals: (allowPositionals ?? false) as P,
    options,
  });
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${help}\n`);
    return undefined;
  }
  return parsed;
}
