import { HotpathError } from '../vocabulary/errors';

/** Throws BAD_OPTION naming the option (or the field of a preset) at fault. */
export function bad(option: string, message: string): never {
  throw new HotpathError('BAD_OPTION', `${option}: ${message}`, option);
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
  option: string,
  value: number | undefined,
  { min, max, integer, exclusiveMin }: NumberRule,
): number | undefined {
  if (value === undefined) return undefined;
  const what = integer ? 'a whole number' : 'a number';
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value))
  ) {
    bad(option, `must be ${what}, got ${JSON.stringify(value)}`);
  }
  if (exclusiveMin ? value <= min : value < min) {
    bad(option, `must be ${exclusiveMin ? 'more than' : 'at least'} ${min}, got ${value}`);
  }
  if (value > max) bad(option, `must be at most ${max}, got ${value}`);
  return value;
}

/** Like checkNumber, for a value that must be there. */
export function requireNumber(option: string, value: unknown, rule: NumberRule): number {
  if (value === undefined || value === null) bad(option, 'is missing');
  return checkNumber(option, value as number, rule) as number;
}
