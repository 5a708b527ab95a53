import * as path from 'node:path';
import type { PhasedShape, RunOptions, TargetSpec } from '../record/run';
import { DEFAULTS } from '../vocabulary/defaults';
import { HotpathError } from '../vocabulary/errors';
import { OPTIONS } from '../vocabulary/options';
import { allPresets, type LoadPreset } from '../vocabulary/presets';
import { describeShape } from '../vocabulary/shapes';
import { optionRef } from '../vocabulary/words';
import { checkInspectorAddress, hostPort } from './attach/address';
import { bad, CONNECTIONS_RULE, checkNumber, RATE_RULE, SECONDS_RULE } from './check';
import { type LocustRequest, locustPreset, withLocust } from './locustOptions';
import { isLoopbackHost } from './loopback';
import { checkShape, peakConnections, plannedSeconds } from './shapes';

/** What a caller asks for; everything but `path` is optional. */
export interface RunRequest extends LocustRequest {
  /** The endpoint's path, such as `/fast`. */
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  preset?: string;
  /** A load shape as data (checked like a preset's), instead of the preset's. */
  shape?: unknown;
  /** Load the endpoint this many times in the capture, for comparisons with a spread. */
  repeat?: number;
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
  /** A turn of the service's event loop longer than this is a stall, ms. */
  stallThresholdMs?: number;
  /** false: measure the load and the service's metrics, but take no CPU profile. */
  profile?: boolean;
  /** false: leave the service's locks (async-mutex) unwatched; no lock report. */
  watchLocks?: boolean;
  /** A command that starts the user's service; without `url`, the one port it listens on. */
  service?: string;
  /** Where the service answers. Without `service`: a service already running (load only). */
  url?: string;
  cwd?: string;
  outDir?: string;
  allowRemote?: boolean;
  /**
   * The inspector (`host:port`) of a service already running at `url`: it is profiled through
   * its inspector instead of being only loaded.
   */
  attach?: string;
  /** Allow an inspector address off this machine's loopback (it runs any code it is sent). */
  allowRemoteInspector?: boolean;
  /**
   * A service command whose process does not load Hotpath's agent: open its inspector with
   * SIGUSR1 (127.0.0.1:9229) and attach, instead of failing.
   */
  attachSignal?: boolean;
  /** false: attach without dropping the service's optimised code first (for measurements). */
  attachDeoptimize?: boolean;
  /** Load an https URL whose certificate Node does not trust (self-signed, on loopback). */
  insecure?: boolean;
  /** Load the path even when every request of the warm-up failed. */
  allowErrors?: boolean;
  /** Sample where memory is allocated over the window (off unless asked: it costs). */
  allocations?: boolean;
  /** The `node` that runs the sample service and the load generator. */
  nodePath?: string;
  readyTimeoutSec?: number;
  /** How long the runner waits for the agent to answer (start, begin, stop and write the profile). */
  agentTimeoutSec?: number;
  /** How long the window waits at most for the warm-up's requests to end. */
  drainTimeoutSec?: number;
  /** How many of the service's processes and threads are profiled at most. */
  maxProcesses?: number;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export { isLoopbackHost } from './loopback';

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
      `url: ${url.host} is not on this machine's loopback; load-testing another machine needs ${optionRef('allow-remote')}`,
      'url',
    );
  }
  return url.origin;
}

