import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/sampleService/app';
import { SAMPLE_ROUTES } from '../../src/sampleService/routes';

// The ids 878934, 223821 and 126722 add up to 1,229,477.
const IDS_SUM = 878934 + 223821 + 126722;

describe('sample service', () => {
  test('/read and /fast return the sum of the parsed ids', async () => {
    const app = buildApp({ slowCallMs: 1 });
    for (const url of ['/read', '/fast']) {
      const response = await app.inject(url);
      assert.equal(response.statusCode, 200, url);
      assert.deepEqual(response.json(), { total: IDS_SUM }, url);
    }
    await app.close();
  });

  test('/cpu and /cpualloc fold the same sum, with and without the copy', async () => {
    const iterations = 5000;
    const app = buildApp({ iterations });
    // The sum over i of (i + IDS_SUM), wrapped to a signed 32-bit integer as the handlers fold it.
    const exact =
      (BigInt(iterations) * BigInt(iterations - 1)) / 2n + BigInt(iterations) * BigInt(IDS_SUM);
    const expected = Number(BigInt.asIntN(32, exact));
    assert.notEqual(BigInt(expected), exact, 'the sum is large enough to wrap');
    for (const url of ['/cpu', '/cpualloc']) {
      assert.deepEqual((await app.inject(url)).json(), { total: expected }, url);
    }
    await app.close();
  });

  test('/read lets one request at a time hold its lock across the slow call', async () => {
    const app = buildApp({ slowCallMs: 40 });
    const started = Date.now();
    await Promise.all([app.inject('/read'), app.inject('/read'), app.inject('/read')]);
    const readMs = Date.now() - started;
    assert.ok(readMs >= 3 * 40 - 5, 'three /read calls are served one after another');
    const fastStarted = Date.now();
    await Promise.all([app.inject('/fast'), app.inject('/fast'), app.inject('/fast')]);
    const fastMs = Date.now() - fastStarted;
    // Side by side: three /fast calls overlap in about one slow call, three /read calls take
    // three. Two thirds of /read's time tells the two apart however slow the machine is.
    assert.ok(fastMs < (readMs * 2) / 3, `/fast calls overlap: ${fastMs} ms against ${readMs} ms`);
    await app.close();
  });

  test('POST /clients/:id writes through the write lock and is seen by readers', async () => {
    const app = buildApp();
    const created = await app.inject({
      method: 'POST',
      url: '/clients/11-22-33',
      payload: { subscribed_topics: ['jazz'] },
    });
    assert.equal(created.statusCode, 201);
    assert.deepEqual(created.json(), { user_id: '112233', subscribed_topics: ['jazz'] });
    const replaced = await app.inject({
      method: 'POST',
      url: '/clients/11-22-33',
      payload: { subscribed_topics: ['blues'] },
    });
    assert.equal(replaced.statusCode, 200);
    const clients = (await app.inject('/clients')).json() as { user_id: string }[];
    assert.equal(clients.length, 4);
    assert.deepEqual((await app.inject('/fast')).json(), { total: IDS_SUM + 112233 });
    const invalid = await app.inject({ method: 'POST', url: '/clients/x', payload: { topics: 1 } });
    assert.equal(invalid.statusCode, 400);
    await app.close();
  });

  test('SAMPLE_ROUTES (what the extension offers) is exactly the routes the service registers', async () => {
    const app = buildApp();
    await app.ready();
    // Fastify's own listing, a tree of path segments: "├── /cpu (GET, HEAD)", "│   └── alloc (…)".
    const registered: string[] = [];
    const prefixes: string[] = [];
    for (const row of app.printRoutes({ commonPrefix: false }).split('\n')) {
      const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(row);
      if (!match) continue;
      const depth = match[1].length / 4;
      prefixes[depth] = (prefixes[depth - 1] ?? '') + match[2];
      for (const method of match[3]?.split(', ') ?? [])
        if (method !== 'HEAD') registered.push(`${method} ${prefixes[depth]}`); // HEAD: Fastify's, with each GET
    }
    assert.ok(registered.length >= 5, `the listing was read: ${registered}`);
    assert.deepEqual(
      [...registered].sort(),
      SAMPLE_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    await app.close();
  });

  test('an unknown route is a 404', async () => {
    const app = buildApp();
    assert.equal((await app.inject('/nope')).statusCode, 404);
    await app.close();
  });
});
