/**
 * Process faults: the target killed during the load, a target whose answers are all errors, a
 * target whose event loop is stuck (its agent never answers "stop"), and 50 start/cancel cycles
 * in a row. Each ends with a clear error or verdict, a run folder that says what happened, and no
 * process left (by pid and by a scan of this process's children).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { RUN_FILE, type RunRecord } from '../../src/record/run';
import { startSampleService } from '../../src/runner/target';
import { loadRun } from '../../src/runs/runFolder';
import { alive, descendantsOf, eventually, fixture } from '../helpers';
import { onFreePort, testRuns } from '../zoo';

const runs = testRuns('faults');
const { run } = runs;
/** The request's service and url for test/fixtures/faulty.js on a free port. */
const faulty = () =>
  onFreePort((port) => `"${process.execPath}" "${fixture('faulty.js')}" ${port}`);

function saved(folder: string): RunRecord {
  return JSON.parse(fs.readFileSync(path.join(folder, RUN_FILE), 'utf8')) as RunRecord;
}

async function noChildrenLeft(): Promise<void> {
  assert.ok(
    await eventually(() => descendantsOf(process.pid).length === 0, 10_000),
    `processes left: ${descendantsOf(process.pid).join(', ')}`,
  );
}

describe('process faults', () => {
  test('the service killed with SIGKILL during the load: the load stops, the run says so', async () => {
    const started = Date.now();
    let pid: number | undefined;
    const { folder, record } = await run(
      { path: '/cpu', connections: 4, durationSec: 20 },
      {
        onStage: (stage, r) => {
          if (stage !== 'profiling' || r.target.pid === undefined) return;
          pid = r.target.pid;
          setTimeout(() => process.kill(r.target.pid as number, 'SIGKILL'), 1000);
        },
      },
    );
    const seconds = (Date.now() - started) / 1000;
    assert.ok(pid !== undefined);
    assert.equal(record.status, 'failed');
    assert.equal(record.error?.code, 'TARGET_EXITED');
    assert.match(
      record.error?.message ?? '',
      /was killed by SIGKILL during the load; the load was stopped/,
    );
    assert.ok(seconds < 20, `the load stopped early, not after its 20 s (${seconds.toFixed(1)} s)`);
    assert.equal(saved(folder).status, 'failed', 'run.json says so');
    assert.equal(saved(folder).profile.file, null);
    assert.equal(alive(pid), false);
    await noChildrenLeft();
  });

  test('a service whose answers are all 500s: the run is diagnosed as failing, not as slow', async () => {
    const { folder, record } = await run({
      path: '/error',
      ...(await faulty()),
      connections: 4,
      durationSec: 1.5,
      // Measuring the error path on purpose: without it the run stops after the warm-up.
      allowErrors: true,
    });
    assert.equal(record.status, 'done', record.error?.message);
    assert.ok(record.load && record.load.requests > 0);
    assert.equal(record.load.non2xx, record.load.requests, 'every answer was an error');
    assert.equal(record.load.statusCodes['500'], record.load.requests);
    const { diagnosis } = loadRun(folder);
    assert.equal(diagnosis.verdict, 'failing');
    assert.match(diagnosis.summary, /100 % of the answers were errors \(\d+ × 500\)/);
    await noChildrenLeft();
  });

  test('a stuck event loop: the agent does not answer "stop", the run fails with a timeout and the service is ended', async () => {
    const { folder, record } = await run({
      path: '/spin',
      ...(await faulty()),
      connections: 2,
      durationSec: 2.5,
      warmupSec: 0,
      timeoutSec: 1,
      agentTimeoutSec: 2,
    });
    assert.equal(record.status, 'failed');
    assert.equal(record.error?.code, 'AGENT');
    assert.match(record.error?.message ?? '', /did not answer "stop" within 2000 ms/);
    assert.ok(record.load && record.load.timeouts > 0, 'the load saw the timeouts');
    assert.equal(saved(folder).status, 'failed');
    assert.ok(record.target.pid !== undefined && !alive(record.target.pid));
    await noChildrenLeft();
  });

  test('50 start/cancel cycles in a row leave no process and no open handle behind', async () => {
    const cycles = Number(process.env.HOTPATH_CANCEL_CYCLES) || 50;
    const handlesBefore = process.getActiveResourcesInfo().length;
    const statuses: Record<string, number> = {};
    for (let i = 0; i < cycles; i++) {
      const controller = new AbortController();
      // Cancel at every stage: while the service starts, during the warm-up and the load.
      const timer = setTimeout(() => controller.abort(), (i * 97) % 1400);
      const { record } = await run(
        { path: '/hello', connections: 2, durationSec: 5 },
        { signal: controller.signal },
      );
      clearTimeout(timer);
      statuses[record.status] = (statuses[record.status] ?? 0) + 1;
      assert.equal(record.status, 'cancelled', `cycle ${i}: ${record.error?.message}`);
      assert.ok(record.target.pid === undefined || !alive(record.target.pid), `cycle ${i}`);
    }
    await noChildrenLeft();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const handlesAfter = process.getActiveResourcesInfo().length;
    assert.ok(
      handlesAfter <= handlesBefore,
      `open handles ${handlesBefore} → ${handlesAfter}: ${process.getActiveResourcesInfo().join(', ')}`,
    );
    assert.deepEqual(statuses, { cancelled: cycles });
  });
});