/** A wait in seconds: at most 10 minutes, and more than 0 when `positive`. */
function waitSeconds(
  option: string,
  value: number | undefined,
  fallback: number,
  positive = true,
): number {
  return checkNumber(option, value ?? fallback, {
    min: 0,
    max: 600,
    exclusiveMin: positive,
  }) as number;
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
 * Checks presets that come as data (the extension's settings): each must have a name and a
 * valid shape, given flat: `{"name": "wide", "kind": "ramp", "to": 128}`; without `kind`, a
 * constant load (`connections`, `durationSec`, `connectionRate`). Throws BAD_OPTION naming the
 * preset and the field.
 */
export function checkPresets(value: unknown): LoadPreset[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) bad('presets', 'must be a list of presets');
  return value.map((raw: unknown, i): LoadPreset => {
    const where = `presets[${i}]`;
    if (typeof raw !== 'object' || raw === null)
      bad(
        where,
        'must be an object with a name and a shape, such as connections and durationSec',
        'presets',
      );
    const { name, description, ...rest } = raw as Record<string, unknown>;
    if (typeof name !== 'string' || name.trim() === '')
      bad(`${where}.name`, 'must be a name', 'presets');
    if (rest.kind === 'locust') return locustPreset(name, description, rest, where);
    const shape = checkShape(rest, `preset "${name}"`, 'presets');
    return {
      name,
      description: typeof description === 'string' ? description : describeShape(shape),
      shape,
    };
  });
}

/**
 * The presets of the extension's settings, one by one: a bad entry is left out and said (by its
 * name, or its place when it has none) while the others load.
 */
export function readPresets(value: unknown): {
  presets: LoadPreset[];
  problems: { name: string; message: string }[];
} {
  if (value === undefined || value === null) return { presets: [], problems: [] };
  if (!Array.isArray(value))
    return {
      presets: [],
      problems: [{ name: OPTIONS.presets.setting, message: 'must be a list of presets' }],
    };
  const presets: LoadPreset[] = [];
  const problems: { name: string; message: string }[] = [];
  value.forEach((raw: unknown, i) => {
    const named =
      typeof raw === 'object' &&
      raw !== null &&
      typeof (raw as { name?: unknown }).name === 'string'
        ? (raw as { name: string }).name.trim()
        : '';
    try {
      const [preset] = checkPresets([raw]);
      presets.push(preset);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push({
        name: named ? `"${named}"` : `number ${i + 1}`,
        message: message.replace(/presets\[0\]/g, `presets[${i}]`),
      });
    }
  });
  return { presets, problems };
}

/**
 * The shape of a run: the preset's (or `--shape`), with the command line's connections,
 * duration and rate applied where they mean something. A users shape whose users all join at
 * once is a constant load at the users' pace, and runs as one.
 */
function shapeOf(
  request: RunRequest,
  preset: LoadPreset,
): {
  constant?: { connections?: number; durationSec?: number; connectionRate?: number };
  phased?: PhasedShape;
} {
  const shape = request.shape !== undefined ? checkShape(request.shape, 'shape') : preset.shape;
  const given = request.shape !== undefined;
  const from = given ? optionRef('shape') : `preset "${preset.name}"`;
  if (shape.kind === 'constant') return { constant: shape };
  if (shape.kind === 'users') {
    const users = request.connections ?? shape.users;
    const durationSec = request.durationSec ?? shape.durationSec;
    const waitSec =
      request.connectionRate !== undefined ? 1 / request.connectionRate : shape.waitSec;
    if (shape.spawnRate === undefined)
      return {
        constant: {
          connections: users,
          durationSec,
          ...(waitSec > 0 ? { connectionRate: 1 / waitSec } : {}),
        },
      };
    const checked = checkShape(
      { ...shape, users, durationSec, waitSec },
      from,
      given ? 'shape' : 'preset',
    );
    return { phased: checked as PhasedShape };
  }
  for (const [option, given] of [
    ['connections', request.connections],
    ['duration', request.durationSec],
    ['rate', request.connectionRate],
  ] as const) {
    if (given !== undefined)
      bad(
        option,
        `${from} is a ${shape.kind}: its ${option} is part of the shape; give ${optionRef('shape')} to change it`,
      );
  }
  return { phased: shape };
}

/**
 * Fills in the defaults and checks every value before any work starts. Throws a
 * `HotpathError` with code BAD_OPTION (or REMOTE_TARGET) that names the option at fault: the
 * first one, in the order of the steps below.
 */
export function resolveRunOptions(
  request: RunRequest,
  cwd = process.cwd(),
  presets: readonly LoadPreset[] = [],
): RunOptions {
  const method = checkEndpoint(request);
  const preset = findPreset(request.preset ?? DEFAULTS.preset, presets);
  const { constant, phased } = shapeOf(request, preset);
  const size = checkLoadSize(request, constant, phased);
  const limits = checkTimesAndLimits(request);
  const headers = checkHeaders(request);
  if (request.body !== undefined && typeof request.body !== 'string') bad('body', 'must be text');
  const base = request.cwd ?? cwd;
  return withLocust(
    {
      target: targetOf(request, base),
      preset: request.shape !== undefined ? 'custom (--shape)' : preset.name,
      load: {
        method,
        path: request.path,
        headers,
        body: request.body,
        connections: size.connections,
        durationSec: size.durationSec,
        amount: size.amount,
        connectionRate: size.connectionRate,
        overallRate: size.overallRate,
        timeoutSec: limits.timeoutSec,
        workers: limits.workers,
        ...(phased ? { shape: phased } : {}),
      },
      repeat: size.repeat,
      warmupSec: limits.warmupSec,
      samplingIntervalUs: limits.samplingIntervalUs,
      stallThresholdMs: limits.stallThresholdMs,
      profile: request.profile ?? true,
      watchLocks: request.watchLocks ?? true,
      outDir: path.resolve(base, request.outDir ?? DEFAULTS.outDir),
      nodePath: request.nodePath ?? process.execPath,
      agentTimeoutSec: limits.agentTimeoutSec,
      readyTimeoutSec: limits.readyTimeoutSec,
      drainTimeoutSec: limits.drainTimeoutSec,
      maxProcesses: limits.maxProcesses,
      insecure: request.insecure === true,
      allowErrors: request.allowErrors === true,
      allocations: request.allocations === true,
    },
    request,
    base,
    preset.locust,
  );
}

/** The endpoint's path and method; returns the method, upper case. */
function checkEndpoint(request: RunRequest): string {
  if (typeof request.path !== 'string' || !request.path.startsWith('/')) {
    bad('path', `must start with "/", such as /fast; got ${JSON.stringify(request.path)}`);
  }
  const method = (request.method ?? DEFAULTS.method).toUpperCase();
  if (!METHODS.includes(method))
    bad('method', `must be one of ${METHODS.join(', ')}; got "${request.method}"`);
  return method;
}

/**
 * How much load, and for how long: connections, a number of requests or a duration, the rates,
 * the repeats. A phased shape sets its own connections and time.
 */
function checkLoadSize(
  request: RunRequest,
  constant: ReturnType<typeof shapeOf>['constant'],
  phased: PhasedShape | undefined,
) {
  const connections = checkNumber(
    'connections',
    phased ? peakConnections(phased) : (request.connections ?? constant?.connections),
    CONNECTIONS_RULE,
  ) as number;
  const amount = checkNumber('amount', request.amount, { min: 1, max: 1e9, integer: true });
  if (amount !== undefined && phased)
    bad('amount', `a ${phased.kind} runs for its planned time, not for a number of requests`);
  if (amount !== undefined && amount < connections) {
    bad('amount', `must be at least the number of connections (${connections}), got ${amount}`);
  }
  const durationSec = phased
    ? plannedSeconds(phased)
    : amount === undefined
      ? checkNumber('duration', request.durationSec ?? constant?.durationSec, SECONDS_RULE)
      : checkNumber('duration', request.durationSec, SECONDS_RULE);
  const connectionRate = phased
    ? undefined
    : checkNumber('rate', request.connectionRate ?? constant?.connectionRate, RATE_RULE);
  const overallRate = checkNumber('overall-rate', request.overallRate, {
    min: 0,
    max: 1e7,
    exclusiveMin: true,
  });
  if (overallRate !== undefined && phased)
    bad('overall-rate', `applies to constant loads, not to a ${phased.kind}`);
  const repeat = checkNumber('repeat', request.repeat ?? 1, {
    min: 1,
    max: 20,
    integer: true,
  }) as number;
  if (repeat > 1 && phased?.kind === 'ramp')
    bad('repeat', 'a ramp runs once: its steps are its repeats');
  return { connections, amount, durationSec, connectionRate, overallRate, repeat };
}

/** The run's waits and limits: timeouts, warm-up, load threads, sampling, processes (in this order). */
function checkTimesAndLimits(request: RunRequest) {
  return {
    timeoutSec: waitSeconds('timeout', request.timeoutSec, DEFAULTS.timeoutSec),
    warmupSec: checkNumber('warmup', request.warmupSec ?? DEFAULTS.warmupSec, {
      min: 0,
      max: 60,
    }) as number,
    workers: checkNumber('workers', request.workers ?? DEFAULTS.workers, {
      min: 1,
      max: 16,
      integer: true,
    }) as number,
    samplingIntervalUs: checkNumber(
      'sampling-interval',
      request.samplingIntervalUs ?? DEFAULTS.samplingIntervalUs,
      { min: 10, max: 1_000_000, integer: true },
    ) as number,
    stallThresholdMs: checkNumber(
      'stall-threshold',
      request.stallThresholdMs ?? DEFAULTS.stallThresholdMs,
      { min: 1, max: 60_000 },
    ) as number,
    readyTimeoutSec: waitSeconds(
      'ready-timeout',
      request.readyTimeoutSec,
      DEFAULTS.readyTimeoutSec,
    ),
    agentTimeoutSec: waitSeconds(
      'agent-timeout',
      request.agentTimeoutSec,
      DEFAULTS.agentTimeoutSec,
    ),
    // 0: open the window at once, whatever the warm-up left in the service.
    drainTimeoutSec: waitSeconds(
      'drain-timeout',
      request.drainTimeoutSec,
      DEFAULTS.drainTimeoutSec,
      false,
    ),
    maxProcesses: checkNumber('max-processes', request.maxProcesses ?? DEFAULTS.maxProcesses, {
      min: 1,
      max: 64,
      integer: true,
    }) as number,
  };
}

/** The request's headers: valid names, one-line values. */
function checkHeaders(request: RunRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      bad('header', `"${name}" is not a valid header name`);
    if (typeof value !== 'string' || /[\r\n]/.test(value))
      bad('header', `the value of "${name}" must be one line of text`);
    headers[name] = value;
  }
  return headers;
}

