/**
 * Attach: the real sample service, started here with `--inspect=127.0.0.1:0` (no agent) and
 * loaded first by real autocannon, so that its code is optimised while no profiler ran, then
 * profiled through its inspector (the `ws` session, real V8 profiles, the sample's source maps).
 * It keeps running afterwards, with nothing of Hotpath's left in it. A non-loopback inspector is
 * refused before any socket: a spy on `net.Socket.prototype.connect` in this process, which does
 * see the run's connection when the flag allows it.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import autocannon from 'autocannon';
import { HEAP_PROFILE_FILE } from '../../src/record/heap';
import type { RunOptions } from '../../src/record/run';
import { runFigures } from '../../src/report/figures';
import { analysisJson } from '../../src/report/json';
import { runMarkdown } from '../../src/report/markdown';
import { reportData } from '../../src/report/reportData';
import { formatRun } from '../../src/report/text';
import { parseInspectorAddress } from '../../src/runner/attach/address';
import { LEFT_BEHIND } from '../../src/runner/attach/inProcess';
import { InspectorSession } from '../../src/runner/attach/session';
import { resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { loadRun } from '../../src/runs/runFolder';
import { HotpathError } from '../../src/vocabulary/errors';
import { bundle } from '../../src/vocabulary/paths';
import {
  alive,
  eventually,
  freePorts,
  type Inspected,
  inspectedSample,
  runCli,
  tempFolder,
} from '../helpers';

function stop(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && alive(child.pid)) child.kill('SIGKILL');
}

function load(url: string, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) =>
    autocannon({ url, duration: seconds, connections: 4 }, (error, result) =>
      error ? reject(error) : resolve(result),
    ),
  );
}

const out = tempFolder('attach');
let service: Inspected | undefined;

before(async () => {
  service = await inspectedSample();
  // Traffic before any profiler: V8 optimises /cpu's handler and logs none of it.
  const served = await load(`${service.url}/cpu`, 2);
  assert.ok(served['2xx'] > 0, 'the service served its load before the attach');
});

after(() => {
  stop(service?.child);
  fs.rmSync(out, { recursive: true, force: true });
});

describe('attach to a service already running', () => {
  test("profiles a service that already served a load: /cpu's hot line in handlers.ts; it runs on, nothing left in it", async () => {
    const s = service as Inspected;
    const options = resolveRunOptions({
      path: '/cpu',
      attach: s.inspector,
      url: s.url,
      connections: 4,
      durationSec: 2,
      warmupSec: 1,
      outDir: out,
    });
    const { folder, record } = await runProfile(options);
    assert.equal(record.status, 'done', JSON.stringify(record.error));
    assert.equal(record.target.kind, 'attach');
    assert.equal(record.target.profiledPid, s.child.pid);
    assert.equal(record.attach?.deoptimized, true);
    assert.ok(record.served && record.served.finished > 0, 'the service counted its responses');

    const run = loadRun(folder);
    const figures = runFigures(run);
    const [hot] = figures.hotLines;
    assert.match(hot?.where ?? '', /src\/sampleService\/handlers\.ts:\d+$/, JSON.stringify(hot));
    assert.equal(hot.functionName, 'cpu');
    // Its frames kept: code V8 optimised before any profiler ran loses them to runMicrotasks
    // (half the runs and more without the deoptimisation, bench/attach.ts).
    const selfShare = (name: string) =>
      figures.hotFunctions.find((f) => f.name === name)?.selfShare ?? 0;
    assert.ok(
      selfShare('cpu') > 5 * selfShare('runMicrotasks'),
      `cpu ${selfShare('cpu')} against runMicrotasks ${selfShare('runMicrotasks')}`,
    );

    // Lock waits and the process's metrics are named as not measured, on every surface.
    assert.ok(figures.notMeasured?.some((w) => w.startsWith('lock waits')));
    assert.equal(record.agent, undefined, 'no process metrics invented');
    assert.equal(record.locks, undefined);
    const text = formatRun(record, folder);
    assert.match(text, /not measured +lock waits/);
    assert.match(text, /attached +pid \d+, through its inspector/);
    assert.match(runMarkdown(run), /not measured \| lock waits/);
    for (const surface of ['cli', 'editor'] as const)
      assert.ok(
        reportData(run, undefined, surface).rows.some(
          ([label, words]) => label === 'not measured' && words.startsWith('lock waits'),
        ),
        `the report page (${surface})`,
      );
    assert.deepEqual(analysisJson(run, figures).notMeasured, record.notMeasured);

    // The service runs on, and answers.
    assert.ok(alive(s.child.pid as number));
    const answer = await fetch(`${s.url}/hello`);
    assert.equal(answer.status, 200);
    const session = await InspectorSession.connect(parseInspectorAddress(s.inspector));
    try {
      assert.equal(await session.evaluate(LEFT_BEHIND), 0, "nothing of Hotpath's left inside");
    } finally {
      await session.close();
    }
  });

  test('--allocations over the inspector: /cpualloc allocates most of the bytes; no sampler left running', async () => {
    const s = service as Inspected;
    const { folder, record } = await runProfile(
      resolveRunOptions({
        path: '/cpualloc',
        attach: s.inspector,
        url: s.url,
        connections: 2,
        durationSec: 2,
        warmupSec: 0.5,
        allocations: true,
        outDir: out,
      }),
    );
    assert.equal(record.status, 'done', JSON.stringify(record.error));
    assert.equal(record.heap?.file, HEAP_PROFILE_FILE, JSON.stringify(record.heap));
    assert.ok(fs.existsSync(path.join(folder, HEAP_PROFILE_FILE)), 'the run folder keeps it');
    const allocations = runFigures(loadRun(folder)).allocations;
    const top = allocations?.rows[0];
    assert.equal(top?.name, 'cpualloc', JSON.stringify(allocations?.rows));
    assert.ok(top.share >= 0.8, `cpualloc's share of the bytes: ${top.share}`);
    assert.ok(allocations?.growth, 'the used heap after a collection at both ends');
    // Nothing left sampling: a sampler still running would hand this session a profile.
    const session = await InspectorSession.connect(parseInspectorAddress(s.inspector));
    try {
      await assert.rejects(session.send('HeapProfiler.stopSampling'), /not started/);
    } finally {
      await session.close();
    }
  });

  test('refuses an inspector whose process does not serve the URL (the marker never arrives)', async () => {
    const s = service as Inspected;
    const other = await inspectedSample();
    try {
      const { record } = await runProfile(
        resolveRunOptions({
          path: '/cpu',
          attach: other.inspector,
          url: s.url,
          durationSec: 1,
          warmupSec: 0,
          outDir: out,
        }),
      );
      assert.equal(record.status, 'failed');
      assert.equal(record.error?.code, 'ATTACH');
      assert.match(record.error?.message ?? '', /is not the one serving/);
      assert.ok(alive(other.child.pid as number), 'the other process runs on');
    } finally {
      stop(other.child);
    }
  });
});

describe('a process Hotpath started that did not load its agent', () => {
  test('--attach-signal opens its inspector with SIGUSR1 and profiles it through that', async () => {
    const [port] = await freePorts(1);
    // The start script replaces NODE_OPTIONS (the agent's --require goes); its inspector, once
    // opened, takes a port of its own choosing (--inspect-port), which Node says on stderr.
    const command = `NODE_OPTIONS= exec "${process.execPath}" --inspect-port=127.0.0.1:0 "${bundle('sampleService.js')}" --port ${port}`;
    const { folder, record } = await runProfile(
      resolveRunOptions({
        path: '/cpu',
        service: command,
        url: `http://127.0.0.1:${port}`,
        attachSignal: true,
        connections: 4,
        durationSec: 2,
        warmupSec: 1,
        outDir: out,
      }),
    );
    assert.equal(record.status, 'done', JSON.stringify(record.error));
    assert.match(record.target.inspector ?? '', /^127\.0\.0\.1:\d+$/);
    assert.notEqual(record.target.inspector, '127.0.0.1:9229', 'the port the process said');
    assert.ok(record.attach?.sideEffects.some((s) => /SIGUSR1/.test(s) && /cluster/.test(s)));
    assert.ok(record.notMeasured?.some((w) => w.startsWith('lock waits')));
    const [hot] = runFigures(loadRun(folder)).hotLines;
    assert.match(hot?.where ?? '', /src\/sampleService\/handlers\.ts:\d+$/, JSON.stringify(hot));
    // Hotpath started it, so Hotpath ended it.
    assert.ok(await eventually(() => !alive(record.target.profiledPid as number), 5000));
  });
});

describe('a non-loopback inspector', () => {
  test('is refused by the CLI with the SSH tunnel and the flag of its own (exit 2)', () => {
    const result = runCli(out, [
      'profile',
      '/x',
      '--attach',
      '192.0.2.1:9229',
      '--url',
      'http://127.0.0.1:9',
    ]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /192\.0\.2\.1:9229 is not on this machine's loopback/);
    assert.match(result.stderr, /ssh -L 9229:127\.0\.0\.1:9229/);
    assert.match(result.stderr, /--allow-remote-inspector/);
  });

  test('opens no socket without the flag; with it, the spy sees the connection to it', async () => {
    const s = service as Inspected;
    const connects: string[] = [];
    const original = net.Socket.prototype.connect;
    // Every TCP connection of this process (http, fetch, ws) goes through here.
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      const first = args[0] as { host?: string; port?: number } | unknown[];
      const options = (Array.isArray(first) ? first[0] : first) as { host?: string; port?: number };
      connects.push(`${options?.host}:${options?.port}`);
      if (options?.host === '192.0.2.1') {
        // TEST-NET-1 never answers: the attempt is seen, then failed at once.
        process.nextTick(() => this.destroy(new Error('blocked by the test')));
        return this;
      }
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof original;
    try {
      const request = {
        path: '/cpu',
        attach: '192.0.2.1:9229',
        url: s.url,
        durationSec: 1,
        warmupSec: 0,
        outDir: out,
      };
      assert.throws(
        () => resolveRunOptions(request),
        (error) => error instanceof HotpathError && error.code === 'REMOTE_INSPECTOR',
      );
      // Options built by hand, past the check of resolveRunOptions: the run refuses them itself.
      const allowed = resolveRunOptions({ ...request, allowRemoteInspector: true });
      const spec = allowed.target as Extract<RunOptions['target'], { kind: 'attach' }>;
      const unchecked: RunOptions = {
        ...allowed,
        target: { ...spec, allowRemoteInspector: false },
      };
      const refused = await runProfile(unchecked);
      assert.equal(refused.record.error?.code, 'REMOTE_INSPECTOR');
      assert.equal(connects.length, 0, `no socket was opened: ${connects.join(', ')}`);

      const tried = await runProfile(allowed);
      assert.equal(tried.record.error?.code, 'ATTACH', JSON.stringify(tried.record.error));
      assert.ok(connects.includes('192.0.2.1:9229'), `the spy saw: ${connects.join(', ')}`);
    } finally {
      net.Socket.prototype.connect = original;
    }
  });
});
