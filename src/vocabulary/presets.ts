/** The built-in load presets, as data: a name, its words and its shape. */

import type { LoadShape } from '../record/load';
import { describeShape } from './shapes';

/** A named load shape. The extension's settings use the same data (see `checkPresets`). */
export interface LoadPreset {
  name: string;
  description: string;
  shape: LoadShape;
  /** A preset of kind `locust` (settings): the user's locustfile under Locust is the load. */
  locust?: LocustPreset;
}

/** A `locust` preset's fields: the locustfile (relative to the workspace) and its users. */
export interface LocustPreset {
  locustfile: string;
  users?: number;
  spawnRate?: number;
  loadWorkers?: number;
  durationSec?: number;
}

const preset = (
  name: string,
  shape: LoadShape,
  description = describeShape(shape),
): LoadPreset => ({
  name,
  description,
  shape,
});

export const PRESETS: readonly LoadPreset[] = [
  preset(
    'walkthrough',
    { kind: 'constant', connections: 50, durationSec: 10 },
    "50 connections for 10 s: the walk-through's /read vs /fast lesson, no timeouts",
  ),
  preset('quick', { kind: 'constant', connections: 50, durationSec: 3 }),
  preset(
    'locust-like',
    { kind: 'users', users: 200, waitSec: 0.5, durationSec: 10 },
    '200 users, each sending at most one request every 0.5 s, for 10 s',
  ),
  preset(
    'locust-1000',
    { kind: 'users', users: 1000, waitSec: 1, durationSec: 10 },
    '1,000 users, each sending at most one request per second, for 10 s (/read times out: by design)',
  ),
  preset(
    'users',
    { kind: 'users', users: 100, waitSec: 0.1, spawnRate: 20, durationSec: 10 },
    '100 users joining 20 a second, each sending at most one request every 0.1 s, for 10 s',
  ),
  preset(
    'ramp',
    { kind: 'ramp', from: 1, to: 1024, factor: 2, stepSec: 2, minGrowth: 0.1, patience: 2 },
    '1 → 1,024 connections, doubling every 2 s, until req/s stop rising: finds the saturation knee',
  ),
  preset(
    'spike',
    {
      kind: 'spike',
      connections: 10,
      spikeConnections: 200,
      durationSec: 10,
      spikeAtSec: 4,
      spikeSec: 2,
    },
    '10 connections for 10 s with 200 more from 4 s to 6 s',
  ),
  preset(
    'saturate',
    { kind: 'constant', connections: 100, durationSec: 10 },
    '100 connections flat out for 10 s',
  ),
];

/** The user's presets (`extra`, from settings) and the built-in ones they do not replace. */
export function allPresets(extra: readonly LoadPreset[] = []): LoadPreset[] {
  return [...extra, ...PRESETS.filter((p) => !extra.some((e) => e.name === p.name))];
}
