/**
 * The lock libraries users have, each profiled through the CLI (issue #26, section 4): a route
 * that holds an async-lock, await-lock 2 or async-sema (a `Sema` of 1) lock, or, loaded as ES
 * modules, a p-limit limiter of 1, a p-queue of concurrency 1, async-mutex's ES module build or an
 * await-lock 3 lock, across `await sleep(50)` waits, and the verdict names the lock, where it was
 * created and acquired, and says it is held across an await. Twenty connections queue for one lock that each holds 50 ms:
 * about 1000 / 50 = 20 responses a second, whatever the machine.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempFolder } from '../helpers';
import { NODE_BINARIES, type NodeMajor, nodeBinary } from '../nodeBinaries';
import { profileByCli } from '../zoo';

let out: string;
before(() => {
  out = tempFolder('lock-libraries');
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

const SLEEP_MS = 50;

interface Library {
  /** The package (as run.json names it), and the zoo folder of its service unless `folder` says. */
  name: string;
  folder?: string;
  /** The service's file: server.js unless said (an ES module's server.mjs). */
  script?: string;
  /** The lock's kind, and as the verdict says it ("a Sema"). */
  kind: string;
  said: string;
  /** Text of the line that creates the lock, and of the line that acquires it. */
  created: string;
  acquired: string;
  /** The lock's name in the report: the variable it was created into. */
  variable: string;
}

const LIBRARIES: Library[] = [
  {
    name: 'async-lock',
    kind: 'AsyncLock',
    said: 'an AsyncLock',
    created: 'const ledger = new AsyncLock()',
    acquired: "ledger.acquire('accounts'",
    variable: 'ledger',
  },
  {
    name: 'await-lock',
    kind: 'AwaitLock',
    said: 'an AwaitLock',
    created: 'const ledger = new AwaitLock()',
    acquired: 'await ledger.acquireAsync()',
    variable: 'ledger',
  },
  {
    name: 'async-sema',
    kind: 'Sema',
    said: 'a Sema',
    created: 'const ledger = new Sema(1)',
    acquired: 'await ledger.acquire()',
    variable: 'ledger',
  },
  {
    name: 'p-limit',
    script: 'server.mjs',
    kind: 'pLimit',
    said: 'a pLimit',
    created: 'const ledger = pLimit(1)',
    acquired: 'ledger(async () =>',
    variable: 'ledger',
  },
  {
    name: 'p-queue',
    script: 'server.mjs',
    kind: 'PQueue',
    said: 'a PQueue',
    created: 'const ledger = new PQueue(',
    acquired: 'await ledger.add(',
    variable: 'ledger',
  },
  {
    name: 'async-mutex',
    folder: 'async-mutex-esm',
    script: 'server.mjs',
    kind: 'Mutex',
    said: 'a Mutex',
    created: 'const ledger = new Mutex()',
    acquired: 'await ledger.acquire()',
    variable: 'ledger',
  },
  {
    name: 'await-lock',
    folder: 'await-lock-3',
    script: 'server.mjs',
    kind: 'AwaitLock',
    said: 'an AwaitLock',
    created: 'const ledger = new AwaitLock()',
    acquired: 'await ledger.acquireAsync()',
    variable: 'ledger',
  },
];

/** The 1-based line of `file` that holds `text`. */
function lineOf(file: string, text: string): number {
  const line =
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1;
  assert.ok(line > 0, `${text} in ${file}`);
  return line;
}

async function profile(library: Library, node?: string) {
  const script = library.script ?? 'server.js';
  const folder = library.folder ?? library.name;
  const profiled = await profileByCli(folder, '/balance', 20, out, script, node);
  return { ...profiled, script, file: path.join(profiled.cwd, script) };
}

describe('lock libraries, through the CLI', { timeout: 120_000 }, () => {
  for (const library of LIBRARIES) {
    test(`${library.folder ?? library.name}: waiting, the lock named at its acquire line, held across the await`, async () => {
      const { run, record, loaded, file, script } = await profile(library);
      const shown = script.replace('.', '\\.');
      const created = lineOf(file, library.created);
      const acquired = lineOf(file, library.acquired);
      const { diagnosis, waits } = loaded;
      assert.equal(diagnosis.verdict, 'waiting', diagnosis.summary);
      assert.equal(waits?.library.name, library.name, 'the library, as run.json names it');
      const top = waits?.sites[0];
      assert.ok(top, `a lock report: ${run.stdout}`);
      assert.equal(top.kind, library.kind);
      assert.equal(top.name, `${library.variable} · ${script}:${created}`);
      assert.deepEqual([top.site.file, top.site.line], [file, acquired]);
      assert.ok(top.heldAcrossAwait, `held ${top.holdMs.p50} ms p50: across the await`);
      // Only the lock is reported: async-sema's Sema of 64 and p-limit's limiter of 64 are not locks.
      assert.deepEqual(
        waits?.sites.map((s) => s.name),
        [top.name],
        'one lock, the one the route holds',
      );
      assert.match(
        diagnosis.summary,
        new RegExp(
          `waiting for ${library.variable} · ${shown}:${created} \\(${library.said}\\) acquired at ${shown}:${acquired} .*across an await`,
        ),
      );
      assert.match(run.stdout, new RegExp(`lock waits \\(${library.name} [\\d.]+\\)`));
      // One lock held 50 ms at a time: about 1000 / 50 responses a second, never many more.
      const perSec = record.load?.requestsPerSec ?? 0;
      assert.ok(perSec > 0, 'responses');
      assert.ok(
        perSec < (1000 / SLEEP_MS) * 1.5,
        `${perSec} req/s: the lock lets one request at a time through`,
      );
    });
  }
});

