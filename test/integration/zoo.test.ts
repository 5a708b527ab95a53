/**
 * The zoo's TypeScript and built services, profiled for real with short loads: the hottest
 * function of the user's code by name and original file, and its exact `file:line` where lines
 * can be had, or the note that says why not.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hotFunctions, sourceOf } from '../../src/profile/analyze';
import { breakdown } from '../../src/profile/breakdown';
import { resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { loadRun } from '../../src/runs/runFolder';
import { freePort, tempFolder } from '../helpers';
import { buildZoo, hotLineOf, type ZooService, zooServices } from '../zoo';

const out = tempFolder('zoo');
let services: ZooService[] = [];
before(() => {
  services = zooServices(buildZoo(out));
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

async function profile(name: string) {
  const service = services.find((s) => s.name === name);
  assert.ok(service, name);
  const port = await freePort();
  const { folder, record } = await runProfile(
    resolveRunOptions({
      path: service.route,
      service: `PORT=${port} ${service.command}`,
      url: `http://127.0.0.1:${port}`,
      cwd: service.cwd,
      connections: 4,
      durationSec: 2,
      warmupSec: 0.5,
      outDir: path.join(out, 'runs'),
    }),
  );
  assert.equal(record.status, 'done', record.error?.message);
  const { analysis, diagnosis } = loadRun(folder);
  const hottest = hotFunctions(analysis, 1, ['user'])[0];
  assert.ok(hottest, 'a function of the user’s code has self time');
  return { service, analysis, diagnosis, hottest };
}

describe('the zoo: TypeScript and built services', { timeout: 100_000 }, () => {
  test('tsc: the hot function and its exact .ts line', async () => {
    const { service, analysis, diagnosis, hottest } = await profile('tsc');
    const file = service.hotFile as string;
    assert.equal(hottest.name, service.hotFunction);
    assert.equal(hottest.original?.source, file);
    const hot = analysis.lines.find((l) => analysis.functions[l.functionId]?.category === 'user');
    assert.equal(`${hot?.file}:${hot?.line}`, `${file}:${hotLineOf(file)}`);
    assert.equal(diagnosis.lookAt?.line, hotLineOf(file));
  });

  // ts-node hands Node its code with an inline map, which Node keeps only with source maps
  // enabled: the agent enables them when ts-node runs the service, so its lines are exact.
  for (const name of ['ts-node (CJS)', 'ts-node/esm']) {
    test(`${name}: the hot function and its exact .ts line`, async () => {
      const { service, analysis, diagnosis, hottest } = await profile(name);
      const file = service.hotFile as string;
      assert.equal(hottest.name, service.hotFunction);
      assert.equal(sourceOf(hottest)?.source, file);
      const lines = analysis.lines.filter((l) => l.file === file).map((l) => l.line);
      assert.equal(lines[0], hotLineOf(file), `lines of ${path.basename(file)}: ${lines}`);
      assert.equal(diagnosis.lookAt?.line, hotLineOf(file));
    });
  }

  test('tsx: the hot function by its start column, no line, the note', async () => {
    const { service, analysis, diagnosis, hottest } = await profile('tsx');
    assert.equal(hottest.name, 'priceBasket');
    assert.equal(hottest.original?.source, service.hotFile);
    const declared = fs
      .readFileSync(service.hotFile as string, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('export function priceBasket'));
    assert.equal(hottest.original?.line, declared + 1, 'the start maps to its declaration');
    assert.deepEqual(
      analysis.lines.filter((l) => l.file === service.hotFile).map((l) => l.line),
      [],
      'no line of pricing.ts is named, least of all the declaration',
    );
    assert.ok(
      analysis.notes.includes(
        'line heat unavailable for pricing.ts: tsx runs this file as one line (it minifies whitespace), so only its functions are timed',
      ),
      analysis.notes.join('\n'),
    );
    assert.equal(diagnosis.lookAt?.functionOnly, true);
    assert.doesNotMatch(diagnosis.summary, /hottest line/);
  });

  test('esbuild --minify: names from the map, the original file, the note', async () => {
    const { service, analysis, hottest } = await profile('esbuild --minify');
    // V8 may inline scramble into churn: either is the truth, never a minified name.
    assert.ok(['scramble', 'churn'].includes(hottest.name), hottest.name);
    assert.equal(hottest.original?.source, service.hotFile);
    assert.deepEqual(
      analysis.lines.filter((l) => l.file === service.hotFile).map((l) => l.line),
      [],
    );
    assert.ok(
      analysis.notes.some((n) =>
        n.startsWith(
          'line heat unavailable for server.js: a minified build puts many lines on one',
        ),
      ),
      analysis.notes.join('\n'),
    );
  });

  test('Fastify with a response schema: the breakdown accounts for all of the window, writev and the generated serializers named', async () => {
    const { analysis } = await profile('fastify (schema)');
    const rows = breakdown(analysis);
    const total = rows.reduce((sum, r) => sum + r.share, 0);
    assert.ok(Math.abs(total - 1) < 1e-6, `the rows add up to ${total}`);
    const unattributed = rows.find((r) => r.kind === 'unattributed')?.share ?? 0;
    assert.ok(unattributed <= 0.02, `unattributed ${unattributed}`);
    const native = rows.find((r) => r.kind === 'native');
    assert.ok(
      native?.names.some((n) => n.name === 'writev'),
      `writev among the natives: ${JSON.stringify(native?.names)}`,
    );
    const generated = rows.find((r) => r.kind === 'generated');
    assert.ok(
      generated && generated.share > 0.01,
      JSON.stringify(rows.map((r) => [r.kind, r.owner, r.share])),
    );
    assert.match(
      generated.names[0].name,
      /^anonymous\d+$/,
      'fast-json-stringify’s compiled serializers',
    );
    assert.ok(
      !rows.some((r) => r.kind === 'hotpath' && r.share > 0.02),
      'Hotpath’s agent stays small',
    );
  });
});
