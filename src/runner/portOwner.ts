/**
 * Which process listens on a TCP port, from Linux's /proc: its pid, its command line, its
 * NODE_OPTIONS, and whether a given process started it. What Hotpath says when something answers
 * at the URL but no agent of its own listens there: the program, and why it has no agent (a start
 * script that replaced NODE_OPTIONS). Elsewhere than Linux, or without the rights to read another
 * user's process, it knows nothing (undefined), and the message stays general.
 */
import * as fs from 'node:fs';
import { LISTEN, tcpSockets } from './procNet';

export interface PortOwner {
  pid: number;
  /** Its command line, as `ps` shows it. */
  command: string;
  /** Its NODE_OPTIONS; undefined when its environment has none (or cannot be read). */
  nodeOptions: string | undefined;
  /** Its environment could be read (a process of another user's cannot). */
  environmentRead: boolean;
  /** Whether it descends from the process Hotpath started (`root`), such as npm's child. */
  startedByRoot: boolean;
}

/** The owner of the socket listening on `port` (IPv4 or IPv6), if /proc tells it. */
export function portOwner(port: number, root: number | undefined): PortOwner | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const entry of readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (!readdir(`/proc/${pid}/fd`).some((fd) => inodes.has(socketInode(pid, fd)))) continue;
    const environment = read(`/proc/${pid}/environ`);
    const nodeOptions = environment
      ?.split('\0')
      .find((v) => v.startsWith('NODE_OPTIONS='))
      ?.slice('NODE_OPTIONS='.length);
    return {
      pid,
      command: (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' '),
      nodeOptions,
      environmentRead: environment !== undefined,
      startedByRoot: root !== undefined && descends(pid, root),
    };
  }
  return undefined;
}

/** The inodes of the sockets that listen on `port`, from /proc/net/tcp and tcp6. */
function listeningInodes(port: number): Set<string> {
  return new Set(
    (tcpSockets() ?? [])
      .filter((socket) => socket.state === LISTEN && socket.localPort === port)
      .map((socket) => socket.inode),
  );
}

function socketInode(pid: number, fd: string): string {
  try {
    return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '';
  } catch {
    return '';
  }
}

/** Whether `pid` is `root` or one of its descendants, by the parents /proc names. */
function descends(pid: number, root: number): boolean {
  for (let at = pid, hops = 0; at > 1 && hops < 64; hops++) {
    if (at === root) return true;
    const stat = read(`/proc/${at}/stat`);
    if (!stat) return false;
    // The command may hold spaces and parentheses: the fields after the last ')' are fixed.
    at = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return false;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readdir(folder: string): string[] {
  try {
    return fs.readdirSync(folder);
  } catch {
    return [];
  }
}