/**
 * The fix, measured: the same service's route that holds the lock across the await, then the
 * route that releases it first, compared through the CLI. The headline is the measured change
 * (req/s, with its interval) and the lock's wait that went away; never a function whose change
 * is inside the runs' noise or under 1 % of the window (a function's self time per request moves
 * a lot when 20 times more requests share the window).
 */
describe('a fixed route, compared through the CLI', { timeout: 120_000 }, () => {
  test('await-lock 3: the lock released before the await, the headline says req/s and the wait', async () => {
    const runs = path.join(out, 'compare');
    // One endpoint before and after the fix (FIXED=1: the service's code after it).
    const locked = await profileByCli('await-lock-3', '/balance', 20, runs, 'server.mjs');
    const fixed = await profileByCli(
      'await-lock-3',
      '/balance',
      20,
      runs,
      'server.mjs',
      process.execPath,
      'FIXED=1',
    );
    const created = lineOf(path.join(locked.cwd, 'server.mjs'), 'const ledger = new AwaitLock()');
    const compared = runCli(locked.cwd, ['compare', locked.folder, fixed.folder]);
    assert.equal(compared.code, 0, `${compared.stdout}\n${compared.stderr}`);
    const headline = /^ {2}headline +(.*)$/m.exec(compared.stdout)?.[1] ?? '';
    const faster = /^Faster: ([\d.]+)x the requests per second \(95 % CI [\d.]+–[\d.]+x\)/.exec(
      headline,
    );
    assert.ok(faster, `the measured change first: ${headline}`);
    const measured =
      (fixed.record.load?.requestsPerSec ?? 0) / (locked.record.load?.requestsPerSec ?? 1);
    assert.ok(measured > 4, `${measured}x: the fix lets more than one request through at a time`);
    assert.ok(
      Math.abs(Number(faster[1]) / measured - 1) < 0.1,
      `${faster[1]}x is the runs' req/s ratio, ${measured.toFixed(1)}x`,
    );
    assert.match(
      headline,
      new RegExp(
        `The biggest change in your code: the wait for ledger · server\\.mjs:${created} \\(an AwaitLock, .*\\) went from [\\d.,]+ ms p50 \\([\\d.]+ % of the latency\\) to none\\.$`,
      ),
      'the cause is the wait that went away, not a function',
    );
    const json = runCli(locked.cwd, ['compare', locked.folder, fixed.folder, '--json']);
    const { functions } = JSON.parse(json.stdout) as { functions: { name: string }[] };
    const cause = headline.slice(headline.indexOf('The biggest change'));
    for (const { name } of functions.slice(0, 10))
      assert.ok(
        name.length < 3 || !cause.includes(name),
        `${name}, a function change, is not the headline: ${cause}`,
      );
  });
});

/**
 * The agent hooks `import` one way on Node 20 (`module.register`, the tests' Node) and another on
 * Node 22.15+ and 24 (`module.registerHooks`, in the service's thread): p-limit, an ES module
 * only, with the service on each of those Nodes.
 */
describe('an ES module lock library with the service on Node 22 and 24', {
  timeout: 120_000,
}, () => {
  const pLimit = LIBRARIES.find((l) => l.name === 'p-limit') as Library;
  for (const major of Object.keys(NODE_BINARIES).map(Number) as NodeMajor[]) {
    test(`p-limit on Node ${major}: the lock named at its acquire line`, async () => {
      const { record, loaded, file, script } = await profile(pLimit, nodeBinary(major));
      assert.equal(record.target.node, `v${NODE_BINARIES[major].version}`, 'that Node ran it');
      const top = loaded.waits?.sites[0];
      assert.ok(top, 'a lock report');
      assert.equal(top.name, `ledger · ${script}:${lineOf(file, pLimit.created)}`);
      assert.deepEqual([top.site.file, top.site.line], [file, lineOf(file, pLimit.acquired)]);
      assert.ok(top.heldAcrossAwait);
    });
  }
});
