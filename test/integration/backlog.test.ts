/**
 * A backlog of abandoned /read requests does not poison the next run: the sample service skips
 * the work of a request whose client has gone while it queued for the lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';

const service = path.resolve(__dirname, '..', '..', 'dist', 'sampleService.js');

test('after 100 abandoned /read requests, a fresh /read answers in far less than their 5 s of lock time', async () => {
  const child = spawn(process.execPath, [service, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.once('data', (line: string) => resolve(new URL(JSON.parse(line).url)));
      child.once('exit', (code) => reject(new Error(`the sample service exited with ${code}`)));
    });
    // 100 clients ask for /read and hang up at once: 100 × 50 ms = 5 s of lock time if served.
    const sockets = Array.from({ length: 100 }, () =>
      net.connect(Number(url.port), url.hostname, function ask(this: net.Socket) {
        this.write(`GET /read HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    const response = await fetch(new URL('/read', url));
    const took = Date.now() - started;
    assert.equal(response.status, 200);
    // Served, the backlog would hold the lock 100 × 50 ms = 5 s; skipped, a fresh request waits for
    // at most the few holders already inside. Half the backlog is a wide margin either way.
    const backlogMs = 100 * 50;
    assert.ok(took < backlogMs / 2, `a fresh /read took ${took} ms behind the abandoned ones`);
  } finally {
    child.kill('SIGKILL');
  }
});