describe('load', () => {
  test('locust-1000 against /read: timeouts reported as timeouts, and the service answers the next run', async () => {
    const service = await startSampleService({ nodePath: process.execPath, readyTimeoutSec: 30 });
    try {
      const first = await run({
        url: service.url,
        path: '/read',
        preset: 'locust-1000',
        durationSec: 3,
        timeoutSec: 2,
        warmupSec: 0,
      });
      assert.equal(first.record.status, 'done', first.record.error?.message);
      const load = first.record.load;
      assert.ok(load, 'a load summary');
      assert.ok(load.timeouts > 0, `/read times out under 1,000 users: ${JSON.stringify(load)}`);
      assert.equal(load.non2xx, 0, 'a timeout is not an error answer');
      assert.equal(first.record.options.load.connections, 1000);
      const next = await run({
        url: service.url,
        path: '/fast',
        connections: 10,
        durationSec: 1.5,
        warmupSec: 0,
      });
      assert.equal(next.record.status, 'done', next.record.error?.message);
      assert.ok(next.record.load && next.record.load.requests > 0);
      assert.equal(next.record.load.timeouts, 0, 'the service answers the next run in time');
      assert.equal(next.record.load.non2xx, 0);
    } finally {
      await service.stop();
    }
    await noChildrenLeft();
  });
});

describe('files', () => {
  test('an output folder that cannot be made: a clear error before anything starts', async () => {
    const blocker = path.join(runs.folder, 'a-file');
    fs.writeFileSync(blocker, 'not a folder');
    await assert.rejects(
      run({ path: '/hello', outDir: path.join(blocker, 'runs') }),
      (error: Error) =>
        /cannot make the run folder .*a-file[\\/]runs/.test(error.message) &&
        /ENOTDIR|EEXIST/.test(error.message),
    );
    await noChildrenLeft();
  });

  test('a writer killed in the middle of a run file leaves the previous file whole', async () => {
    const file = path.join(runs.folder, 'run.json');
    const old = JSON.stringify({ status: 'done', note: 'the previous state' });
    fs.writeFileSync(file, old);
    const files = path.resolve(__dirname, '..', '..', 'src', 'runner', 'files.ts');
    // 300 MB of JSON: long enough to be killed while writing it.
    const writer = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `require(${JSON.stringify(files)}).writeFileAtomic(${JSON.stringify(file)}, JSON.stringify({ big: 'x'.repeat(300e6) })).then(() => console.log('written'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let printed = '';
    writer.stdout.on('data', (chunk) => {
      printed += chunk;
    });
    // Kill it once its temp file is being written.
    const writing = () =>
      fs
        .readdirSync(runs.folder)
        .some((name) => name.startsWith('.run.json.') && name.endsWith('.tmp'));
    assert.ok(await eventually(writing, 30_000), 'the writer started writing');
    writer.kill('SIGKILL');
    await new Promise((resolve) => writer.on('exit', resolve));
    const text = fs.readFileSync(file, 'utf8');
    // Whatever the moment of the kill: the old file or the whole new one, never a part.
    if (text !== old) {
      assert.ok(printed.includes('written') || text.length > 300e6, 'the whole new file');
      assert.equal((JSON.parse(text) as { big: string }).big.length, 300e6);
    }
    assert.ok(text === old || text.length > 300e6);
  });

  test('a full disk (simulated): a clear error, nothing shown as complete, no process left', async () => {
    // Every write of a file fails as on a full disk, from the n-th on.
    const original = fs.promises.writeFile;
    const fullFrom = (n: number) => {
      let writes = 0;
      fs.promises.writeFile = (async (...args: Parameters<typeof original>) => {
        if (++writes >= n)
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
            code: 'ENOSPC',
          });
        return original(...args);
      }) as typeof original;
    };
    try {
      // Full from the start: no run is started at all.
      fullFrom(1);
      await assert.rejects(
        run({ path: '/hello', connections: 2, durationSec: 1 }),
        /cannot write .*run\.json: ENOSPC: no space left on device/,
      );
      await noChildrenLeft();
      // Full once the service is up: the run stops, the service is ended, and the folder never says done.
      fullFrom(2);
      let folder: string | undefined;
      await assert.rejects(
        run(
          { path: '/hello', connections: 2, durationSec: 1 },
          {
            onStage: (_stage, record) => {
              folder ??= path.join(runs.folder, record.id);
            },
          },
        ),
        /cannot write .*run\.json: ENOSPC/,
      );
      assert.ok(folder);
      assert.notEqual(saved(folder).status, 'done', 'what is on disk is not a complete run');
      await noChildrenLeft();
    } finally {
      fs.promises.writeFile = original;
    }
  });
});
