/**
 * A backlog of abandoned /read requests does not poison the next run: the sample service skips
 * the work of a request whose client has gone while it queued for the lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { eventually } from '../helpers';

const service = path.resolve(__dirname, '..', '..', 'dist', 'sampleService.js');

/** One line of the service's log (Fastify's, with `--log`) or its listening line. */
interface LogLine {
  event?: string;
  url?: string;
  msg?: string;
  reqId?: string;
  req?: { url: string };
  res?: { statusCode: number };
}

test('after 100 /read requests queue for the lock and are abandoned, a fresh /read does not wait behind them', async () => {
  const child = spawn(process.execPath, [service, '--port', '0', '--log'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: LogLine[] = [];
  let rest = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part) as LogLine);
  });
  const arrived = () =>
    lines.filter((l) => l.msg === 'incoming request' && l.req?.url === '/read').length;
  const completed = () => lines.filter((l) => l.msg === 'request completed').length;
  try {
    assert.ok(
      await eventually(() => lines.some((l) => l.event === 'listening'), 30_000),
      'the sample service said it listens',
    );
    const url = new URL(lines.find((l) => l.event === 'listening')?.url ?? '');
    // 100 clients ask for /read: one holds the lock for 50 ms, the others queue behind it.
    const sockets = Array.from({ length: 100 }, () =>
      net.connect(Number(url.port), url.hostname, function ask(this: net.Socket) {
        this.write(`GET /read HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      }),
    );
    assert.ok(await eventually(() => arrived() === 100, 30_000), `${arrived()} of 100 arrived`);
    // Hang up on all of them; the ones not yet served are still queued for the lock.
    const servedBefore = completed();
    for (const socket of sockets) socket.destroy();
    const queued = 100 - servedBefore;
    assert.ok(queued >= 50, `${queued} of 100 were still queued when their clients left`);

    const started = Date.now();
    const response = await fetch(new URL('/read', url));
    const took = Date.now() - started;
    assert.equal(response.status, 200);
    // Served, the queue would hold the lock `queued` × 50 ms; skipped, a fresh request waits for
    // at most the few holders already inside. Half the queue's lock time is a wide margin.
    const queueMs = queued * 50;
    assert.ok(took < queueMs / 2, `a fresh /read took ${took} ms behind ${queued} abandoned ones`);
  } finally {
    child.kill('SIGKILL');
  }
});
