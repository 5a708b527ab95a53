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
  type NumberRule,
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
  const fail = (name: string, message: string): never => bad(field(name), message, option);
  /** A field that must be there (or has a default). */
  const need = (name: string, rule: NumberRule, fallback?: number) =>
    requireNumber(field(name), s[name] ?? fallback, rule, option);
  /** A field that may be left out. */
  const may = (name: string, rule: NumberRule) =>
    checkNumber(field(name), s[name] as number, rule, option);
  switch (kind) {
    case 'constant': {
      const kind = 'constant' as const;
      const connectionRate = may('connectionRate', RATE_RULE);
      return {
        kind,
        connections: need('connections', CONNECTIONS_RULE),
        durationSec: need('durationSec', SECONDS_RULE),
        ...(connectionRate !== undefined ? { connectionRate } : {}),
      };
    }
    case 'users': {
      const kind = 'users' as const;
      const users = need('users', CONNECTIONS_RULE);
      const durationSec = need('durationSec', SECONDS_RULE);
      const waitSec = need('waitSec', { min: 0, max: 3600 }, 0);
      const spawnRate = may('spawnRate', RATE_RULE);
      if (spawnRate !== undefined && users / spawnRate >= durationSec)
        fail(
          'spawnRate',
          `${users} users at ${spawnRate} a second take ${users / spawnRate} s to join, ` +
            `not less than durationSec (${durationSec} s)`,
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
      const from = need('from', CONNECTIONS_RULE, RAMP_DEFAULTS.from);
      const to = need('to', CONNECTIONS_RULE);
      if (to <= from) fail('to', `must be more than from (${from}), got ${to}`);
      const factor = need('factor', { min: 1, max: 100, exclusiveMin: true }, RAMP_DEFAULTS.factor);
      const stepSec = need('stepSec', { min: 0.5, max: 600 }, RAMP_DEFAULTS.stepSec);
      const minGrowth = need(
        'minGrowth',
        { min: 0, max: 10, exclusiveMin: true },
        RAMP_DEFAULTS.minGrowth,
      );
      const patience = need(
        'patience',
        { min: 1, max: 100, integer: true },
        RAMP_DEFAULTS.patience,
      );
      const maxP99Ms = may('maxP99Ms', { min: 0, max: 600_000, exclusiveMin: true });
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
      const connections = need('connections', CONNECTIONS_RULE);
      const spikeConnections = need('spikeConnections', CONNECTIONS_RULE);
      if (connections + spikeConnections > MAX_CONNECTIONS)
        fail('spikeConnections', `with connections, must be at most ${MAX_CONNECTIONS}`);
      const durationSec = need('durationSec', SECONDS_RULE);
      const spikeAtSec = need('spikeAtSec', { min: 0, max: 3600 });
      const spikeSec = need('spikeSec', SECONDS_RULE);
      if (spikeAtSec + spikeSec > durationSec)
        fail(
          'spikeSec',
          `the spike (${spikeAtSec} s + ${spikeSec} s) must end within durationSec (${durationSec} s)`,
        );
      return { kind, connections, spikeConnections, durationSec, spikeAtSec, spikeSec };
    }
    default:
      return fail('kind', `must be one of ${SHAPE_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
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
