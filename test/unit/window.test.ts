/**
 * The window's rules (src/runner/window.ts) that read the machine: the kernel's receive queues
 * of a port's connections, as the drain reads them, and the service's count of finished responses
 * cut at the load's end.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { servedInWindow, unreadWork } from '../../src/runner/window';

test('unreadWork sees bytes a service has not read, on open and on closed connections', async (t) => {
  if (process.platform !== 'linux') return t.skip('/proc/net/tcp is Linux only');
  const accepted: net.Socket[] = [];
  // pauseOnConnect: the server never reads, like a service whose one thread is busy elsewhere.
  const server = net.createServer({ pauseOnConnect: true }, (socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    assert.deepEqual(unreadWork(port), { connections: 0, bytes: 0, notAccepted: 0 });
    const request = 'GET /report HTTP/1.1\r\nHost: x\r\n\r\n';
    const clients = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const client = net.connect(port, '127.0.0.1', () =>
              client.write(request, () => resolve(client)),
            );
            client.on('error', () => {});
          }),
      ),
    );
    // The client that leaves: its request stays in the server's queue all the same.
    clients[2].destroy();
    const until = Date.now() + 5000;
    let unread = unreadWork(port);
    while (
      Date.now() < until &&
      ((unread?.bytes ?? 0) < 3 * request.length + 1 || accepted.length < 3)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      unread = unreadWork(port);
    }
    assert.equal(unread?.connections, 3, JSON.stringify(unread));
    // The kernel counts the closed connection's FIN as one more unread byte.
    assert.equal(unread?.bytes, 3 * request.length + 1);
    // Read: the queues are empty.
    for (const socket of accepted) {
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.resume();
    }
    const read = Date.now() + 5000;
    while (Date.now() < read && (unreadWork(port)?.bytes ?? 0) > 0)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(unreadWork(port)?.bytes, 0);
    for (const client of clients) client.destroy();
  } finally {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('servedInWindow cuts the finished responses at the load end, bucket by bucket', () => {
  const since = 1_000_000;
  const served = servedInWindow(
    9,
    [
      { since, bucketMs: 100, counts: [1, 2, 0, 3] },
      { since: since + 50, bucketMs: 100, counts: [1, 0, 2] },
    ],
    since + 250,
  );
  // First agent: buckets from 0, 100, 200 ms began before 250 ms (1 + 2 + 0); the second's
  // from 50 and 150 did (1 + 0), its 250 ms bucket did not.
  assert.deepEqual(served, { started: 9, finished: 9, finishedDuringLoad: 4 });
});
