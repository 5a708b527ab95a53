/**
 * diagnose() on hand-built runs: one case per verdict and per threshold boundary, a saturated
 * framework service (CPU-bound, not GC), a crypto loop (the function that calls the hashing is
 * named), a worker thread's CPU (not "waiting"), and waits the locks do not explain.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze } from '../../src/profile/analyze';
import { breakdown } from '../../src/profile/breakdown';
import { parseProfile } from '../../src/profile/cpuprofile';
import { diagnose, type RunFigures, THRESHOLDS } from '../../src/profile/diagnosis';
import { packProfile } from '../../src/profile/packedProfile';
import type { Waits } from '../../src/profile/waits';
import { cpuProfile, type ProfileFrame, repeated } from '../helpers';

type Stack = [frames: string[], us: number];

/**
 * A profile from stacks and their self times. A frame is `name` (V8's own: `(idle)`,
 * `(garbage collector)`, a native like `writev`), `name@url:line` (a script), or
 * `name@:line` (code generated at run time: no URL, a position).
 */
function profileOf(stacks: Stack[]): ReturnType<typeof parseProfile> {
  return parseProfile(
    cpuProfile(
      // One sample per 100 µs, each ticking the line below the sampled script function's own.
      stacks.flatMap(([frames, us]) => {
        const stack = frames.map(frame);
        const leaf = stack.at(-1);
        const line =
          typeof leaf === 'object' && leaf.line !== undefined ? leaf.line + 2 : undefined;
        return repeated(Math.ceil(us / 100), stack, 100, line);
      }),
    ),
  );
}

function frame(key: string): ProfileFrame {
  const at = key.indexOf('@');
  if (at < 0) return key;
  const colon = key.lastIndexOf(':');
  return {
    name: key.slice(0, at),
    url: key.slice(at + 1, colon),
    line: Number(key.slice(colon + 1)) - 1,
    column: 0,
    scriptId: '1',
  };
}

const APP = 'file:///srv/app/server.js';
const EXPRESS = 'file:///srv/app/node_modules/express/lib/router/layer.js';
const load = (p50: number, requests = 1000) => ({
  requests,
  latencyMs: { p50 },
  errors: 0,
  timeouts: 0,
  non2xx: 0,
  statusCodes: { '200': requests },
});
const metrics = (cpuShare: number, cpuMs: number) => ({
  cpuUserMs: cpuMs,
  cpuSystemMs: 0,
  cpuShare,
});

function run(stacks: Stack[], figures: RunFigures = {}) {
  const analysis = analyze(profileOf(stacks));
  return { analysis, diagnosis: diagnose(analysis, figures) };
}

