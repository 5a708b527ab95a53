import * as os from 'node:os';
import * as path from 'node:path';
import { HotpathError } from './errors';

/** A named load, as data. The extension's settings use the same shape. */
export interface LoadPreset {
  name: string;
  description: string;
  connections: number;
  durationSec: number;
  /** Requests per second per connection: a user who waits 1/rate s between requests. */
  connectionRate?: number;
}

export const PRESETS: readonly LoadPreset[] = [
  {
    name: 'walkthrough',
    description: "50 connections for 10 s: the walk-through's /read vs /fast lesson, no timeouts",
    connections: 50,
    durationSec: 10,
  },
  { name: 'quick', description: '50 connections for 3 s', connections: 50, durationSec: 3 },
  {
    name: 'locust-like',
    description: '200 users, each sending at most one request every 0.5 s, for 10 s',
    connections: 200,
    durationSec: 10,
    connectionRate: 2,
  },
  {
    name: 'locust-1000',
    description:
      '1,000 users, each sending at most one request per second, for 10 s (/read times out: by design)',
    connections: 1000,
    durationSec: 10,
    connectionRate: 1,
  },
  {
    name: 'saturate',
    description: '100 connections flat out for 10 s',
    connections: 100,
    durationSec: 10,
  },
];

/** Every default of a run, in one place. */
export const DEFAULTS = {
  preset: 'walkthrough',
  method: 'GET',
  samplingIntervalUs: 1000,
  warmupSec: 1,
  timeoutSec: 10,
  // autocannon worker threads. The service needs a core of its own: on 2 cores one load thread
  // gave 0.99x wrk's req/s on /hello and two gave 0.85x (npm run bench).
  workers: Math.max(1, Math.min(2, os.availableParallelism() - 1)),
  readyTimeoutSec: 30,
  // Writing a large profile takes seconds; a service whose event loop is stuck never answers.
  agentTimeoutSec: 30,
  outDir: path.join('.hotpath', 'runs'),
} as const;

/** What a caller asks for; everything but `path` is optional. */
export interface RunRequest {
  /** The endpoint's path, such as `/fast`. */
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  preset?: string;
  connections?: number;
  durationSec?: number;
  /** Stop after this many requests instead of after a duration. */
  amount?: number;
  connectionRate?: number;
  overallRate?: number;
  timeoutSec?: number;
  warmupSec?: number;
  workers?: number;
  samplingIntervalUs?: number;
  /** false: measure the load and the service's metrics, but take no CPU profile. */
  profile?: boolean;
  /** false: leave the service's locks (async-mutex) unwatched; no lock report. */
  watchLocks?: boolean;
  /** A command that starts the user's service; needs `url`. */
  service?: string;
  /** Where the service answers. Without `service`: a service already running (load only). */
  url?: string;
  cwd?: string;
  outDir?: string;
  allowRemote?: boolean;
  /** The `node` that runs the sample service and the load generator. */
  nodePath?: string;
  readyTimeoutSec?: number;
  /** How long the runner waits for the agent to answer (start, begin, stop and write the profile). */
  agentTimeoutSec?: number;
}

export type TargetSpec =
  | { kind: 'sample' }
  | { kind: 'command'; command: string; url: string; cwd: string }
  | { kind: 'url'; url: string };

export interface LoadOptions {
  /** Full URL of the endpoint. Filled in once the target is up (the sample's port is chosen then). */
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  connections: number;
  durationSec: number | undefined;
  amount: number | undefined;
  connectionRate: number | undefined;
  overallRate: number | undefined;
  timeoutSec: number;
  workers: number;
}

