/**
 * Where the service answers, from what its agents report: the port of `--url`, or, without a
 * URL (`hotpath profile / -- node server.js`), the one port the service listens on. Pure, so
 * that each way a service does not fit (IPv6 only, a unix socket, another port, an agent that
 * never arrived) has its own message, said as soon as it is known rather than at the timeout.
 */

import type { ErrorCode } from '../vocabulary/errors';
import { optionRef } from '../vocabulary/words';
import type { ListeningAddress } from './agent/protocol';
import type { PortOwner } from './portOwner';

export interface Listener extends ListeningAddress {
  pid: number;
}

export interface PortState {
  /** The origin given with --url, if any. */
  url: string | undefined;
  /** Every address the target's processes listen on so far (unix sockets: family 'unix'). */
  listening: readonly Listener[];
  /** How many of the target's Node processes loaded the agent. */
  agents: number;
  /** Whether something answers at `url` (asked only when nothing of ours listens on its port). */
  answersAtUrl: boolean;
  /** The process that listens on `url`'s port when none of ours does, if the system tells it. */
  owner?: PortOwner | undefined;
  /** Since the command started, since the first address was reported, since the last, ms. */
  sinceStartMs: number;
  sinceFirstListenMs: number;
  quietMs: number;
}

export type PortFinding =
  | { kind: 'wait' }
  | { kind: 'found'; url: string }
  | { kind: 'error'; code: ErrorCode; message: string };

/** How long a service may take to listen on the right port after it listened on another. */
export const OTHER_PORT_GRACE_MS = 3000;
/** Without a URL: no new address for this long means the service has opened all it will. */
export const SETTLE_MS = 500;

export function findServicePort(state: PortState, command: string): PortFinding {
  const tcp = state.listening.filter((l) => l.family !== 'unix' && l.port > 0);
  const unix = state.listening.filter((l) => l.family === 'unix');
  const late = state.sinceFirstListenMs >= OTHER_PORT_GRACE_MS;
  const ports = (list: readonly Listener[]) =>
    [...new Set(list.map((l) => `${l.port} (pid ${l.pid})`))].join(', ');

  if (state.url !== undefined) {
    const url = new URL(state.url);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const onPort = tcp.filter((l) => l.port === port);
    if (onPort.length > 0) {
      if (onPort.some((l) => reaches(l.address, host))) return { kind: 'found', url: state.url };
      const where = onPort[0];
      return {
        kind: 'error',
        code: 'LISTEN_ADDRESS',
        message: isLoopback(where.address)
          ? `your service listens on ${hostPort(where.address, port)} only, which ${url.host} does not reach: use ${optionRef('url', `${url.protocol}//${hostPort(where.address, port)}`)}`
          : `your service listens on ${hostPort(where.address, port)} only, not on this machine's loopback: Hotpath load-tests loopback; let it listen on 127.0.0.1 (or 0.0.0.0)`,
      };
    }
    if (late && tcp.length > 0) {
      const other = tcp.find((l) => l.port !== port) as Listener;
      return {
        kind: 'error',
        code: 'WRONG_PORT',
        message: `your service listens on port ${ports(tcp)}, not on ${port} (${optionRef('url', state.url)}): use ${optionRef('url', `${url.protocol}//${hostPort(loopbackOf(other.address), other.port)}`)}`,
      };
    }
    if (late && unix.length > 0) return unixError(unix);
    if (state.answersAtUrl && state.sinceStartMs >= OTHER_PORT_GRACE_MS) {
      if (state.owner) return ownerWithoutAgent(state.owner, state.url, port, command);
      return state.agents === 0
        ? noAgent(command, `something answers at ${state.url}, but`)
        : {
            kind: 'error',
            code: 'TARGET_NOT_OURS',
            message:
              `something answers at ${state.url}, but not a Node.js process that ${command} started; ` +
              `is another program using port ${port}? (Hotpath profiles the Node process that listens on the URL's port)`,
          };
    }
    return { kind: 'wait' };
  }

  const reachable = tcp.filter((l) => reaches(l.address, '127.0.0.1') || reaches(l.address, '::1'));
  if (tcp.length > 0 && state.quietMs >= SETTLE_MS) {
    const distinct = [...new Set(reachable.map((l) => l.port))];
    if (distinct.length === 1) {
      const chosen = reachable.find((l) => l.port === distinct[0]) as Listener;
      return { kind: 'found', url: `http://${hostPort(loopbackOf(chosen.address), chosen.port)}` };
    }
    if (distinct.length > 1) {
      return {
        kind: 'error',
        code: 'SEVERAL_PORTS',
        message: `your service listens on ports ${ports(reachable)}: say which to load with ${optionRef('url')}, such as ${optionRef('url', `http://127.0.0.1:${distinct[0]}`)}`,
      };
    }
    return {
      kind: 'error',
      code: 'LISTEN_ADDRESS',
      message: `your service listens on ${tcp.map((l) => hostPort(l.address, l.port)).join(', ')} only, not on this machine's loopback: Hotpath load-tests loopback; let it listen on 127.0.0.1 (or 0.0.0.0)`,
    };
  }
  if (tcp.length === 0 && late && unix.length > 0) return unixError(unix);
  return { kind: 'wait' };
}

