/** Locust users and the paths they request, read from a locustfile's text. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { scanLocustfile } from '../../src/routes/locustfiles';

test("the walk-through's read.py: one HttpUser, one path", () => {
  const file = path.join(__dirname, '..', '..', 'src', 'sampleService', 'locust', 'read.py');
  const scan = scanLocustfile(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(scan.users, [{ name: 'ReadUser', line: 4, character: 0 }]);
  assert.deepEqual(scan.paths, ['/read']);
});

test('HttpUser and FastHttpUser classes, not other classes; names given with name= count', () => {
  const scan = scanLocustfile(
    [
      'from locust import HttpUser, task',
      'from locust.contrib.fasthttp import FastHttpUser',
      'class Helper(object):',
      '    pass',
      'class Shop(HttpUser):',
      '    @task',
      '    def orders(self):',
      '        self.client.get(f"/orders/{1}", name="/orders/:id")',
      '        self.client.post("/cart", json={})',
      '  class Inner(locust.FastHttpUser):',
      '      def a(self):',
      "          self.client.request('GET', '/hello')",
      'class NotAUser(HttpUserish):',
      '    pass',
    ].join('\n'),
  );
  assert.deepEqual(
    scan.users.map((u) => [u.name, u.line, u.character]),
    [
      ['Shop', 4, 0],
      ['Inner', 9, 2],
    ],
  );
  assert.deepEqual(scan.paths, ['/orders/:id', '/cart', '/hello']);
});

test('a file without users has none', () => {
  assert.deepEqual(scanLocustfile('import os\nprint("/x")\n'), { users: [], paths: [] });
});
