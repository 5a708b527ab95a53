/** What the CLI prints from a run's figures: the demo's lessons and the lock waits table. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Waits } from '../../src/profile/waits';
import type { LockReport } from '../../src/record/locks';
import type { RunRecord } from '../../src/record/run';
import { lockFigures } from '../../src/report/figures';
import { formatLessons } from '../../src/report/lessons';
import { displayPath } from '../../src/report/places';
import { formatHeader, formatWaits } from '../../src/report/text';
import { change, fineMs, ms } from '../../src/report/units';

const summary = (p50: number, total: number, count = 10) => ({
  count,
  total,
  p50,
  p90: p50,
  p99: p50,
  max: p50,
});

const load = (requestsPerSec: number) => ({ requestsPerSec, requests: requestsPerSec * 3 });

describe('the CLI text', () => {
  test("the demo's lesson quotes the lock report's hold time when the run has one", () => {
    const locks: LockReport = {
      library: { name: 'async-mutex', version: '0.5.0' },
      locks: [{ kind: 'Mutex' }],
      sites: [
        {
          lock: 0,
          stack: [{ url: '/srv/handlers.js', line: 3, column: 1, name: 'other' }],
          asked: 5,
          failed: 0,
          waitMs: summary(0.01, 0.1),
          holdMs: summary(0.002, 0.02),
        },
        {
          lock: 0,
          stack: [{ url: '/srv/handlers.js', line: 9, column: 1, name: 'read' }],
          asked: 59,
          failed: 0,
          waitMs: summary(1500, 90_000),
          holdMs: summary(50.1, 2900),
        },
      ],
    };
    const runs = {
      '/read': { load: load(19.5), locks } as unknown as RunRecord,
      '/fast': { load: load(962.3) } as unknown as RunRecord,
    };
    const text = formatLessons(runs);
    assert.match(text, /\/fast served 49\.3x the requests per second of \/read/);
    assert.match(text, /held 50\.1 ms p50, by Hotpath's lock report/, 'the most waited-on site');
    const without = formatLessons({
      ...runs,
      '/read': { load: load(19.5) } as unknown as RunRecord,
    });
    assert.doesNotMatch(without, /lock report/);
  });

  test("the header names a preset's load as overridden when --connections or --duration changed it", () => {
    const header = (connections: number, durationSec: number, preset = 'walkthrough') =>
      formatHeader({
        endpoint: { method: 'GET', path: '/read' },
        target: { kind: 'sample' },
        preset,
        options: { load: { connections, durationSec } },
      } as unknown as RunRecord);
    assert.equal(
      header(50, 10),
      'GET /read · sample service · 50 connections × 10 s · preset walkthrough',
    );
    assert.equal(
      header(20, 3),
      'GET /read · sample service · 20 connections × 3 s · preset walkthrough (its 50 × 10 s overridden)',
    );
    assert.doesNotMatch(
      header(20, 3, 'mine'),
      /overridden/,
      'a preset of the user’s: not known here',
    );
  });

  test("the /cpualloc lesson: process CPU per response, and the profile's GC share (the breakdown's)", () => {
    const cpuRun = (cpuMs: number) =>
      ({ load: load(100), agent: { cpuUserMs: cpuMs, cpuSystemMs: 0 } }) as unknown as RunRecord;
    const text = formatLessons(
      { '/cpu': cpuRun(100), '/cpualloc': cpuRun(210) },
      { '/cpu': 0.001, '/cpualloc': 0.058 },
    );
    assert.match(
      text,
      /\/cpualloc cost 2\.1x the process CPU per response of \/cpu \(.* against .*; the garbage collector 5\.8 % of the window against 0\.1 %\)/,
    );
    // With the heap sampler's figures: the function that allocates, and the bytes against /cpu's.
    const sampled = formatLessons(
      { '/cpu': cpuRun(100), '/cpualloc': cpuRun(210) },
      {},
      {
        '/cpu': { perResponseBytes: 35 * 1024 },
        '/cpualloc': {
          perResponseBytes: 68.2 * (1 << 20),
          top: { name: 'cpualloc', share: 0.998 },
        },
      },
    );
    assert.match(
      sampled,
      /The heap sampler puts it in cpualloc: 99\.8 % of the bytes, 68\.2 MB allocated per response against 35 KB for \/cpu\./,
    );
    assert.doesNotMatch(text, /heap sampler/, 'not without its figures');
  });

  test('the lock waits table: one row per site, microseconds kept, the await marked', () => {
    const place = (line: number, functionName: string) => ({
      file: `${process.cwd()}/src/handlers.ts`,
      line,
      functionName,
      mapped: true,
    });
    const waits: Waits = {
      library: { name: 'async-mutex', version: '0.5.0' },
      sites: [
        {
          kind: 'Mutex',
          name: 'mutex · handlers.ts:12',
          site: place(39, 'read'),
          stack: [place(39, 'read')],
          asked: 59,
          failed: 0,
          waitMs: summary(1518, 90_000),
          holdMs: summary(50.2, 2900),
          perSec: 18.9,
          waitShare: 0.987,
          heldAcrossAwait: true,
        },
        {
          kind: 'Mutex',
          name: 'mutex · handlers.ts:12',
          site: place(28, 'acquireRead'),
          stack: [place(28, 'acquireRead')],
          asked: 0,
          failed: 0,
          waitMs: summary(0, 0, 0),
          holdMs: summary(0, 0, 0),
          perSec: 0,
          waitShare: 0,
          heldAcrossAwait: false,
        },
      ],
    };
    const lines = formatWaits(lockFigures(waits));
    assert.equal(lines.length, 3, 'a site never asked for is not a row');
    assert.match(lines[0], /lock waits \(async-mutex 0\.5\.0\).* acquired\/s$/);
    assert.match(lines[2], /acquired\/s: times the lock was granted .*not the run's req\/s$/);
    assert.match(
      lines[1],
      /mutex · handlers\.ts:12\s+98\.7 %\s+1,518 ms\s+50\.2 ms\s+18\.9\s+src\/handlers\.ts:39 {2}held across an await$/,
    );
    const instant = formatWaits(
      lockFigures({
        ...waits,
        sites: [{ ...waits.sites[0], holdMs: summary(0.0012, 0.1), heldAcrossAwait: false }],
      }),
    );
    assert.match(instant[1], / 1\.2 µs /, 'a hold of a microsecond is in µs, not "0 ms"');
    assert.deepEqual(formatWaits(lockFigures({ ...waits, sites: [] })), [], 'no sites, no section');
  });
});

test('amounts under a millisecond print in µs, never as 0 ms', () => {
  assert.equal(ms(0.42), '420 µs');
  assert.equal(ms(0.0042), '4.2 µs');
  assert.equal(ms(0), '0 ms');
  assert.equal(ms(1), '1 ms');
  assert.equal(ms(50.24), '50.2 ms');
  assert.equal(ms(1518), '1,518 ms');
});

test("a change vs the previous run (the hot-function lens's formatChange): whole per cent, a real minus, never −0 %", () => {
  assert.equal(change(0.12), '+12 %');
  assert.equal(change(-0.42), '−42 %', 'U+2212, not a hyphen');
  assert.equal(change(-0.42).codePointAt(0), 0x2212);
  assert.equal(change(0), '+0 %');
  assert.equal(change(-0.004), '+0 %', 'a change that rounds to nothing has no minus');
  assert.equal(change(0.005), '+1 %');
  assert.equal(change(-0.006), '−1 %');
  assert.equal(change(1), '+100 %', 'twice as much');
  assert.equal(change(-1), '−100 %', 'all gone');
  assert.equal(change(2.5), '+250 %');
});

test("lock wait and hold times (the editor's waitTime): fineMs reads like ms, a few µs stay µs", () => {
  for (const value of [0, 0.0012, 0.01, 0.42, 1, 9.96, 50.24, 99.9, 1518, 90_000]) {
    assert.equal(fineMs(value), ms(value), `fineMs(${value})`);
  }
  assert.equal(fineMs(0.0012), '1.2 µs', 'an instant hold is not "0 ms"');
  assert.equal(fineMs(0.01), '10 µs');
  assert.equal(fineMs(9.96), '10 ms');
  assert.equal(fineMs(99.9), '99.9 ms');
  assert.equal(fineMs(1518), '1,518 ms', 'seconds stay in ms with a thousands separator');
  assert.equal(fineMs(90_000), '90,000 ms');
});

test('paths print one way: relative inside the folder, node_modules/<pkg>/… for dependencies, hotpath/… for its own files', () => {
  assert.equal(displayPath('/srv/app/src/server.ts', '/srv/app', '/opt/hotpath'), 'src/server.ts');
  assert.equal(
    displayPath('/home/u/other/node_modules/fastify/lib/reply.js', '/srv/app', '/opt/hotpath'),
    'node_modules/fastify/lib/reply.js',
  );
  assert.equal(
    displayPath(
      '/root/.vscode-server/extensions/hotpath-0.1.0/src/sampleService/handlers.ts',
      '/srv/app',
      '/root/.vscode-server/extensions/hotpath-0.1.0',
    ),
    'hotpath/src/sampleService/handlers.ts',
  );
  assert.equal(displayPath('/elsewhere/x.js', '/srv/app', '/opt/hotpath'), '/elsewhere/x.js');
  // V8 names a CommonJS script by its file:// URL: the same path, never the URL.
  assert.equal(displayPath('file:///srv/app/server.js', '/srv/app', '/opt/hotpath'), 'server.js');
  assert.equal(displayPath('node:internal/timers', '/srv/app'), 'node:internal/timers');
});
