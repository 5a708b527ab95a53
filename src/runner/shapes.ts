/**
 * Load shapes: how many connections hit the endpoint, and when. A shape is data (the presets of
 * the CLI and of the extension's settings are shapes with a name), checked here with errors that
 * name the field, and turned into phases: autocannon runs of a fixed number of connections, run
 * side by side (users, spike) or one after another (ramp). Pure.
 */

import type { Knee, LoadShape, RampShape, RampStep } from '../record/load';
import type { OptionKey } from '../vocabulary/options';
import { RAMP_DEFAULTS, SHAPE_KINDS } from '../vocabulary/shapes';
import {
  bad,
  CONNECTIONS_RULE,
  checkNumber,
  RATE_RULE,
  requireNumber,
  SECONDS_RULE,
} from './check';

const MAX_CONNECTIONS = CONNECTIONS_RULE.max;

/**
 * Checks a shape given as data (settings, `--shape`): `kind` (constant when absent) and the fields
 * of that kind. Throws BAD_OPTION naming `label` and the field.
 */
export function checkShape(raw: unknown, label: string, option: OptionKey = 'shape'): LoadShape {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    bad(label, 'must be an object such as {"kind": "ramp", "to": 64}', option);
  const s = raw as Record<string, unknown>;
  const kind = s.kind ?? 'constant';
  const field = (name: string) => `${label}: ${name}`;
  switch (kind) {
    case 'constant': {
      const kind = 'constant' as const;
      const connectionRate = checkNumber(
        field('connectionRate'),
        s.connectionRate as number,
        RATE_RULE,
        option,
      );
      return {
        kind,
        connections: requireNumber(field('connections'), s.connections, CONNECTIONS_RULE, option),
        durationSec: requireNumber(field('durationSec'), s.durationSec, SECONDS_RULE, option),
        ...(connectionRate !== undefined ? { connectionRate } : {}),
      };
    }
    case 'users': {
      const kind = 'users' as const;
      const users = requireNumber(field('users'), s.users, CONNECTIONS_RULE, option);
      const durationSec = requireNumber(field('durationSec'), s.durationSec, SECONDS_RULE, option);
      const waitSec = requireNumber(
        field('waitSec'),
        s.waitSec ?? 0,
        { min: 0, max: 3600 },
        option,
      );
      const spawnRate = checkNumber(field('spawnRate'), s.spawnRate as number, RATE_RULE, option);
      if (spawnRate !== undefined && users / spawnRate >= durationSec)
        bad(
          field('spawnRate'),
          `${users} users at ${spawnRate} a second take ${users / spawnRate} s to join, ` +
            `not less than durationSec (${durationSec} s)`,
          option,
        );
      return {
        kind,
        users,
        waitSec,
        ...(spawnRate !== undefined ? { spawnRate } : {}),
        durationSec,
      };
    }
    case 'ramp': {
      const kind = 'ramp' as const;
      const from = requireNumber(
        field('from'),
        s.from ?? RAMP_DEFAULTS.from,
        CONNECTIONS_RULE,
        option,
      );
      const to = requireNumber(field('to'), s.to, CONNECTIONS_RULE, option);
      if (to <= from) bad(field('to'), `must be more than from (${from}), got ${to}`, option);
      const factor = requireNumber(
        field('factor'),
        s.factor ?? RAMP_DEFAULTS.factor,
        {
          min: 1,
          max: 100,
          exclusiveMin: true,
        },
        option,
      );
      const stepSec = requireNumber(
        field('stepSec'),
        s.stepSec ?? RAMP_DEFAULTS.stepSec,
        {
          min: 0.5,
          max: 600,
        },
        option,
      );
      const minGrowth = requireNumber(
        field('minGrowth'),
        s.minGrowth ?? RAMP_DEFAULTS.minGrowth,
        {
          min: 0,
          max: 10,
          exclusiveMin: true,
        },
        option,
      );
      const patience = requireNumber(
        field('patience'),
        s.patience ?? RAMP_DEFAULTS.patience,
        {
          min: 1,
          max: 100,
          integer: true,
        },
        option,
      );
      const maxP99Ms = checkNumber(
        field('maxP99Ms'),
        s.maxP99Ms as number,
        {
          min: 0,
          max: 600_000,
          exclusiveMin: true,
        },
        option,
      );
      return {
        kind,
        from,
        to,
        factor,
        stepSec,
        minGrowth,
        patience,
        ...(maxP99Ms !== undefined ? { maxP99Ms } : {}),
      };
    }
    case 'spike': {
      const kind = 'spike' as const;
      const connections = requireNumber(
        field('connections'),
        s.connections,
        CONNECTIONS_RULE,
        option,
      );
      const spikeConnections = requireNumber(
        field('spikeConnections'),
        s.spikeConnections,
        CONNECTIONS_RULE,
        option,
      );
      if (connections + spikeConnections > MAX_CONNECTIONS)
        bad(
          field('spikeConnections'),
          `with connections, must be at most ${MAX_CONNECTIONS}`,
          option,
        );
      const durationSec = requireNumber(field('durationSec'), s.durationSec, SECONDS_RULE, option);
      const spikeAtSec = requireNumber(
        field('spikeAtSec'),
        s.spikeAtSec,
        { min: 0, max: 3600 },
        option,
      );
      const spikeSec = requireNumber(field('spikeSec'), s.spikeSec, SECONDS_RULE, option);
      if (spikeAtSec + spikeSec > durationSec)
        bad(
          field('spikeSec'),
          `the spike (${spikeAtSec} s + ${spikeSec} s) must end within durationSec (${durationSec} s)`,
          option,
        );
      return { kind, connections, spikeConnections, durationSec, spikeAtSec, spikeSec };
    }
    default:
      bad(
        field('kind'),
        `must be one of ${SHAPE_KINDS.join(', ')}; got ${JSON.stringify(kind)}`,
        option,
      );
  }
}

