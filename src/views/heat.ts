/**
 * How hot a hot line is painted: by its share of the run's time, on a fixed scale, never relative
 * to the hottest line of its file. After a fix, a line at 0.4 % of the run stays pale; only a line
 * that takes a fifth of the run is painted the hottest colour. Pure, so that it is tested without
 * VS Code.
 */
import { share as shareText } from '../report/units';

/** The lowest share of the run's time of each level above the first (the first starts at the threshold). */
export const HEAT_BOUNDS = [0.01, 0.05, 0.1, 0.2] as const;

/** Levels of heat: 1 (palest, from `hotpath.hotLineThreshold`) to 5 (hottest, 20 % and more). */
export const HEAT_LEVELS = HEAT_BOUNDS.length + 1;

/**
 * The heat level of a line (1..HEAT_LEVELS) from its share of the run's time (0..1), or 0 when
 * it is below `threshold` and gets no heat.
 */
export function heatLevel(share: number, threshold: number): number {
  if (!(share >= threshold) || share <= 0) return 0;
  let level = 1;
  for (const bound of HEAT_BOUNDS) if (share >= bound) level++;
  return level;
}

/**
 * The scale the hover's legend names (hotLines.ts puts it in a sentence of the user's language):
 * the levels' bounds, hottest first, and where the palest starts.
 */
export function heatScale(threshold: number): { bounds: string; palest: string } {
  return {
    bounds: [...HEAT_BOUNDS]
      .reverse()
      .map((b) => `≥ ${wholeShare(b)}`)
      .join(', '),
    palest: shareText(threshold),
  };
}

/** "20 %" rather than "20.0 %" for the round bounds of the scale. */
function wholeShare(fraction: number): string {
  const percent = fraction * 100;
  return Number.isInteger(percent) ? `${percent} %` : shareText(fraction);
}
