/**
 * Numbers and units as Hotpath prints them, on every surface: times (ms/µs), shares, ratios,
 * changes, sizes. Pure.
 */
import type { Comparison } from '../profile/compare';

export const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const one = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** Milliseconds: "1,518 ms", "50.2 ms"; under one, microseconds ("420 µs", "4.2 µs"), never "0 ms". */
export function ms(value: number): string {
  if (value >= 100) return `${int.format(value)} ms`;
  if (value >= 1 || value <= 0) return `${one.format(value)} ms`;
  const us = value * 1000;
  return us >= 10 ? `${int.format(us)} µs` : `${one.format(us)} µs`;
}

/** Milliseconds that may be a few microseconds (a lock held an instant): the same as `ms`. */
export const fineMs = ms;

/** A share of a whole (0..1) as a percentage: "12.3 %". */
export function share(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

/** A ratio of two figures (after ÷ before): "0.52x", "49.3x"; "–" when there is none. */
export function ratio(value: number | undefined): string {
  return value === undefined ? '–' : `${value >= 10 ? one.format(value) : value.toFixed(2)}x`;
}

/** A relative change, whole per cent: "+12 %", "−40 %". */
export function change(fraction: number): string {
  const percent = Math.round(fraction * 100);
  return percent < 0 ? `−${-percent} %` : `+${percent} %`;
}

/** An amount of a comparison: a share of the profile, or µs (per request) as milliseconds. */
export function amount(value: number, unit: Comparison['unit']): string {
  return unit === 'share' ? share(value) : fineMs(value / 1000);
}

/** A time per request when the run counted its requests, else for the whole run: "16.2 ms/req". */
export function timePerRequest(us: number, requests: number | undefined): string {
  return requests ? `${ms(us / 1000 / requests)}/req` : ms(us / 1000);
}

/**
 * A size in bytes: "3.4 GB", "1.2 MB", "340 KB", "4.5 KB", "910 B". Sizes per request are
 * estimates from samples and rarely whole: never more digits than these.
 */
export function bytes(value: number): string {
  if (value >= 1 << 30) return `${one.format(value / (1 << 30))} GB`;
  if (value >= 1 << 20) return `${one.format(value / (1 << 20))} MB`;
  if (value >= 10 << 10) return `${int.format(value / (1 << 10))} KB`;
  if (value >= 1 << 10) return `${one.format(value / (1 << 10))} KB`;
  return `${int.format(value)} B`;
}

/** An amount of a comparison, "none" for nothing (never "0 ms"). */
export function amountOrNone(value: number, unit: Comparison['unit']): string {
  return value > 0 ? amount(value, unit) : 'none';
}

/** Text cut to `width` from the left ("…tail"), for a table's column. */
export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;
}
