import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze } from '../../src/profile/analyze';
import { compareRuns } from '../../src/profile/compare';
import { parseProfile } from '../../src/profile/cpuprofile';
import { failedGates, parseGate } from '../../src/profile/gates';
import { packProfile } from '../../src/profile/packedProfile';
import type { LockSite, Waits } from '../../src/profile/waits';
import type { RunRecord } from '../../src/record/run';
import {
  comparisonHeadline,
  comparisonVerdicts,
  lockChangeTexts,
  runDifferences,
  runLabel,
} from '../../src/report/comparison';
import { comparisonMarkdown } from '../../src/report/markdown';
import { comparisonReportData } from '../../src/report/reportData';
import { formatComparison } from '../../src/report/text';
import { cpuProfile, type ProfileFrame } from '../helpers';

const APP = '/srv/app.js';
/** (root) -> handler -> work; `handlerUs` in the handler itself and `workUs` in work, one sample each. */
function run(
  handlerUs: number,
  workUs: number,
  requests: number,
  requestsPerSec: number,
  p50: number,
  workUrl = APP,
) {
  const handler = { name: 'handler', url: APP, line: 4 };
  const profile = parseProfile(
    cpuProfile([
      { stack: [handler], us: handlerUs },
      { stack: [handler, { name: 'work', url: workUrl, line: 9 }], us: workUs },
    ]),
  );
  return {
    analysis: analyze(profile),
    load: {
      requests,
      requestsPerSec,
      latencyMs: { p50, p90: p50 * 2, p99: p50 * 3 },
      errors: 0,
      non2xx: 0,
    },
    metrics: { cpuUserMs: (handlerUs + workUs) / 1000, cpuSystemMs: 0 },
  };
}

describe('compareRuns', () => {
  // Before: 100 requests, work 8000 µs in all (80 µs each). After: 400 requests, work 4000 µs (10 µs each).
  const before = run(2000, 8000, 100, 50, 40);
  const after = run(2000, 4000, 400, 200, 10);
  const comparison = compareRuns(before, after);

  test('ratios are after ÷ before', () => {
    assert.equal(comparison.ratios.requestsPerSec, 4);
    assert.equal(comparison.ratios.latencyP50, 0.25);
    assert.equal(comparison.ratios.latencyP99, 0.25);
    assert.equal(comparison.ratios.cpuPerRequest, 15 / 100);
  });

  test('self time is compared per request, biggest change first', () => {
    assert.equal(comparison.unit, 'us-per-request');
    const [first, second] = comparison.functions;
    assert.equal(first.name, 'work');
    assert.equal(first.before, 80);
    assert.equal(first.after, 10);
    assert.equal(second.name, 'handler');
    assert.equal(second.before, 20);
    assert.equal(second.after, 5);
  });

  test('the diff tree carries both runs along each path', () => {
    const handler = comparison.tree.children.find((c) => c.name === 'handler');
    assert.ok(handler);
    assert.equal(handler.before, 100);
    assert.equal(handler.after, 15);
    assert.equal(handler.children[0].name, 'work');
    assert.equal(handler.children[0].after, 10);
  });

  test('without request counts, runs compare by share of their duration', () => {
    const lone = compareRuns({ analysis: before.analysis }, { analysis: after.analysis });
    assert.equal(lone.unit, 'share');
    const work = lone.functions.find((f) => f.name === 'work');
    assert.equal(work?.before, 0.8);
    assert.ok(Math.abs((work?.after ?? 0) - 4000 / 6000) < 1e-12);
    assert.equal(lone.ratios.requestsPerSec, undefined);
  });
});

/** (root) -> handler -> each of `calls` (a call frame and its µs, one sample each), 10 requests. */
function runCalling(calls: [ProfileFrame, number][]) {
  const handler = { name: 'handler', url: APP, line: 4 };
  const profile = parseProfile(
    cpuProfile(calls.map(([frame, us]) => ({ stack: [handler, frame], us }))),
  );
  const load = {
    requests: 10,
    requestsPerSec: 10,
    latencyMs: { p50: 1, p90: 1, p99: 1 },
    errors: 0,
    non2xx: 0,
  };
  return { analysis: analyze(profile), load };
}

