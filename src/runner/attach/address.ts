/**
 * The inspector address of a service already running (`--attach host:port`), checked before
 * anything connects: an inspector gives whoever reaches it full code execution in the service,
 * so one that is not on this machine's loopback is refused unless asked for by a flag of its own.
 * Pure: no socket is opened here, and nothing that connects runs before it.
 */
import { HotpathError } from '../../vocabulary/errors';
import { optionRef } from '../../vocabulary/words';
import { isLoopbackHost } from '../loopback';

export interface InspectorAddress {
  host: string;
  port: number;
}

/** Node's default inspector port (`--inspect`, SIGUSR1). */
export const DEFAULT_INSPECTOR_PORT = 9229;

/** "127.0.0.1:9229", "[::1]:9229", "localhost" (port 9229): the host and port, or BAD_OPTION. */
export function parseInspectorAddress(raw: string): InspectorAddress {
  const text = raw.trim().replace(/^(ws|http):\/\//, '');
  const match = /^(\[[^\]]+\]|[^:/\s]+)(?::(\d{1,5}))?\/?$/.exec(text);
  const port = match?.[2] === undefined ? DEFAULT_INSPECTOR_PORT : Number(match[2]);
  if (!match || port < 1 || port > 65535)
    throw new HotpathError(
      'BAD_OPTION',
      `attach: expected the inspector's address as host:port, such as 127.0.0.1:9229; got "${raw}"`,
      'attach',
    );
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/**
 * The address, refused (REMOTE_INSPECTOR) when it is not on this machine's loopback and
 * `allowRemote` is not set. Says why, and the SSH tunnel that keeps the inspector on loopback.
 */
export function checkInspectorAddress(raw: string, allowRemote: boolean): InspectorAddress {
  const address = parseInspectorAddress(raw);
  if (!isLoopbackHost(address.host) && !allowRemote)
    throw new HotpathError(
      'REMOTE_INSPECTOR',
      // The way past it is each surface's own (the CLI's flag, the editor's confirmation).
      `attach: ${hostPort(address)} is not on this machine's loopback. An inspector runs any code ` +
        "it is sent in the service's process, and its protocol has no password: reach it through " +
        `an SSH tunnel instead (ssh -L ${address.port}:127.0.0.1:${address.port} <host>, then ` +
        `${optionRef('attach', `127.0.0.1:${address.port}`)})`,
      'attach',
    );
  return address;
}

export function hostPort({ host, port }: InspectorAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The run's own check, before it opens anything: an attach target's inspector is on loopback or
 * was allowed (resolveRunOptions checked it already; a caller that builds options itself did not).
 */
export function checkAttachable(target: {
  kind: string;
  inspector?: string;
  allowRemoteInspector?: boolean;
}): void {
  if (target.kind === 'attach' && target.inspector !== undefined)
    checkInspectorAddress(target.inspector, target.allowRemoteInspector === true);
}
