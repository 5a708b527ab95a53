/**
 * The engine against the real sample service, real autocannon and real node:inspector
 * profiles. Loads last 2–3 s; ratios only, no timing thresholds.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { PROFILE_FILE, RUN_FILE } from '../../src/record/run';
import { resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { alive, childrenOf, eventually, fixture, freePort } from '../helpers';
import { onFreePort, testRuns } from '../zoo';

const runs = testRuns('engine');
const { run } = runs;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Children of this test process that were not there before (tsx keeps an esbuild child). */
function newChildren(before: number[]): number[] {
  return childrenOf(process.pid).filter((pid) => !before.includes(pid));
}

/** The share of samples whose leaf frame is a function of this name. */
/** A function's share of the samples that were not (idle). */
function busyShare(profile: Profile, functionName: string): number {
  const idle = selfShare(profile, '(idle)');
  return idle < 1 ? selfShare(profile, functionName) / (1 - idle) : 0;
}

function selfShare(profile: Profile, functionName: string): number {
  const ids = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === functionName).map((n) => n.id),
  );
  return profile.samples.filter((s) => ids.has(s)).length / profile.samples.length;
}

/** The structure Chrome DevTools needs from a .cpuprofile. */
function checkProfile(profile: Profile): void {
  assert.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0, 'nodes');
  const ids = new Set(profile.nodes.map((n) => n.id));
  for (const node of profile.nodes) {
    assert.equal(typeof node.callFrame.functionName, 'string');
    assert.equal(typeof node.callFrame.url, 'string');
    assert.ok(Number.isInteger(node.callFrame.lineNumber));
    for (const child of node.children ?? [])
      assert.ok(ids.has(child), `child ${child} of ${node.id} is a node`);
  }
  assert.equal(profile.samples.length, profile.timeDeltas.length, 'one time delta per sample');
  for (const sample of profile.samples) assert.ok(ids.has(sample), `sample ${sample} is a node`);
  assert.ok(profile.endTime > profile.startTime);
}