test("Hotpath's agent is never a change of the user's: not in functions or lines, still in the tree", () => {
  const agent = '/ext/hotpath/dist/agent.js';
  // The agent's work per request shrinks 8x, the user's handler stays: the handler's is the only row.
  const comparison = compareRuns(
    run(2000, 8000, 100, 50, 40, agent),
    run(4000, 2000, 200, 100, 20, agent),
  );
  assert.deepEqual(
    comparison.functions.map((c) => c.name),
    ['handler'],
  );
  assert.ok(comparison.lines.every((c) => c.file !== agent));
  const names = (n: { name: string; children: { name: string }[] }): string[] => [
    n.name,
    ...n.children.flatMap((c) => names(c as typeof n)),
  ];
  assert.ok(names(comparison.tree).includes('work'), 'the diff flamegraph still draws it');
  assert.doesNotMatch(
    formatComparison(comparison, ['before', 'after'], [undefined, undefined]),
    /work/,
  );
});

test('a CommonJS script named by its file:// URL is compared, and shown, by its path', () => {
  const url = 'file:///srv/app.js';
  const comparison = compareRuns(
    run(2000, 8000, 100, 50, 40, url),
    run(2000, 4000, 400, 200, 10, url),
  );
  const work = comparison.functions.find((c) => c.name === 'work');
  assert.equal(work?.file, '/srv/app.js');
  assert.match(comparisonHeadline(comparison, '/srv').text, /work \(app\.js:10\)/);
});

describe('one function, two labels', () => {
  const asBuiltin = 'Hash';
  const asNode = { name: 'Hash', url: 'node:internal/crypto/hash', line: 69 };

  test('Hash as a V8 built-in in one run and as Node JavaScript in the other is one row', () => {
    const before = runCalling([[asBuiltin, 5000]]);
    const after = runCalling([[asNode, 2000]]);
    assert.equal(before.analysis.functions.find((f) => f.name === 'Hash')?.category, 'v8');
    assert.equal(after.analysis.functions.find((f) => f.name === 'Hash')?.category, 'node');
    const comparison = compareRuns(before, after);
    const rows = comparison.functions.filter((f) => f.name === 'Hash');
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.deepEqual(
      { ...rows[0], key: undefined },
      {
        key: undefined,
        name: 'Hash',
        file: 'node:internal/crypto/hash',
        line: 70,
        category: 'node',
        before: 500,
        after: 200,
      },
    );
    // And one node of the differential flamegraph, both runs' time in it.
    const handler = comparison.tree.children.find((c) => c.name === 'handler');
    const hashes = handler?.children.filter((c) => c.name === 'Hash') ?? [];
    assert.equal(hashes.length, 1);
    assert.equal(hashes[0].before, 500);
    assert.equal(hashes[0].after, 200);
  });

  test('two different runtime functions of one name seen on one side stay apart', () => {
    const write = (url: string, line: number) => ({ name: 'write', url, line });
    const before = runCalling([
      [write('node:internal/streams/writable', 10), 3000],
      [write('node:net', 20), 1000],
    ]);
    const after = runCalling([[write('', -1), 2000]]);
    const rows = compareRuns(before, after).functions.filter((f) => f.name === 'write');
    assert.equal(rows.length, 3, 'which write the built-in is cannot be told');
  });
});

