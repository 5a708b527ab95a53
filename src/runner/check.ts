import { HotpathError } from '../vocabulary/errors';
import { isOptionKey, type OptionKey } from '../vocabulary/options';

/**
 * Throws BAD_OPTION naming the option (or the field of a preset) at fault: `label` leads the
 * message; `option`, the option's key, is the label's own when it is one.
 */
export function bad(
  label: string,
  message: string,
  option: OptionKey | undefined = isOptionKey(label) ? label : undefined,
): never {
  throw new HotpathError('BAD_OPTION', `${label}: ${message}`, option);
}

export interface NumberRule {
  min: number;
  max: number;
  integer?: boolean;
  exclusiveMin?: boolean;
}

/** Connections (or users) of a load: whole, 1 to 10,000. */
export const CONNECTIONS_RULE: NumberRule = { min: 1, max: 10_000, integer: true };
/** A load's length in seconds: more than 0, at most an hour. */
export const SECONDS_RULE: NumberRule = { min: 0, max: 3600, exclusiveMin: true };
/** A rate per second (requests per connection, users joining): more than 0. */
export const RATE_RULE: NumberRule = { min: 0, max: 1e6, exclusiveMin: true };

/** The value if it is a number within the rule, undefined if absent; throws BAD_OPTION otherwise. */
export function checkNumber(
  label: string,
  value: number | undefined,
  { min, max, integer, exclusiveMin }: NumberRule,
  option?: OptionKey,
): number | undefined {
  if (value === undefined) return undefined;
  const what = integer ? 'a whole number' : 'a number';
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value))
  ) {
    bad(label, `must be ${what}, got ${JSON.stringify(value)}`, option);
  }
  if (exclusiveMin ? value <= min : value < min) {
    bad(label, `must be ${exclusiveMin ? 'more than' : 'at least'} ${min}, got ${value}`, option);
  }
  if (value > max) bad(label, `must be at most ${max}, got ${value}`, option);
  return value;
}

/** Like checkNumber, for a value that must be there. */
export function requireNumber(
  label: string,
  value: unknown,
  rule: NumberRule,
  option?: OptionKey,
): number {
  if (value === undefined || value === null) bad(label, 'is missing', option);
  return checkNumber(label, value as number, rule, option) as number;
}

/** True for addresses of this machine's loopback: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}
