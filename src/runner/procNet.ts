/**
 * The machine's TCP sockets as Linux's /proc/net/tcp and tcp6 list them: their local port, state,
 * the bytes waiting in their receive queue and their inode. Empty elsewhere than Linux.
 */
import * as fs from 'node:fs';

export interface TcpSocket {
  localPort: number;
  /** The kernel's state, in hex as /proc writes it: '0A' LISTEN, '01' ESTABLISHED, '08' CLOSE_WAIT. */
  state: string;
  /**
   * Bytes received and not yet read by the program; for a listening socket, the connections
   * waiting to be accepted.
   */
  rxQueue: number;
  inode: string;
}

export const LISTEN = '0A';

/** Every IPv4 and IPv6 TCP socket /proc lists; undefined when neither table can be read. */
export function tcpSockets(): TcpSocket[] | undefined {
  const sockets: TcpSocket[] = [];
  let read = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
      read = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      sockets.push({
        localPort: Number.parseInt(fields[1].split(':').at(-1) ?? '', 16),
        state: fields[3],
        rxQueue: Number.parseInt(fields[4].split(':')[1] ?? '0', 16) || 0,
        inode: fields[9],
      });
    }
  }
  return read ? sockets : undefined;
}