describe('lock changes', () => {
  const summary = (p50: number, total: number) => ({
    count: 100,
    total,
    p50,
    p90: p50,
    p99: p50,
    max: p50,
  });
  const site = (
    kind: LockSite['kind'],
    line: number,
    waitP50: number,
    waitShare: number,
  ): LockSite => {
    const place = { file: '/srv/handlers.ts', line, functionName: 'read', mapped: true };
    return {
      kind,
      name: `${kind === 'Mutex' ? 'mutex' : 'pool'} · handlers.ts:12`,
      site: place,
      stack: [place],
      asked: 100,
      failed: 0,
      waitMs: summary(waitP50, waitP50 * 100),
      holdMs: summary(50, 5000),
      perSec: 20,
      waitShare,
      heldAcrossAwait: kind === 'Mutex',
    };
  };
  const waits = (...sites: LockSite[]): Waits => ({
    library: { name: 'async-mutex', version: '0.5.0' },
    sites,
  });

  test('a lock fixed: its wait before → none after, per acquire site, most waited-on first', () => {
    const before = {
      ...run(2000, 8000, 100, 20, 1500),
      waits: waits(site('Mutex', 39, 1518, 0.99)),
    };
    const after = {
      ...run(2000, 4000, 400, 400, 50),
      waits: waits(site('Semaphore', 51, 0.004, 0.001), site('Mutex', 39, 0, 0)),
    };
    after.waits.sites[1].asked = 0; // the old site, never reached: no waits there
    const comparison = compareRuns(before, after);
    assert.equal(comparison.locks.length, 2);
    assert.deepEqual(comparison.locks[0], {
      kind: 'Mutex',
      name: 'mutex · handlers.ts:12',
      file: '/srv/handlers.ts',
      line: 39,
      functionName: 'read',
      before: { waitP50Ms: 1518, waitShare: 0.99 },
    });
    assert.deepEqual(lockChangeTexts(comparison, '/srv'), [
      'mutex · handlers.ts:12, acquired at handlers.ts:39: wait p50 1,518 ms → none; 99 % → 0 % of latency',
      'pool · handlers.ts:12, acquired at handlers.ts:51: wait p50 none → 4 µs; 0 % → 0 % of latency',
    ]);
    const text = formatComparison(comparison, ['a', 'b'], [before, after], '/srv');
    assert.match(
      text,
      /\n {2}lock {8}mutex · handlers\.ts:12, acquired at handlers\.ts:39: wait p50 1,518 ms → none; 99 % → 0 % of latency/,
    );
  });

  test('the same site in both runs is one row; no lock report on either side, no rows', () => {
    const before = { ...run(1, 1, 10, 10, 10), waits: waits(site('Mutex', 39, 900, 0.8)) };
    const after = { ...run(1, 1, 10, 10, 10), waits: waits(site('Mutex', 39, 20, 0.1)) };
    assert.deepEqual(lockChangeTexts(compareRuns(before, after), '/srv'), [
      'mutex · handlers.ts:12, acquired at handlers.ts:39: wait p50 900 ms → 20 ms; 80 % → 10 % of latency',
    ]);
    assert.deepEqual(compareRuns(run(1, 1, 10, 10, 10), run(1, 1, 10, 10, 10)).locks, []);
  });
});