/** What to load: the user's service (a command), a service already running (a URL), or the sample. */
function targetOf(request: RunRequest, base: string): TargetSpec {
  if (request.attach !== undefined && request.service !== undefined)
    bad(
      'attach',
      `attaches to a service already running; ${optionRef('service')} starts one: give one of them`,
    );
  if (request.service !== undefined) {
    if (typeof request.service !== 'string' || request.service.trim() === '')
      bad('service', 'must be a command');
    // `pm2 start` hands the app to PM2's daemon and returns: the app is no process of Hotpath's.
    if (/(^|[\s;&|/])pm2\s+(start|restart|reload)\b/.test(request.service))
      bad(
        'service',
        "`pm2 start` hands the app to PM2's daemon, outside the processes Hotpath starts and profiles: use `pm2-runtime start …` (PM2 in the foreground), or start the app directly",
      );
    if (request.attachSignal && request.url === undefined)
      bad(
        'attach-signal',
        `needs the service's URL (${optionRef('url')}): the process that answers there is the one whose inspector is opened`,
      );
    return {
      kind: 'command',
      command: request.service,
      ...(request.url !== undefined
        ? { url: checkUrl(request.url, request.allowRemote === true) }
        : {}),
      cwd: base,
      ...(request.attachSignal ? { attachSignal: true } : {}),
    };
  }
  if (request.attach !== undefined) {
    if (typeof request.attach !== 'string') bad('attach', 'must be an inspector address');
    // Refused here, before any socket exists (the run connects only after this).
    const inspector = hostPort(
      checkInspectorAddress(request.attach, request.allowRemoteInspector === true),
    );
    if (request.url === undefined)
      bad(
        'attach',
        `give the service's own URL too, such as ${optionRef('url', 'http://127.0.0.1:3000')}: the load goes there`,
      );
    return {
      kind: 'attach',
      url: checkUrl(request.url, request.allowRemote === true),
      inspector,
      ...(request.allowRemoteInspector ? { allowRemoteInspector: true } : {}),
      deoptimize: request.attachDeoptimize !== false,
    };
  }
  if (request.url !== undefined) {
    return { kind: 'url', url: checkUrl(request.url, request.allowRemote === true) };
  }
  return { kind: 'sample' };
}