describe('runner on the sample service', () => {
  test('/read stays near 1 / 50 ms under 50 connections while /fast serves 10x more', async () => {
    const load = { connections: 50, durationSec: 2.5 };
    const read = await run({ path: '/read', ...load });
    const fast = await run({ path: '/fast', ...load });
    assert.equal(read.record.status, 'done', read.record.error?.message);
    assert.equal(fast.record.status, 'done', fast.record.error?.message);
    const readRps = read.record.load?.requestsPerSec ?? Number.NaN;
    const fastRps = fast.record.load?.requestsPerSec ?? Number.NaN;
    assert.ok(readRps > 0 && readRps <= 25, `/read at ${readRps} req/s`);
    assert.ok(fastRps >= 10 * readRps, `/fast ${fastRps} req/s vs /read ${readRps} req/s`);
    assert.equal(read.record.load?.non2xx, 0);
    assert.equal(fast.record.load?.errors, 0);
  });

  test('the saved profile is a valid V8 profile of the load window with the handlers in it', async () => {
    const { folder, record } = await run({ path: '/cpu', connections: 4, durationSec: 2 });
    assert.equal(record.status, 'done', record.error?.message);
    assert.equal(record.profile.file, PROFILE_FILE);
    const saved = JSON.parse(fs.readFileSync(path.join(folder, RUN_FILE), 'utf8'));
    assert.equal(saved.status, 'done');
    assert.deepEqual(saved.load, record.load);
    const profile = JSON.parse(fs.readFileSync(path.join(folder, PROFILE_FILE), 'utf8')) as Profile;
    checkProfile(profile);

    // The capture starts before the first request and ends after the last response.
    const load = record.load;
    assert.ok(
      load?.startedAt && record.timings.captureStartedAt && record.timings.captureStoppedAt,
    );
    assert.ok(Date.parse(record.timings.captureStartedAt) <= Date.parse(load.startedAt) + 20);
    assert.ok(
      Date.parse(record.timings.captureStoppedAt) >= Date.parse(load.finishedAt ?? '') - 20,
    );
    const sampledUs = profile.timeDeltas.reduce((sum, d) => sum + d, 0);
    assert.ok(
      sampledUs >= 0.9 * load.durationSec * 1e6,
      `samples cover ${sampledUs / 1e6} s of ${load.durationSec} s`,
    );
    // A profile, not a handful of samples (2 s at 1 ms is 2,000 on an idle machine; how many a
    // busy one gives depends on the scheduler, so the guard is wide).
    assert.ok(profile.samples.length > 50, `${profile.samples.length} samples`);

    // The handler's own frame is there, in the bundled sample service, and has the samples.
    const handler = profile.nodes.find((n) => n.callFrame.functionName === 'cpu');
    assert.ok(handler, 'a frame of the cpu handler');
    assert.match(handler.callFrame.url, /sampleService\.js$/);
    // Of the time the service was busy: how much of the window that is depends on the CPU the
    // machine leaves it (another job beside), the handler's part of the work does not.
    const share = busyShare(profile, 'cpu');
    assert.ok(share > 0.5, `the cpu handler has ${Math.round(share * 100)}% of the busy samples`);

    // The service was busy while sampled: most samples are work, not (idle); the agent measured
    // its CPU time. (How much of a core it got depends on what else the machine runs.)
    assert.ok(selfShare(profile, '(idle)') < 0.5, `${selfShare(profile, '(idle)')} idle`);
    assert.ok(record.agent && record.agent.cpuShare > 0, 'the agent measured the CPU time');
    assert.ok(record.target.pid && !alive(record.target.pid), 'the sample service was stopped');
  });

  test('the time of /cpualloc, copy included, is charged to its handler', async () => {
    // A sample taken inside a builtin that V8 calls rather than inlines can lose its caller's
    // frame (it then lands on runMicrotasks): the handlers avoid such builtins in their loops.
    const { folder, record } = await run({ path: '/cpualloc', connections: 4, durationSec: 2 });
    assert.equal(record.status, 'done', record.error?.message);
    const profile = JSON.parse(fs.readFileSync(path.join(folder, PROFILE_FILE), 'utf8')) as Profile;
    const share = busyShare(profile, 'cpualloc');
    assert.ok(
      share > 0.5,
      `the cpualloc handler has ${Math.round(share * 100)}% of the busy samples`,
    );
  });

  test('an unknown route stops before the load, naming the status; measured only when asked', async () => {
    const stopped = await run({ path: '/no-such-route', connections: 2, durationSec: 1 });
    assert.equal(stopped.record.status, 'failed');
    assert.equal(stopped.record.stage, 'warming-up', 'stopped before the load');
    assert.equal(stopped.record.error?.code, 'WARMUP_ERRORS');
    assert.match(
      stopped.record.error?.message ?? '',
      /every request of the warm-up to http:\/\/127\.0\.0\.1:\d+\/no-such-route failed \(404 × [\d,]+\)/,
    );
    assert.equal(stopped.record.load, undefined);

    const { record } = await run({
      path: '/no-such-route',
      connections: 2,
      durationSec: 1,
      allowErrors: true,
    });
    assert.equal(record.status, 'done');
    const load = record.load;
    assert.ok(load && load.requests > 0);
    assert.equal(load.non2xx, load.requests);
    assert.equal(load.statusCodes['404'], load.requests);
  });

  test('cancelling mid-load ends every process and leaves a cancelled run folder', async () => {
    const before = childrenOf(process.pid);
    const controller = new AbortController();
    let progressSeen = 0;
    const result = await run(
      { path: '/fast', connections: 10, durationSec: 20 },
      {
        signal: controller.signal,
        onProgress: () => {
          progressSeen++;
          controller.abort();
        },
      },
    );
    assert.ok(progressSeen >= 1, 'the load was running');
    assert.equal(result.record.status, 'cancelled');
    assert.equal(result.record.stage, 'profiling');
    const saved = JSON.parse(fs.readFileSync(path.join(result.folder, RUN_FILE), 'utf8'));
    assert.equal(saved.status, 'cancelled');
    const pids = [result.record.target.pid, result.record.target.profiledPid].filter(
      (p) => p !== undefined,
    );
    assert.ok(pids.length >= 1);
    assert.ok(
      await eventually(() => pids.every((pid) => !alive(pid))),
      `still alive: ${pids.filter(alive)}`,
    );
    assert.ok(
      await eventually(() => newChildren(before).length === 0),
      `children left: ${newChildren(before)}`,
    );
  });
});

