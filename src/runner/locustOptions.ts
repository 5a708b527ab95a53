/**
 * The options of a Locust load (`--locustfile`), checked before any work starts: the file, the
 * users and their spawn rate, local or external workers and the master's address. A preset of
 * kind `locust` (settings) gives the same fields.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocustLoad } from '../record/load';
import type { RunOptions } from '../record/run';
import type { LoadPreset, LocustPreset } from '../vocabulary/presets';
import { optionRef } from '../vocabulary/words';
import { bad, checkNumber, type NumberRule, RATE_RULE, SECONDS_RULE } from './check';
import { isLoopbackHost } from './loopback';

/** What a caller asks of a Locust load (the CLI's flags, the editor's pick, a preset's fields). */
export interface LocustRequest {
  locustfile?: string;
  users?: number;
  spawnRate?: number;
  loadWorkers?: number;
  loadWorkersExternal?: number;
  masterHost?: string;
  locustPath?: string;
}

const USERS_RULE = { min: 1, max: 1_000_000, integer: true };
const WORKERS_RULE = { min: 0, max: 256, integer: true };

/** The fields only a Locust load has, with their option keys. */
const LOCUST_ONLY = [
  ['users', 'users'],
  ['spawnRate', 'spawn-rate'],
  ['loadWorkers', 'load-workers'],
  ['loadWorkersExternal', 'load-workers-external'],
  ['masterHost', 'master-bind'],
] as const;

/**
 * The run's options with the Locust load applied: its users are the load's connections, its
 * duration the window's. Throws BAD_OPTION for a Locust field without a locustfile, and for an
 * option of autocannon's that a locustfile's own requests and pacing replace.
 */
export function withLocust(
  options: RunOptions,
  request: LocustRequest & {
    connections?: number;
    durationSec?: number;
    amount?: number;
    connectionRate?: number;
    overallRate?: number;
    repeat?: number;
    shape?: unknown;
  },
  base: string,
  presetLocust: LocustPreset | undefined = undefined,
): RunOptions {
  const preset: Partial<LocustRequest> & { durationSec?: number } = presetLocust
    ? {
        locustfile: presetLocust.locustfile,
        ...optional('users', presetLocust.users),
        ...optional('spawnRate', presetLocust.spawnRate),
        ...optional('loadWorkers', presetLocust.loadWorkers),
        ...optional('durationSec', presetLocust.durationSec),
      }
    : {};
  const file = request.locustfile ?? preset.locustfile;
  if (file === undefined) {
    for (const [field, option] of LOCUST_ONLY)
      if (request[field] !== undefined)
        bad(option, `applies to a Locust load: give ${optionRef('locustfile')} too`);
    return options;
  }
  if (typeof file !== 'string' || file.trim() === '') bad('locustfile', 'must be a file');
  const absolute = path.resolve(base, file);
  if (!fs.existsSync(absolute) || !fs.statSync(absolute).isFile())
    bad('locustfile', `${absolute} is not a file`);
  for (const [given, option] of [
    [request.amount, 'amount'],
    [request.connectionRate, 'rate'],
    [request.overallRate, 'overall-rate'],
    [request.shape, 'shape'],
  ] as const)
    if (given !== undefined)
      bad(option, "a Locust load's requests and their pacing are the locustfile's own");
  if (request.connections !== undefined)
    bad('connections', `a Locust load has users: give ${optionRef('users')}`);
  if ((request.repeat ?? 1) > 1) bad('repeat', 'a Locust load runs once');
  const users = checkNumber('users', request.users ?? preset.users ?? 50, USERS_RULE) as number;
  const spawnRate = checkNumber(
    'spawn-rate',
    request.spawnRate ?? preset.spawnRate ?? users,
    RATE_RULE,
  ) as number;
  const workers = checkNumber(
    'load-workers',
    request.loadWorkers ?? preset.loadWorkers ?? 0,
    WORKERS_RULE,
  ) as number;
  const externalWorkers = checkNumber(
    'load-workers-external',
    request.loadWorkersExternal ?? preset.loadWorkersExternal ?? 0,
    WORKERS_RULE,
  ) as number;
  const masterHost = request.masterHost ?? preset.masterHost ?? '127.0.0.1';
  if (typeof masterHost !== 'string' || !/^[A-Za-z0-9.:[\]-]+$/.test(masterHost))
    bad(
      'master-bind',
      `must be an address such as 0.0.0.0 or 10.0.0.5, got ${JSON.stringify(masterHost)}`,
    );
  if (!isLoopbackHost(masterHost) && externalWorkers === 0)
    bad(
      'master-bind',
      'the master binds another address than loopback only for workers started on other machines',
    );
  const durationSec = checkNumber(
    'duration',
    request.durationSec ?? preset.durationSec ?? options.load.durationSec ?? 10,
    SECONDS_RULE,
  ) as number;
  const locustPath = request.locustPath ?? preset.locustPath;
  const locust: LocustLoad = {
    file: absolute,
    users,
    spawnRate,
    workers,
    externalWorkers,
    masterHost,
    ...(locustPath ? { locustPath } : {}),
  };
  const { shape: _shape, ...constant } = options.load;
  return {
    ...options,
    repeat: 1,
    load: {
      ...constant,
      connections: users,
      durationSec,
      amount: undefined,
      connectionRate: undefined,
      overallRate: undefined,
      locust,
    },
  };
}

/** A preset of kind `locust` from settings: `{"name", "kind": "locust", "locustfile", "users", …}`. */
export function locustPreset(
  name: string,
  description: unknown,
  raw: Record<string, unknown>,
  where: string,
): LoadPreset {
  const { kind: _kind, locustfile, users, spawnRate, loadWorkers, durationSec, ...other } = raw;
  const unknown = Object.keys(other);
  if (unknown.length > 0)
    bad(
      `${where}.${unknown[0]}`,
      'is not a field of a locust preset (locustfile, users, spawnRate, loadWorkers, durationSec)',
      'presets',
    );
  if (typeof locustfile !== 'string' || locustfile.trim() === '')
    bad(`${where}.locustfile`, 'must be the path of a locustfile', 'presets');
  const number = (field: string, value: unknown, rule: NumberRule) =>
    checkNumber(`${where}.${field}`, value as number | undefined, rule, 'presets');
  const preset: LocustPreset = {
    locustfile,
    ...optional('users', number('users', users, USERS_RULE)),
    ...optional('spawnRate', number('spawnRate', spawnRate, RATE_RULE)),
    ...optional('loadWorkers', number('loadWorkers', loadWorkers, WORKERS_RULE)),
    ...optional('durationSec', number('durationSec', durationSec, SECONDS_RULE)),
  };
  const seconds = preset.durationSec ?? 10;
  const count = preset.users ?? 50;
  return {
    name,
    description:
      typeof description === 'string'
        ? description
        : `Locust: ${locustfile}, ${count} users for ${seconds} s${preset.loadWorkers ? ` on ${preset.loadWorkers} workers` : ''}`,
    shape: { kind: 'constant', connections: count, durationSec: seconds },
    locust: preset,
  };
}

function optional<K extends string>(key: K, value: number | undefined): { [k in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: number };
}
