/**
 * Attach to a TypeScript service compiled in memory: the zoo's TypeScript shop run by real tsx
 * and by real ts-node, started here with `--inspect=127.0.0.1:0` (no agent) and loaded first by
 * real autocannon. Their source maps exist only in the process; the run reads them over the
 * inspector (tsx's from Node's own, ts-node's from the debugger's scripts) and keeps them in its
 * `sourcemaps.json`, so the hot function is named in `pricing.ts` as when Hotpath starts the
 * service itself (zoo.test.ts): by its declaration under tsx, by its exact hot line under ts-node.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import autocannon from 'autocannon';
import { hotFunctions } from '../../src/profile/analyze';
import { SOURCE_MAPS_FILE } from '../../src/record/run';
import { resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { loadRun } from '../../src/runs/runFolder';
import { alive, tempFolder } from '../helpers';
import { hotLineOf, inspectedTypeScript, ZOO } from '../zoo';

const out = tempFolder('attach-ts');
after(() => fs.rmSync(out, { recursive: true, force: true }));

const PRICING = path.join(ZOO, 'ts', 'pricing.ts');
const declared =
  fs
    .readFileSync(PRICING, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes('export function priceBasket')) + 1;

/** The run's words for the debugger turned on to read ts-node's maps: how long, how many scripts. */
const DEBUGGER = /^the service's debugger was on for \d+ ms after the window .* its \d+ scripts\)/;

/** The zoo's TypeScript service under `loader`, inspected, after 2 s of traffic; then attached. */
async function attachedRun(loader: string[]) {
  const service = await inspectedTypeScript(loader);
  const { url } = service;
  try {
    // Traffic before any profiler: V8 optimises priceBasket and logs none of it.
    const served = await new Promise<autocannon.Result>((resolve, reject) =>
      autocannon({ url: `${url}/quote`, duration: 2, connections: 4 }, (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    );
    assert.ok(served['2xx'] > 0, 'the service served its load before the attach');
    const { folder, record } = await runProfile(
      resolveRunOptions({
        path: '/quote',
        attach: service.inspector,
        url,
        connections: 4,
        durationSec: 2,
        warmupSec: 1,
        outDir: out,
      }),
    );
    assert.equal(record.status, 'done', JSON.stringify(record.error));
    assert.ok(alive(service.child.pid as number), 'the service runs on');
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const run = loadRun(folder);
    const [hottest] = hotFunctions(run.analysis, 1, ['user']);
    assert.equal(hottest?.name, 'priceBasket', JSON.stringify(hottest));
    assert.equal(hottest.original?.source, PRICING, 'mapped to the .ts file');
    assert.ok(
      record.profile.file !== null && record.profile.sourceMaps >= 1,
      JSON.stringify(record.profile),
    );
    assert.ok(fs.existsSync(path.join(folder, SOURCE_MAPS_FILE)), 'the maps kept in the run');
    return { record, run, hottest };
  } finally {
    service.child.kill('SIGKILL');
  }
}

describe('attach to a TypeScript service compiled in memory', { timeout: 60_000 }, () => {
  test('tsx: the hot function at its declaration in pricing.ts, with the one-line note; no debugger turned on', async () => {
    const { record, run, hottest } = await attachedRun(['--import', 'tsx']);
    assert.equal(hottest.original?.line, declared, 'the start maps to its declaration');
    assert.ok(
      run.analysis.notes.includes(
        'line heat unavailable for pricing.ts: tsx runs this file as one line (it minifies whitespace), so only its functions are timed',
      ),
      run.analysis.notes.join('\n'),
    );
    // tsx hands its maps to Node, which keeps them: read without the debugger.
    assert.ok(!record.attach?.sideEffects.some((s) => DEBUGGER.test(s)), 'no debugger for tsx');
  });

  test("ts-node: the hot function's exact line in pricing.ts, read through the debugger, said in the run", async () => {
    const { record, run } = await attachedRun(['-r', 'ts-node/register']);
    const lines = run.analysis.lines.filter((l) => l.file === PRICING).map((l) => l.line);
    assert.equal(lines[0], hotLineOf(PRICING), `lines of pricing.ts: ${lines}`);
    assert.ok(
      record.attach?.sideEffects.some((s) => DEBUGGER.test(s)),
      JSON.stringify(record.attach?.sideEffects),
    );
  });
});
