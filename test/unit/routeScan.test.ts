import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { findRoutes, hasParameters } from '../../src/routes/scan';

test('finds shorthand registrations of Fastify, Express and routers, at their line', () => {
  const source = [
    "import Fastify from 'fastify';",
    'const fastify = Fastify();',
    "fastify.get('/x', async () => 'x');",
    'app.post("/orders", handler);',
    '  router',
    '    .delete(`/orders/:id`, remove);',
    "adminRouter.put('/admin/users/:id', update);",
    "server.all('/any', h);",
  ].join('\n');
  assert.deepEqual(
    findRoutes(source).map((r) => [r.method, r.path, r.line, r.character]),
    [
      ['GET', '/x', 2, 0],
      ['POST', '/orders', 3, 0],
      ['DELETE', '/orders/:id', 4, 2],
      ['PUT', '/admin/users/:id', 6, 0],
      ['GET', '/any', 7, 0],
    ],
  );
});

test('finds route({ method, url }) with a method list, and skips what is not a server', () => {
  const source = `
fastify.route({
  method: ['POST', 'GET'],
  url: '/items',
  handler: async () => ({ nested: { a: 1 } }),
});
app.route({ url: "/one", method: "patch", handler });
const data = await axios.get('/api/users');
cache.get('/not-a-route');
headers.get("/also-not");
app.route({ method: 'GET' });
`;
  assert.deepEqual(
    findRoutes(source).map((r) => [r.method, r.path, r.line]),
    [
      ['GET', '/items', 1],
      ['PATCH', '/one', 6],
    ],
  );
});

test('finds every route of the bundled sample service', () => {
  const app = fs.readFileSync(path.join(__dirname, '../../src/sampleService/app.ts'), 'utf8');
  assert.deepEqual(
    findRoutes(app).map((r) => `${r.method} ${r.path}`),
    [
      'GET /read',
      'GET /fast',
      'GET /cpu',
      'GET /cpualloc',
      'GET /clients',
      'POST /clients/:id',
      'GET /hello',
    ],
  );
});

test('tells paths that need concrete values', () => {
  assert.equal(hasParameters('/clients/:id'), true);
  assert.equal(hasParameters('/files/*'), true);
  assert.equal(hasParameters('/users/{id}'), true);
  assert.equal(hasParameters('/cpu'), false);
});

test('finds nothing, and throws nothing, in text that is cut off or is not code', () => {
  for (const text of [
    '',
    'app.get(',
    "app.get('/cut",
    "app.route({ method: 'GET', url: '",
    '{{{{',
    '\u0000'.repeat(10),
  ])
    assert.deepEqual(findRoutes(text), [], JSON.stringify(text));
});