describe('cancelling before the load', () => {
  test('a run cancelled while the service starts ends it and says so', async () => {
    const before = childrenOf(process.pid);
    const controller = new AbortController();
    const running = runProfile(resolveRunOptions({ path: '/fast', outDir: runs.folder }), {
      signal: controller.signal,
      onStage: (stage) => {
        if (stage === 'starting') setTimeout(() => controller.abort(), 50);
      },
    });
    const { folder, record } = await running;
    assert.equal(record.status, 'cancelled');
    assert.equal(record.stage, 'starting');
    assert.equal(record.load, undefined);
    assert.equal(
      JSON.parse(fs.readFileSync(path.join(folder, RUN_FILE), 'utf8')).status,
      'cancelled',
    );
    assert.ok(
      await eventually(() => newChildren(before).length === 0),
      `children left: ${newChildren(before)}`,
    );
  });
});

describe("runner on a user's service", () => {
  test('profiles the Node process that serves the URL behind a wrapper, then ends them all', async () => {
    const { folder, record } = await run({
      path: '/work',
      ...(await onFreePort((port) => `"${process.execPath}" "${fixture('wrapper.js')}" ${port}`)),
      connections: 4,
      durationSec: 1.5,
    });
    assert.equal(record.status, 'done', record.error?.message);
    assert.ok(record.target.pid && record.target.profiledPid);
    assert.notEqual(record.target.profiledPid, record.target.pid, 'the server, not the wrapper');
    const profile = JSON.parse(fs.readFileSync(path.join(folder, PROFILE_FILE), 'utf8')) as Profile;
    checkProfile(profile);
    assert.ok(
      profile.nodes.some(
        (n) => n.callFrame.functionName === 'busy' && n.callFrame.url.endsWith('server.js'),
      ),
    );
    const pids = [record.target.pid, record.target.profiledPid];
    assert.ok(
      await eventually(() => pids.every((pid) => !alive(pid))),
      'wrapper and server were ended',
    );
  });

  test('a service that exits at once: the error says so and shows its stderr', async () => {
    const port = await freePort();
    const { record } = await run({
      path: '/',
      service: `"${process.execPath}" -e "console.error('cannot read config.json'); process.exit(3)"`,
      url: `http://127.0.0.1:${port}`,
    });
    assert.equal(record.status, 'failed');
    assert.equal(record.error?.code, 'TARGET_EXITED');
    assert.match(record.error?.message ?? '', /exited with code 3/);
    assert.match(record.error?.message ?? '', /cannot read config\.json/);
    assert.equal(record.load, undefined, 'no load was sent');
  });

  test('a URL that never answers: a timeout error, and the process is ended', async () => {
    const port = await freePort();
    const before = childrenOf(process.pid);
    const { record } = await run({
      path: '/',
      service: `"${process.execPath}" -e "console.log('starting'); setInterval(() => {}, 1000)"`,
      url: `http://127.0.0.1:${port}`,
      readyTimeoutSec: 1.5,
    });
    assert.equal(record.status, 'failed');
    assert.equal(record.error?.code, 'TARGET_NOT_READY');
    assert.match(
      record.error?.message ?? '',
      new RegExp(`did not answer at http://127.0.0.1:${port} within 1.5 s`),
    );
    assert.match(record.error?.message ?? '', /starting/);
    assert.ok(
      await eventually(() => newChildren(before).length === 0),
      `children left: ${newChildren(before)}`,
    );
    assert.ok(record.target.pid, 'the pid of the service is recorded');
    assert.ok(!alive(record.target.pid), 'the service was ended');
  });

  test('an occupied port: the service fails with EADDRINUSE and the error shows it', async () => {
    const squatter = net.createServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'),
    );
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      const { record } = await run({
        path: '/',
        service: `"${process.execPath}" "${fixture('server.js')}" ${port}`,
        url: `http://127.0.0.1:${port}`,
      });
      assert.equal(record.status, 'failed');
      assert.match(record.error?.code ?? '', /TARGET_EXITED|TARGET_NOT_OURS/);
      assert.match(record.error?.message ?? '', /EADDRINUSE/);
      assert.equal(record.load, undefined, 'the squatter got no load');
    } finally {
      squatter.close();
    }
  });
});