/** A request with every default filled in and every value checked. */
export interface RunOptions {
  target: TargetSpec;
  preset: string;
  load: LoadOptions;
  warmupSec: number;
  samplingIntervalUs: number;
  profile: boolean;
  watchLocks: boolean;
  outDir: string;
  nodePath: string;
  readyTimeoutSec: number;
  agentTimeoutSec: number;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function bad(option: string, message: string): never {
  throw new HotpathError('BAD_OPTION', `${option}: ${message}`, option);
}

function checkNumber(
  option: string,
  value: number | undefined,
  {
    min,
    max,
    integer,
    exclusiveMin,
  }: { min: number; max: number; integer?: boolean; exclusiveMin?: boolean },
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

function checkUrl(raw: string, allowRemote: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    bad('url', `"${raw}" is not a URL (expected something like http://127.0.0.1:3000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    bad('url', `must be http:// or https://, got "${url.protocol}"`);
  }
  if (!isLoopbackHost(url.hostname) && !allowRemote) {
    throw new HotpathError(
      'REMOTE_TARGET',
      `url: ${url.host} is not on this machine's loopback; load-testing another machine needs --allow-remote`,
      'url',
    );
  }
  return url.origin;
}

/** The preset of that name: the user's own (`extra`, from settings) first, then the built-in ones. */
/** The user's presets (`extra`, from settings) and the built-in ones they do not replace. */
export function allPresets(extra: readonly LoadPreset[] = []): LoadPreset[] {
  return [...extra, ...PRESETS.filter((p) => !extra.some((e) => e.name === p.name))];
}

/** The preset of that name, the user's own first. */
export function findPreset(name: string, extra: readonly LoadPreset[] = []): LoadPreset {
  const all = allPresets(extra);
  const preset = all.find((p) => p.name === name);
  if (!preset)
    bad('preset', `unknown preset "${name}"; known: ${all.map((p) => p.name).join(', ')}`);
  return preset;
}

/**
 * Checks presets that come as data (the extension's settings): each must have a name and
 * sensible numbers. Throws BAD_OPTION naming the preset and the field.
 */
export function checkPresets(value: unknown): LoadPreset[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) bad('presets', 'must be a list of presets');
  return value.map((raw: unknown, i): LoadPreset => {
    const where = `presets[${i}]`;
    if (typeof raw !== 'object' || raw === null)
      bad(where, 'must be an object with name, connections and durationSec');
    const p = raw as Record<string, unknown>;
    if (typeof p.name !== 'string' || p.name.trim() === '') bad(`${where}.name`, 'must be a name');
    const label = `preset "${p.name}"`;
    const connections = checkNumber(`${label}: connections`, p.connections as number, {
      min: 1,
      max: 10_000,
      integer: true,
    });
    const durationSec = checkNumber(`${label}: durationSec`, p.durationSec as number, {
      min: 0,
      max: 3600,
      exclusiveMin: true,
    });
    if (connections === undefined) bad(`${label}: connections`, 'is missing');
    if (durationSec === undefined) bad(`${label}: durationSec`, 'is missing');
    const connectionRate = checkNumber(
      `${label}: connectionRate`,
      p.connectionRate as number | undefined,
      {
        min: 0,
        max: 1e6,
        exclusiveMin: true,
      },
    );
    return {
      name: p.name,
      description:
        typeof p.description === 'string'
          ? p.description
          : `${connections} connections for ${durationSec} s`,
      connections,
      durationSec,
      ...(connectionRate !== undefined ? { connectionRate } : {}),
    };
  });
}

/**
 * Fills in the defaults and checks every value before any work starts. Throws a
 * `HotpathError` with code BAD_OPTION (or REMOTE_TARGET) that names the option at fault.
 */
export function resolveRunOptions(
  request: RunRequest,
  cwd = process.cwd(),
  presets: readonly LoadPreset[] = [],
): RunOptions {
  if (typeof request.path !== 'string' || !request.path.startsWith('/')) {
    bad('path', `must start with "/", such as /fast; got ${JSON.stringify(request.path)}`);
  }
  const method = (request.method ?? DEFAULTS.method).toUpperCase();
  if (!METHODS.includes(method))
    bad('method', `must be one of ${METHODS.join(', ')}; got "${request.method}"`);
  const preset = findPreset(request.preset ?? DEFAULTS.preset, presets);

  const connections = checkNumber('connections', request.connections ?? preset.connections, {
    min: 1,
    max: 10_000,
    integer: true,
  }) as number;
  const amount = checkNumber('amount', request.amount, { min: 1, max: 1e9, integer: true });
  if (amount !== undefined && amount < connections) {
    bad('amount', `must be at least the number of connections (${connections}), got ${amount}`);
  }
  const durationSec =
    amount === undefined
      ? checkNumber('duration', request.durationSec ?? preset.durationSec, {
          min: 0,
          max: 3600,
          exclusiveMin: true,
        })
      : checkNumber('duration', request.durationSec, { min: 0, max: 3600, exclusiveMin: true });
  const connectionRate = checkNumber('rate', request.connectionRate ?? preset.connectionRate, {
    min: 0,
    max: 1e6,
    exclusiveMin: true,
  });
  const overallRate = checkNumber('overall-rate', request.overallRate, {
    min: 0,
    max: 1e7,
    exclusiveMin: true,
  });
  const timeoutSec = checkNumber('timeout', request.timeoutSec ?? DEFAULTS.timeoutSec, {
    min: 0,
    max: 600,
    exclusiveMin: true,
  }) as number;
  const warmupSec = checkNumber('warmup', request.warmupSec ?? DEFAULTS.warmupSec, {
    min: 0,
    max: 60,
  }) as number;
  const workers = checkNumber('workers', request.workers ?? DEFAULTS.workers, {
    min: 1,
    max: 16,
    integer: true,
  }) as number;
  const samplingIntervalUs = checkNumber(
    'sampling-interval',
    request.samplingIntervalUs ?? DEFAULTS.samplingIntervalUs,
    { min: 10, max: 1_000_000, integer: true },
  ) as number;
  const readyTimeoutSec = checkNumber(
    'ready-timeout',
    request.readyTimeoutSec ?? DEFAULTS.readyTimeoutSec,
    {
      min: 0,
      max: 600,
      exclusiveMin: true,
    },
  ) as number;

  const agentTimeoutSec = checkNumber(
    'agent-timeout',
    request.agentTimeoutSec ?? DEFAULTS.agentTimeoutSec,
    { min: 0, max: 600, exclusiveMin: true },
  ) as number;

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      bad('header', `"${name}" is not a valid header name`);
    if (typeof value !== 'string' || /[\r\n]/.test(value))
      bad('header', `the value of "${name}" must be one line of text`);
    headers[name] = value;
  }
  if (request.body !== undefined && typeof request.body !== 'string') bad('body', 'must be text');

  let target: TargetSpec;
  const base = request.cwd ?? cwd;
  if (request.service !== undefined) {
    if (typeof request.service !== 'string' || request.service.trim() === '')
      bad('service', 'must be a command');
    if (request.url === undefined)
      bad('url', 'is needed with --service: where does the service answer?');
    target = {
      kind: 'command',
      command: request.service,
      url: checkUrl(request.url, request.allowRemote === true),
      cwd: base,
    };
  } else if (request.url !== undefined) {
    target = { kind: 'url', url: checkUrl(request.url, request.allowRemote === true) };
  } else {
    target = { kind: 'sample' };
  }

  return {
    target,
    preset: preset.name,
    load: {
      method,
      path: request.path,
      headers,
      body: request.body,
      connections,
      durationSec,
      amount,
      connectionRate,
      overallRate,
      timeoutSec,
      workers,
    },
    warmupSec,
    samplingIntervalUs,
    profile: request.profile ?? true,
    watchLocks: request.watchLocks ?? true,
    outDir: path.resolve(base, request.outDir ?? DEFAULTS.outDir),
    nodePath: request.nodePath ?? process.execPath,
    agentTimeoutSec,
    readyTimeoutSec,
  };
}