/** One autocannon run of a shape: `connections` from `startSec` for `durationSec`. */
export interface Phase {
  startSec: number;
  durationSec: number;
  connections: number;
  connectionRate?: number;
}

/** The connection counts of a ramp's steps: from, from × factor, …, to. */
export function rampSteps(shape: RampShape): number[] {
  const steps = [shape.from];
  while (steps[steps.length - 1] < shape.to) {
    const last = steps[steps.length - 1];
    steps.push(Math.min(shape.to, Math.max(last + 1, Math.round(last * shape.factor))));
  }
  return steps;
}

/**
 * The phases of a shape that runs them side by side (all but the ramp, whose steps run one after
 * another and stop early: see `rampSteps`).
 */
export function concurrentPhases(shape: Exclude<LoadShape, RampShape>): Phase[] {
  switch (shape.kind) {
    case 'constant':
      return [
        {
          startSec: 0,
          durationSec: shape.durationSec,
          connections: shape.connections,
          ...(shape.connectionRate !== undefined ? { connectionRate: shape.connectionRate } : {}),
        },
      ];
    case 'spike':
      return [
        { startSec: 0, durationSec: shape.durationSec, connections: shape.connections },
        {
          startSec: shape.spikeAtSec,
          durationSec: shape.spikeSec,
          connections: shape.spikeConnections,
        },
      ];
    case 'users': {
      const rate = shape.waitSec > 0 ? { connectionRate: 1 / shape.waitSec } : {};
      const joinSec = shape.spawnRate === undefined ? 0 : shape.users / shape.spawnRate;
      // Users join in batches, one a second at most and twenty in all: each batch is an
      // autocannon run of its own, and a run per user would cost more than the users.
      const batches = Math.max(1, Math.min(20, Math.ceil(joinSec), shape.users));
      const phases: Phase[] = [];
      for (let k = 0; k < batches; k++) {
        const startSec = (k * joinSec) / batches;
        const connections =
          Math.round(((k + 1) * shape.users) / batches) - Math.round((k * shape.users) / batches);
        if (connections > 0)
          phases.push({
            startSec,
            durationSec: shape.durationSec - startSec,
            connections,
            ...rate,
          });
      }
      return phases;
    }
  }
}

/** The most connections open at once. */
export function peakConnections(shape: LoadShape): number {
  switch (shape.kind) {
    case 'constant':
      return shape.connections;
    case 'users':
      return shape.users;
    case 'ramp':
      return shape.to;
    case 'spike':
      return shape.connections + shape.spikeConnections;
  }
}

/** The longest the shape can last, in seconds (a ramp may stop sooner). */
export function plannedSeconds(shape: LoadShape): number {
  return shape.kind === 'ramp' ? rampSteps(shape).length * shape.stepSec : shape.durationSec;
}

/** The knee of a ramp's steps (at least one). Pure. */
export function findKnee(steps: readonly RampStep[], shape: RampShape): Knee {
  if (steps.length === 0) throw new Error('findKnee: a ramp has at least one step');
  let best = 0;
  let brokenAt: number | undefined;
  for (let i = 0; i < steps.length; i++) {
    if (brokenAt === undefined && shape.maxP99Ms !== undefined && steps[i].p99Ms > shape.maxP99Ms) {
      brokenAt = i;
    }
    // Steps past the latency bound do not count: throughput bought with broken latency is not had.
    if (brokenAt !== undefined) continue;
    if (i > 0 && steps[i].requestsPerSec >= steps[best].requestsPerSec * (1 + shape.minGrowth))
      best = i;
  }
  const knee = steps[best];
  return {
    step: best,
    connections: knee.connections,
    requestsPerSec: knee.requestsPerSec,
    p99Ms: knee.p99Ms,
    growth: steps[0].requestsPerSec > 0 ? knee.requestsPerSec / steps[0].requestsPerSec : 1,
    stillRising: best === steps.length - 1 && steps.length > 1 && brokenAt === undefined,
    ...(brokenAt !== undefined ? { p99BrokenAt: brokenAt } : {}),
  };
}

/** Whether a ramp should stop after these steps: the bound broken, or no growth for `patience`. */
export function rampDone(steps: readonly RampStep[], shape: RampShape): boolean {
  const knee = findKnee(steps, shape);
  return knee.p99BrokenAt !== undefined || steps.length - 1 - knee.step >= shape.patience;
}
