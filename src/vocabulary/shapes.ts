/**
 * Load shapes as words and data: the kinds, a ramp's defaults, and a shape described for menus
 * and headers. Checking a shape and turning it into phases is the runner's (runner/shapes.ts).
 */

import type { LoadShape, ShapeKind } from '../record/load';

export const SHAPE_KINDS: readonly ShapeKind[] = ['constant', 'users', 'ramp', 'spike'];

export const RAMP_DEFAULTS = { from: 1, factor: 2, stepSec: 2, minGrowth: 0.1, patience: 2 };

const one = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** "1 → 64 connections, ×2 every 2 s, until req/s stop rising": for menus and headers. */
export function describeShape(shape: LoadShape): string {
  switch (shape.kind) {
    case 'constant':
      return `${shape.connections} connections${
        shape.connectionRate !== undefined ? ` at ≤ ${one(shape.connectionRate)} req/s each` : ''
      } for ${one(shape.durationSec)} s`;
    case 'users':
      return `${shape.users} users${
        shape.waitSec > 0 ? `, one request every ${one(shape.waitSec)} s each` : ''
      }${shape.spawnRate !== undefined ? `, ${one(shape.spawnRate)} joining a second` : ''}, for ${one(shape.durationSec)} s`;
    case 'ramp':
      return `${shape.from} → ${shape.to} connections, ×${one(shape.factor)} every ${one(shape.stepSec)} s, until req/s stop rising${
        shape.maxP99Ms !== undefined ? ` or p99 passes ${one(shape.maxP99Ms)} ms` : ''
      }`;
    case 'spike':
      return `${shape.connections} connections for ${one(shape.durationSec)} s, ${shape.spikeConnections} more from ${one(shape.spikeAtSec)} s for ${one(shape.spikeSec)} s`;
  }
}