/**
 * Something answers at the URL, and the system names the process: one the command started that
 * did not load the agent (and why: its NODE_OPTIONS), or a program the command did not start.
 */
function ownerWithoutAgent(
  owner: PortOwner,
  url: string,
  port: number,
  command: string,
): Extract<PortFinding, { kind: 'error' }> {
  const who = `pid ${owner.pid} (${owner.command || 'its command line is hidden'})`;
  if (!owner.startedByRoot)
    return {
      kind: 'error',
      code: 'TARGET_NOT_OURS',
      message:
        `something answers at ${url}: ${who}, which ${command} did not start. Is another program ` +
        `using port ${port}? Stop it, or run your service on another port (and give it with ${optionRef('url')})`,
    };
  const options = owner.nodeOptions;
  const why =
    options !== undefined
      ? `its NODE_OPTIONS is "${options}", without Hotpath's --require: the start script sets NODE_OPTIONS and so replaces Hotpath's. Append to it instead: NODE_OPTIONS="$NODE_OPTIONS ${options}"`
      : owner.environmentRead
        ? 'its environment has no NODE_OPTIONS: the start script or a wrapper (env -i, a process manager) cleared it. Keep NODE_OPTIONS in the service\'s environment, or append to it: NODE_OPTIONS="$NODE_OPTIONS …"'
        : 'its environment cannot be read; does the start script set NODE_OPTIONS? Append to it instead: NODE_OPTIONS="$NODE_OPTIONS …"';
  return {
    kind: 'error',
    code: 'NO_AGENT',
    message: `${who}, which ${command} started, answers at ${url} but did not load Hotpath's agent: ${why}`,
  };
}

/** The message when the timeout passes with no agent at all. */
export function noAgent(
  command: string,
  prefix = 'Hotpath waited, but',
): Extract<PortFinding, { kind: 'error' }> {
  return {
    kind: 'error',
    code: 'NO_AGENT',
    message:
      `${prefix} no Node process of ${command} loaded Hotpath's agent: does your start script set ` +
      'NODE_OPTIONS? Hotpath adds `--require <agent>` to it; a script that replaces it (NODE_OPTIONS=… node server.js) drops the agent. Append to it instead: NODE_OPTIONS="$NODE_OPTIONS …"',
  };
}

function unixError(unix: readonly Listener[]): PortFinding {
  return {
    kind: 'error',
    code: 'UNIX_SOCKET',
    message: `your service listens on a unix socket (${unix[0].address}), not on a TCP port: Hotpath's load generator needs a TCP port on loopback`,
  };
}

/** Whether a server bound to `address` accepts connections made to `host`. */
function reaches(address: string, host: string): boolean {
  if (host === 'localhost') return isLoopback(address) || isAny(address);
  if (address === '::') return true; // dual-stack on Linux by default
  if (address === '0.0.0.0') return !host.includes(':');
  return address === host || address === `::ffff:${host}`;
}

function isAny(address: string): boolean {
  return address === '::' || address === '0.0.0.0';
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/** The loopback address to reach a server bound to `address`. */
function loopbackOf(address: string): string {
  return isLoopback(address) ? address.replace(/^::ffff:/, '') : '127.0.0.1';
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