describe('diagnose', () => {
  test('a saturated framework service with 6 % GC is CPU-bound, and says where the CPU went', () => {
    const { diagnosis } = run(
      [
        [[`handle@${EXPRESS}:10`, `route@${APP}:20`, `tally@${APP}:30`], 50_000],
        [[`handle@${EXPRESS}:10`], 20_000],
        [[`handle@${EXPRESS}:10`, 'writev'], 15_000],
        [['(garbage collector)'], 6_000],
        [['(idle)'], 5_000],
      ],
      { load: load(12), metrics: metrics(0.97, 1000) },
    );
    assert.equal(diagnosis.verdict, 'cpu-bound', diagnosis.summary);
    assert.match(
      diagnosis.summary,
      /It went to your code 52 %, express 21 %, native code \(writev\) 16 %/,
    );
    assert.match(diagnosis.summary, /Most of your code's time is in tally \(server\.js:30\)/);
    assert.match(
      diagnosis.summary,
      /garbage collector took 6\.\d % of the window \(6\.\d % of the busy time\)/,
    );
    assert.equal(diagnosis.lookAt?.functionName, 'tally');
  });

  test('GC pressure needs GC to be a large share of the busy time', () => {
    const stacks = (gc: number): Stack[] => [
      [[`work@${APP}:5`], 100_000 - gc],
      [['(garbage collector)'], gc],
    ];
    const below = run(stacks(29_000), { metrics: metrics(1, 1000) });
    const at = run(stacks(30_000), { metrics: metrics(1, 1000) });
    assert.equal(below.diagnosis.verdict, 'cpu-bound');
    assert.match(
      below.diagnosis.summary,
      /29 % of the window \(29 % of the busy time\): allocation adds to it/,
    );
    assert.equal(at.diagnosis.verdict, 'gc-pressure', at.diagnosis.summary);
    assert.equal(THRESHOLDS.gc.minShareOfBusy, 0.3);
  });

  test('a crypto loop: the function that calls the hashing is named, with what it calls', () => {
    const { diagnosis } = run(
      [
        [[`route@${APP}:40`, `churn@${APP}:12`, 'Hash@node:internal/crypto/hash:88'], 30_000],
        [[`route@${APP}:40`, `churn@${APP}:12`, 'digest@node:internal/crypto/hash:150'], 27_000],
        [[`route@${APP}:40`, `churn@${APP}:12`], 1_000],
        [[`route@${APP}:40`, `scramble@${APP}:24`], 1_300],
        [['(idle)'], 2_000],
      ],
      { load: load(20), metrics: metrics(0.95, 900) },
    );
    assert.match(
      diagnosis.summary,
      /Most of your code's time is in churn \(server\.js:12\): 9\d % of the window with what it calls/,
    );
    assert.doesNotMatch(diagnosis.summary, /hottest line/, 'no 1.6 % line is "the hottest line"');
    assert.equal(diagnosis.lookAt?.functionName, 'churn');
  });

  test('a line is named only from 5 % of the window', () => {
    const stacks = (us: number): Stack[] => [
      [[`hot@${APP}:10`], us],
      [['(idle)'], 100_000 - us],
    ];
    // A cluster of 20 at one core each: CPU-bound, with a focus to name.
    const figures = { metrics: metrics(20, 1000), processes: 20 };
    assert.doesNotMatch(run(stacks(4_900), figures).diagnosis.summary, /hottest line/);
    assert.match(
      run(stacks(5_000), figures).diagnosis.summary,
      /its hottest line is server\.js:11 \(5\.0 %\)/,
    );
  });

  test('waiting: idle, latency far above the CPU per response; the boundary at 50 % busy', () => {
    const stacks = (busyUs: number): Stack[] => [
      [[`handler@${APP}:7`], busyUs],
      [['(idle)'], 100_000 - busyUs],
    ];
    const figures = { load: load(200, 100), metrics: metrics(0.1, 300) }; // 3 ms CPU, 200 ms p50
    assert.equal(run(stacks(50_000), figures).diagnosis.verdict, 'waiting');
    assert.equal(run(stacks(50_100), figures).diagnosis.verdict, 'mixed');
    const quick = { load: load(14, 100), metrics: metrics(0.1, 300) }; // 14 ms ÷ 3 ms < 5
    assert.equal(run(stacks(10_000), quick).diagnosis.verdict, 'mixed');
  });

  test('a worker thread at a full core while the main thread idles is CPU-bound, not waiting', () => {
    const { diagnosis } = run(
      [
        [['crunch@file:///srv/app/worker.js:3'], 47_000],
        [['(idle)'], 53_000],
      ],
      { load: load(230, 400), metrics: metrics(1.1, 1700), processes: 1 },
    );
    assert.equal(diagnosis.verdict, 'cpu-bound', diagnosis.summary);
    assert.match(diagnosis.summary, /process CPU 110 % of a core/);
  });

  test("a handler whose time is the framework's: the hot line of the function of yours it calls", () => {
    const { diagnosis } = run(
      [
        [[`handler@${APP}:40`, `send@${EXPRESS}:10`, 'writev'], 40_000],
        [[`handler@${APP}:40`, `tally@${APP}:30`], 30_000],
        [[`handler@${APP}:40`], 1_000],
        [['(idle)'], 5_000],
      ],
      { load: load(12), metrics: metrics(0.97, 1000) },
    );
    assert.match(
      diagnosis.summary,
      /time is in handler \(server\.js:40\): \d+ % of the window with what it calls; its hottest line is server\.js:31 in tally, which it calls \(39 %\)/,
    );
    assert.deepEqual([diagnosis.lookAt?.line, diagnosis.lookAt?.functionName], [31, 'tally']);
  });

  test('busy less than full, but each response takes about its CPU time: CPU-bound, the load was light', () => {
    const stacks: Stack[] = [
      [[`work@${APP}:5`], 70_000],
      [['(idle)'], 30_000],
    ];
    // 1,000 responses at 0.7 ms of CPU each, p50 1.4 ms: 2x; 2.2 ms: 3.1x.
    const light = run(stacks, { load: load(1.4, 1000), metrics: metrics(0.7, 700) }).diagnosis;
    assert.equal(light.verdict, 'cpu-bound', light.summary);
    assert.match(
      light.summary,
      /a response takes 1\.4 ms \(p50\) and costs 0\.7 ms of CPU: its time is the work itself\. The profile was idle 30 % of the window: the load did not keep it busy/,
    );
    const queued = run(stacks, { load: load(2.2, 1000), metrics: metrics(0.7, 700) }).diagnosis;
    assert.equal(queued.verdict, 'mixed', queued.summary);
    assert.match(queued.summary, /Try a ramp/);
    const starved = run(stacks, {
      load: load(2.2, 1000),
      metrics: metrics(0.7, 700),
      machine: { cores: 2, busyShare: 0.99, loadGeneratorCores: 0.3 },
    }).diagnosis;
    assert.equal(starved.verdict, 'mixed');
    assert.match(starved.summary, /short of CPU.*Run it again on a quiet machine/);
    assert.doesNotMatch(starved.summary, /Try a ramp/);
  });

  test('a file without a timeline (a pprof) gets no advice for a run: no ramp, no window', () => {
    const stacks = (idle: number): Stack[] => [
      [[`work@${APP}:5`], 100_000 - idle],
      [['(idle)'], idle],
    ];
    const file = (idle: number) =>
      diagnose(analyze({ ...packProfile(profileOf(stacks(idle))), noTimeline: true }));
    const mixed = file(35_000);
    const waiting = file(60_000);
    assert.deepEqual([mixed.verdict, waiting.verdict], ['mixed', 'waiting']);
    for (const { summary } of [mixed, waiting]) {
      assert.doesNotMatch(summary, /ramp|of the window/, summary);
      assert.doesNotMatch(summary, / $/, 'no space left where the advice was');
    }
    assert.match(mixed.summary, /busy 65 % of the sampled time/);
    // The same profile with its timeline: the advice stands (a run can be taken again).
    assert.match(run(stacks(35_000)).diagnosis.summary, /Try a ramp/);
    assert.match(run(stacks(60_000)).diagnosis.summary, /A ramp \(/);
  });

  test('a machine short of CPU is said, with who held it; a quiet one is not', () => {
    const stacks: Stack[] = [
      [[`work@${APP}:5`], 70_000],
      [['(idle)'], 30_000],
    ];
    const figures = { load: load(1.4, 1000), metrics: metrics(0.7, 700) };
    const busy = run(stacks, {
      ...figures,
      machine: { cores: 2, busyShare: 0.98, loadGeneratorCores: 0.4 },
    }).diagnosis;
    assert.match(busy.summary, /the machine was short of CPU \(below\)/);
    assert.match(
      busy.summary,
      /its 2 cores were 98 % busy over the window \(the service 0\.7, Hotpath's load 0\.4, other programs 0\.9 cores\)/,
    );
    const on4 = (share: number) =>
      run(stacks, {
        ...figures,
        machine: { cores: 4, busyShare: share, loadGeneratorCores: 0.4 },
      }).diagnosis.summary;
    // 4 cores: short of CPU under a quarter of a core idle, 93.75 % busy.
    assert.doesNotMatch(on4(0.93), /short of CPU/);
    assert.match(on4(0.94), /short of CPU.*other programs 2\.7 cores\), so the service ran slower/);
    // Other programs busy while the machine had idle cores to spare: nothing was taken.
    assert.doesNotMatch(
      run(stacks, { ...figures, machine: { cores: 2, busyShare: 0.39, loadGeneratorCores: 0.1 } })
        .diagnosis.summary,
      /short of CPU/,
    );
    assert.doesNotMatch(run(stacks, figures).diagnosis.summary, /short of CPU/);
    // Every core busy with the service and Hotpath's own load: said as such, not as others.
    const shared = run(stacks, {
      ...figures,
      machine: { cores: 2, busyShare: 0.97, loadGeneratorCores: 1.2 },
    }).diagnosis.summary;
    assert.match(
      shared,
      /other programs 0\.0 cores\): the service shared them with the load generator/,
    );
  });

  test('a cluster: CPU is judged per process', () => {
    const stacks: Stack[] = [
      [[`count@${APP}:9`], 60_000],
      [['(idle)'], 40_000],
    ];
    const figures = { load: load(10), metrics: metrics(1.7, 3400) };
    assert.equal(run(stacks, { ...figures, processes: 2 }).diagnosis.verdict, 'cpu-bound');
    assert.equal(run(stacks, { ...figures, processes: 3 }).diagnosis.verdict, 'mixed');
  });

  test('waits no lock explains, and what a ramp says of them', () => {
    const stacks: Stack[] = [
      [[`handler@${APP}:7`], 2_000],
      [['(idle)'], 98_000],
    ];
    const waits: Waits = {
      library: { name: 'async-mutex', version: '0.5.0' },
      sites: [
        {
          kind: 'Mutex',
          name: 'mutex · handlers.ts:12',
          site: { file: '/srv/app/server.js', line: 15, functionName: 'handler', mapped: true },
          stack: [],
          asked: 10,
          failed: 0,
          waitMs: { count: 10, total: 1, p50: 0.1, p90: 0.1, p99: 0.1, max: 0.1 },
          holdMs: { count: 10, total: 1, p50: 0.1, p90: 0.1, p99: 0.1, max: 0.1 },
          perSec: 5,
          waitShare: 0.01,
          heldAcrossAwait: false,
        },
      ],
    };
    const figures = { load: load(100, 100), metrics: metrics(0.02, 200) };
    const unexplained = run(stacks, { ...figures, waits }).diagnosis;
    assert.equal(unexplained.verdict, 'waiting');
    assert.match(
      unexplained.summary,
      /No lock explains it: the most waited-on, mutex · handlers\.ts:12 \(a Mutex\) acquired at server\.js:15, takes 1\.0 % of the latency/,
    );
    const noLocks = { ...figures, waits: { ...waits, sites: [] } };
    assert.match(
      run(stacks, noLocks).diagnosis.summary,
      /No lock explains it: the locks watched were never waited for\./,
    );
    // Watched, and no lock of a watched library seen: said plainly, with the libraries watched.
    assert.match(
      run(stacks, { ...figures, locksWatched: true }).diagnosis.summary,
      /No watched lock explains it: none was seen \(Hotpath watches async-mutex, async-lock, await-lock, async-sema, p-limit, p-queue\)\./,
    );
    assert.doesNotMatch(run(stacks, figures).diagnosis.summary, /lock explains/, 'not watched');
    const growing = run(stacks, { ...figures, ramp: { growth: 8, stillRising: true } }).diagnosis;
    assert.match(growing.summary, /each request waits on its own \(slow I\/O or a timer\)/);
    const flat = run(stacks, { ...figures, ramp: { growth: 1.1, stillRising: false } }).diagnosis;
    assert.match(flat.summary, /requests queue for something shared/);
  });

  test('CPU-bound from 80 % busy, or from 80 % of a core per process; below both, mixed', () => {
    const stacks = (busyUs: number): Stack[] => [
      [[`work@${APP}:5`], busyUs],
      [['(idle)'], 100_000 - busyUs],
    ];
    // p50 10 ms against 1 ms of CPU per response: not "the work is the latency", not waiting.
    const figures = (cores: number) => ({ load: load(10, 1000), metrics: metrics(cores, 1000) });
    assert.equal(run(stacks(80_000), figures(0.5)).diagnosis.verdict, 'cpu-bound');
    assert.equal(run(stacks(79_000), figures(0.5)).diagnosis.verdict, 'mixed');
    assert.equal(run(stacks(70_000), figures(0.8)).diagnosis.verdict, 'cpu-bound');
    assert.equal(run(stacks(70_000), figures(0.79)).diagnosis.verdict, 'mixed');
    assert.equal(THRESHOLDS.cpuBound.minBusyShare, 0.8);
    assert.equal(THRESHOLDS.cpuBound.minCoresPerProcess, 0.8);
  });

  test('failing from half the answers in error: 50 % is failing, 49 % is not', () => {
    const stacks: Stack[] = [
      [[`handler@${APP}:7`], 90_000],
      [['(idle)'], 10_000],
    ];
    const answers = (errors: number) => ({
      load: {
        ...load(5, 100),
        non2xx: errors,
        statusCodes: { '200': 100 - errors, '500': errors },
      },
      metrics: metrics(0.9, 500),
    });
    assert.equal(run(stacks, answers(50)).diagnosis.verdict, 'failing');
    assert.match(run(stacks, answers(50)).diagnosis.summary, /50 × 500/);
    assert.equal(run(stacks, answers(49)).diagnosis.verdict, 'cpu-bound');
  });

  test('failing: most answers errors, whatever the profile', () => {
    const { diagnosis } = run([[[`handler@${APP}:7`], 10_000]], {
      load: { ...load(5, 100), non2xx: 100, statusCodes: { '404': 100 } },
    });
    assert.equal(diagnosis.verdict, 'failing');
  });
});

test('the breakdown accounts for the whole window and names generated code by its caller', () => {
  const { analysis } = run([
    [['reply@file:///srv/app/node_modules/fastify/lib/reply.js:10', 'anonymous0@:160'], 20_000],
    [['reply@file:///srv/app/node_modules/fastify/lib/reply.js:10', 'writev'], 16_000],
    [['byteLength@node:buffer:769', ''], 18_000],
    [[`route@${APP}:3`], 2_000],
    [['(program)'], 1_000],
    [['(idle)'], 43_000],
  ]);
  const rows = breakdown(analysis);
  const total = rows.reduce((sum, r) => sum + r.share, 0);
  assert.ok(Math.abs(total - 1) < 1e-9, `the rows add up to ${total}`);
  const generated = rows.find((r) => r.kind === 'generated');
  assert.equal(generated?.owner, 'fastify');
  assert.equal(generated?.names[0].name, 'anonymous0');
  const native = rows.find((r) => r.kind === 'native');
  assert.deepEqual(
    native?.names.map((n) => n.name),
    ['native code in byteLength', 'writev'],
  );
  assert.equal(rows.find((r) => r.kind === 'unattributed')?.share, 0.01);
});

test("the agent's own frames, and the Node and native work they call, are the agent's row", () => {
  const AGENT = 'file:///ext/hotpath/dist/agent.js';
  const { analysis } = run([
    // The lock watcher capturing a stack: Node's internals and a native, called by the agent.
    [
      [
        `acquire@${AGENT}:3`,
        'prepareStackTraceCallback@node:internal/errors:90',
        'captureStackTrace',
      ],
      3_000,
    ],
    [[`acquire@${AGENT}:3`], 1_000],
    // The agent's wrapper calling the package, which calls the user's code: theirs, not the agent's.
    [
      [
        `acquire@${AGENT}:3`,
        'runExclusive@file:///srv/app/node_modules/async-mutex/index.js:5',
        `route@${APP}:3`,
      ],
      4_000,
    ],
    [[`route@${APP}:3`, 'writev'], 2_000],
  ]);
  const rows = breakdown(analysis);
  const agent = rows.find((r) => r.kind === 'hotpath');
  assert.equal(agent?.us, 4_000);
  assert.deepEqual(
    agent?.names.map((n) => n.name),
    ['captureStackTrace', 'acquire'],
  );
  assert.equal(rows.find((r) => r.kind === 'user')?.us, 4_000);
  assert.equal(rows.find((r) => r.kind === 'native')?.us, 2_000, 'writev called by the user');
  assert.equal(
    rows.find((r) => r.kind === 'node'),
    undefined,
  );
});