describe('the headline', () => {
  test('a lock fix leads with the lock wait, not a function', () => {
    const lockSite = (waitP50: number, waitShare: number): Waits => ({
      library: { name: 'async-mutex', version: '0.5.0' },
      sites: [
        {
          kind: 'Mutex',
          name: 'mutex · handlers.ts:12',
          site: { file: '/srv/handlers.ts', line: 39, functionName: 'read', mapped: true },
          stack: [],
          asked: 100,
          failed: 0,
          waitMs: {
            count: 100,
            total: waitP50 * 100,
            p50: waitP50,
            p90: waitP50,
            p99: waitP50,
            max: waitP50,
          },
          holdMs: { count: 100, total: 5000, p50: 50, p90: 50, p99: 50, max: 50 },
          perSec: 20,
          waitShare,
          heldAcrossAwait: true,
        },
      ],
    });
    // The handler's own time per request halves too (0.2 ms less): the lock's 1.5 s is the change.
    const before = { ...run(40_000, 8000, 100, 20, 1500), waits: lockSite(1518, 0.99) };
    const after = run(20_000, 4000, 100, 400, 50);
    const headline = comparisonHeadline(compareRuns(before, after), '/srv');
    assert.match(
      headline.text,
      /The biggest change in your code: the wait for mutex · handlers\.ts:12 \(a Mutex, acquired at handlers\.ts:39\) went from 1,518 ms p50 \(99 % of the latency\) to none\./,
    );
    assert.deepEqual([headline.file, headline.line], ['/srv/handlers.ts', 39]);
  });

  test('a CPU fix leads with the function of your code that changed, with where it is', () => {
    const headline = comparisonHeadline(
      compareRuns(run(2000, 8000, 100, 50, 40), run(2000, 4000, 400, 200, 10)),
      '/srv',
    );
    assert.match(
      headline.text,
      /^req\/s 4\.00x, p50 latency 0\.25x \(no interval\)\. The biggest change in your code: work \(app\.js:10\) went from 80 µs to 10 µs of self time per request\.$/,
    );
    assert.deepEqual([headline.file, headline.line], [APP, 10]);
  });

  test('two endpoints: said plainly, their figures side by side, no "faster" verdict', () => {
    // Issue #27: GET /hash → GET /locked read "Faster: 4.63x".
    const comparison = {
      ...compareRuns(run(2000, 8000, 100, 50, 40), run(2000, 4000, 400, 200, 10)),
      spread: { requestsPerSec: { estimate: 4, low: 3.8, high: 4.2, confidence: 0.95 } },
      differentEndpoints: ['GET /hash', 'GET /locked'] as [string, string],
    };
    const headline = comparisonHeadline(comparison, '/srv');
    assert.match(
      headline.text,
      /^These runs load different endpoints \(GET \/hash → GET \/locked\): req\/s 4\.00x, p50 latency 0\.25x; that is how the endpoints differ, not a change in the code, so no verdict is drawn\. The biggest difference in your code: work/,
    );
    const verdicts = comparisonVerdicts(comparison);
    const report = comparisonReportData(comparison, ['GET /hash', 'GET /locked'], '/srv');
    for (const text of [headline.text, ...verdicts, JSON.stringify(report)])
      assert.doesNotMatch(text, /faster|slower/i, text);
    assert.equal(report.diagnosis?.verdict, 'different endpoints');
  });

  test('nothing changed: said so, no function named', () => {
    const headline = comparisonHeadline(
      compareRuns(run(2000, 8000, 100, 50, 40), run(2000, 8000, 100, 50, 40)),
    );
    assert.equal(
      headline.text,
      "req/s 1.00x, p50 latency 1.00x (no interval). No function changed beyond the runs' noise (by a tenth or more, and by 1 % of the window or more).",
    );
    assert.equal(headline.file, undefined);
  });

  test('profiles without a timeline (pprofs): the noise floor is of the sampled time, never a window', () => {
    const lone = (us: number) => {
      const profile = parseProfile(
        cpuProfile([{ stack: [{ name: 'handler', url: APP, line: 4 }], us }]),
      );
      return { analysis: analyze({ ...packProfile(profile), noTimeline: true as const }) };
    };
    const comparison = compareRuns(lone(8000), lone(8000));
    assert.equal(comparison.noTimeline, true);
    const texts = [
      comparisonHeadline(comparison, '/srv').text,
      formatComparison(comparison, ['a.pb.gz', 'b.pb.gz'], [undefined, undefined], '/srv'),
      comparisonMarkdown(comparison, ['a.pb.gz', 'b.pb.gz'], [], '/srv'),
      JSON.stringify(comparisonReportData(comparison, ['a.pb.gz', 'b.pb.gz'], '/srv')),
    ];
    assert.match(texts[0], /by 1 % of the sampled time or more/);
    for (const text of texts) assert.doesNotMatch(text, /of the window/, text);
    // With a timeline, the window it is.
    const timed = compareRuns(
      { analysis: run(0, 8000, 1, 1, 1).analysis },
      { analysis: run(0, 8000, 1, 1, 1).analysis },
    );
    assert.equal(timed.noTimeline, undefined);
    assert.match(comparisonHeadline(timed, '/srv').text, /by 1 % of the window or more/);
  });

  test('a function change under 1 % of the window is no headline: the measured change is, and no watched lock explains it', () => {
    // Issue #26: a route held an async-lock lock (not watched) across `await sleep(50)`; its fix
    // made it 43.8x faster, and the headline named (anonymous), which went from none to 1.7 µs
    // per request: 0.14 % of the window. The handler's own cost per request did not change.
    const windowOf = (requests: number, handlerUs: number, anonymousUs: number, p50: number) => {
      const handler = { name: 'handler', url: APP, line: 4 };
      const samples = [
        { stack: [{ name: '(idle)' }], us: 3_000_000 - handlerUs - anonymousUs },
        { stack: [handler], us: handlerUs },
      ];
      if (anonymousUs > 0)
        samples.push({ stack: [handler, { name: '', url: APP, line: 20 }], us: anonymousUs });
      return {
        analysis: analyze(parseProfile(cpuProfile(samples))),
        load: {
          requests,
          requestsPerSec: requests / 3,
          latencyMs: { p50, p90: p50, p99: p50 },
          errors: 0,
          non2xx: 0,
        },
      };
    };
    const before = windowOf(57, 57 * 30, 0, 1000);
    const after = windowOf(2496, 2496 * 30, 2496 * 1.7, 23);
    const comparison = compareRuns(before, after);
    assert.ok(
      comparison.functions.some((c) => c.name === '(anonymous)' && c.before === 0 && c.after > 1),
      'the comparison has the change the headline once named',
    );
    const headline = comparisonHeadline(comparison, '/srv');
    assert.doesNotMatch(headline.text, /anonymous|biggest change in your code/);
    assert.match(headline.text, /^req\/s 43\.8x, p50 latency 0\.02x \(no interval\)\. /);
    assert.match(
      headline.text,
      /no watched lock \(async-mutex, async-lock, await-lock, async-sema, p-limit, p-queue\) does either: the requests waited for something Hotpath does not see/,
    );
    assert.equal(headline.file, undefined, 'nothing to open beside it');
  });

  test("a function change inside the comparison's own interval is no headline", () => {
    // work: 80 → 90 µs per request (12.5 %), the whole of the window's CPU.
    const comparison = compareRuns(run(2000, 8000, 100, 50, 40), run(2000, 9000, 100, 50, 40));
    assert.match(
      comparisonHeadline(comparison, '/srv').text,
      /The biggest change in your code: work \(app\.js:10\) went from 80 µs to 90 µs/,
      'without intervals, a change by a tenth is the headline',
    );
    // The runs' req/s wobble by ±25 % sample to sample: a 12.5 % change is inside it.
    const noisy = {
      ...comparison,
      spread: { requestsPerSec: { estimate: 1, low: 0.8, high: 1.25, confidence: 0.95 } },
    };
    const headline = comparisonHeadline(noisy, '/srv');
    assert.doesNotMatch(headline.text, /work/);
    assert.match(
      headline.text,
      /^No measurable change in req\/s \(.*\); p50 latency 1\.00x\. No function changed beyond the runs' noise/,
    );
  });

  test('two runs told apart: label by endpoint and time, what differs in their setup', () => {
    const record = (id: string, startedAt: string, command: string) =>
      ({
        id,
        endpoint: { method: 'GET', path: '/locked' },
        target: { kind: 'command', command },
        preset: 'quick',
        options: { load: { connections: 50, durationSec: 3 } },
        versions: { node: 'v20.20.2', hotpath: '0.1.0' },
        timings: { startedAt },
      }) as unknown as RunRecord;
    const a = record('20261129-101500-locked-aaaa', '2026-11-29T10:15:00.000Z', 'node server.js');
    const b = record('20261129-102000-locked-bbbb', '2026-11-29T10:20:00.000Z', 'node server.js');
    assert.notEqual(
      runLabel({ record: a, profileFile: '' }),
      runLabel({ record: b, profileFile: '' }),
    );
    assert.match(runLabel({ record: a, profileFile: '' }), /^GET \/locked · \d\d:\d\d:00$/);
    assert.equal(
      runDifferences(a, b),
      'runs 20261129-101500-locked-aaaa → 20261129-102000-locked-bbbb; same endpoint, command, load and Node: what changed is the code (or the machine)',
    );
    const c = {
      ...b,
      target: { kind: 'command', command: 'node --no-opt server.js' },
    } as RunRecord;
    assert.match(
      runDifferences(a, c),
      /what differs: command node server\.js → node --no-opt server\.js$/,
    );
    // The same command on another Node: the service's Node is what differs, not Hotpath's.
    const on = (r: RunRecord, node: string) =>
      ({ ...r, target: { ...r.target, node } }) as RunRecord;
    assert.match(
      runDifferences(on(a, 'v20.20.2'), on(b, 'v24.22.3')),
      /what differs: the service's Node v20\.20\.2 → v24\.22\.3$/,
    );
  });
});

describe('gates', () => {
  const comparison = compareRuns(run(1, 1, 10, 100, 10), run(1, 1, 10, 80, 15));

  test('parse and fail when their condition holds', () => {
    assert.deepEqual(
      failedGates(comparison, [parseGate('rps<0.9')]).map((f) => f.gate.text),
      ['rps<0.9'],
    );
    assert.deepEqual(failedGates(comparison, [parseGate('rps < 0.7')]), []);
    assert.deepEqual(
      failedGates(comparison, [parseGate('p50>=1.5')]).map((f) => f.ratio),
      [1.5],
    );
    assert.deepEqual(failedGates(comparison, [parseGate('p50>1.5')]), []);
  });

  test('a gate on a figure the runs lack fails', () => {
    const lone = compareRuns(
      { analysis: run(1, 1, 1, 1, 1).analysis },
      { analysis: run(1, 1, 1, 1, 1).analysis },
    );
    assert.equal(failedGates(lone, [parseGate('rps<0.9')]).length, 1);
  });

  test('a malformed gate says how to write one', () => {
    assert.throws(() => parseGate('speed<1'), /METRIC OP RATIO/);
    assert.throws(() => parseGate('rps<'), /METRIC OP RATIO/);
  });
});
