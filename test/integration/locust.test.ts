/**
 * Locust as the load, with the real Locust (Debian's python3-locust, 2.12) and the real sample
 * service: the walk-through's locustfiles, the figures Hotpath's module sends, a master with two
 * local workers, and a worker killed mid-run. Skipped, saying why, where no `locust` is on PATH.
 * Locust's heartbeats make the distributed runs last 6–8 s.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunRecord } from '../../src/record/run';
import { findLocust } from '../../src/runner/load/locust';
import { type RunRequest, resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { type RunningService, startSampleService } from '../../src/runner/target';
import { alive, CLI, childrenOf, eventually, tempFolder, written } from '../helpers';

const sampleLocust = path.join(__dirname, '..', '..', 'src', 'sampleService', 'locust');
let locustMissing: string | false = false;
try {
  findLocust(undefined);
} catch (error) {
  locustMissing = `no locust on PATH (${(error as Error).message})`;
}
if (locustMissing) console.log(`# skipped: ${locustMissing}`);

let out: string;
before(() => {
  out = tempFolder('locust');
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

async function run(
  request: Omit<RunRequest, 'outDir'>,
  events: Parameters<typeof runProfile>[1] = {},
): Promise<RunRecord> {
  const { record } = await runProfile(resolveRunOptions({ ...request, outDir: out }), events);
  assert.equal(record.status, 'done', record.error?.message);
  return record;
}

/** The Locust processes this test process started (its children running `locust`). */
function locustChildren(role: string): number[] {
  return childrenOf(process.pid).filter((pid) => {
    try {
      const words = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return words.some((w) => w.endsWith('locust')) && words.includes(role);
    } catch {
      return false;
    }
  });
}

describe('Locust as the load', { skip: locustMissing }, () => {
  test('the walk-through: /read at 50 users gives about 20 req/s and the lock report; /fast far more', async () => {
    const common = { users: 50, durationSec: 2, warmupSec: 0.5 } as const;
    const read = await run({
      path: '/read',
      locustfile: path.join(sampleLocust, 'read.py'),
      ...common,
    });
    const fast = await run({
      path: '/fast',
      locustfile: path.join(sampleLocust, 'fast.py'),
      ...common,
    });
    const readLoad = read.load;
    const fastLoad = fast.load;
    assert.ok(readLoad?.locust && fastLoad?.locust, 'Locust figures in both records');
    // One holder of the mutex at a time for 50 ms: at most 20 a second.
    assert.ok(
      readLoad.requestsPerSec > 10 && readLoad.requestsPerSec <= 22,
      `/read: ${readLoad.requestsPerSec} req/s`,
    );
    assert.ok(
      fastLoad.requestsPerSec > 3 * readLoad.requestsPerSec,
      `/fast ${fastLoad.requestsPerSec} vs /read ${readLoad.requestsPerSec} req/s`,
    );
    console.log(
      `/read ${readLoad.requestsPerSec} req/s, /fast ${fastLoad.requestsPerSec} req/s (${(fastLoad.requestsPerSec / readLoad.requestsPerSec).toFixed(1)}x) under Locust at 50 users`,
    );
    const mutex = read.locks?.locks.find((l) => l.kind === 'Mutex');
    assert.ok(mutex, 'the lock report names the mutex');
    assert.equal(readLoad.locust.lead, '/read');
    assert.deepEqual(
      readLoad.locust.byName.map((n) => n.name),
      ['/read'],
    );
    assert.equal(read.profile.file !== null, true, 'a profile of the window');
    assert.ok(read.warmup && read.warmup.requests > 0, 'the load before the window is recorded');
    // The module's per-interval figures: the 100 ms slots add up to the window's count exactly,
    // and the timeline has a point a second.
    const slots = fastLoad.samples?.responses ?? [];
    assert.equal(
      slots.reduce((a, b) => a + b, 0),
      fastLoad.requests,
    );
    assert.equal(slots.length, fastLoad.durationSec * 10);
    assert.ok((fast.timeline ?? []).length >= 1, 'a timeline point a second');
    for (const point of fast.timeline ?? []) assert.ok(point.rps > 0, JSON.stringify(point));
    const histogram = fastLoad.latencyHistogram?.counts.reduce((a, b) => a + b, 0);
    assert.equal(histogram, fastLoad.requests, 'every request in the histogram');
    assert.deepEqual(locustChildren('--headless'), [], 'Locust has ended');
  });

  describe('distributed, on a service already running', () => {
    let service: RunningService;
    before(async () => {
      service = await startSampleService({ nodePath: process.execPath, readyTimeoutSec: 30 });
    });
    after(async () => {
      await service?.stop();
    });

    test('1 master + 2 workers: both workers counted, two request names in one window', async () => {
      const file = path.join(out, 'two.py');
      fs.writeFileSync(
        file,
        [
          'from locust import HttpUser, constant, task',
          'class Two(HttpUser):',
          '    wait_time = constant(0.1)',
          '    @task(3)',
          '    def fast(self):',
          '        self.client.get("/fast")',
          '    @task(1)',
          '    def hello(self):',
          '        self.client.get("/hello")',
          '',
        ].join('\n'),
      );
      const record = await run({
        path: '/fast',
        url: service.url,
        locustfile: file,
        users: 20,
        loadWorkers: 2,
        durationSec: 2,
        warmupSec: 0.5,
      });
      const locust = record.load?.locust;
      assert.ok(locust?.workers, 'the workers in the record');
      assert.equal(locust.workers.expected, 2);
      assert.equal(locust.workers.joined.length, 2);
      assert.deepEqual(locust.workers.lost, []);
      assert.equal(locust.lead, '/fast');
      assert.deepEqual(locust.byName.map((n) => n.name).sort(), ['/fast', '/hello']);
      const fast = locust.byName.find((n) => n.name === '/fast');
      assert.equal(record.load?.requests, fast?.requests, 'the summary leads with /fast');
      assert.deepEqual(locustChildren('--worker'), [], 'the workers have ended');
    });

    test('--load-workers-external 1: the command it prints, run as another machine would, joins; the worker is counted', async () => {
      // The CLI as a user runs it; it waits for a worker it does not start.
      const cli = spawn(
        process.execPath,
        [
          CLI,
          'profile',
          '/fast',
          '--url',
          service.url,
          '--locustfile',
          path.join(sampleLocust, 'fast.py'),
          '--users',
          '5',
          '--load-workers-external',
          '1',
          '-d',
          '2',
          '--warmup',
          '0.5',
          '--json',
        ],
        { cwd: out, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const stdout = written(cli.stdout);
      const stderr = written(cli.stderr);
      const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
      let worker: ReturnType<typeof spawn> | undefined;
      try {
        // "on each machine, with fast.py and hotpathLocust.py (from …) in its folder, run:" and
        // the command on the next line.
        const said = () =>
          /with (\S+) and hotpathLocust\.py \(from (\S+)\) in its folder, run:\n {2}(locust .+)\n/.exec(
            stderr(),
          );
        assert.ok(await eventually(() => said() !== null, 20_000), `the command: ${stderr()}`);
        const [, file, module, command] = said() as RegExpExecArray;
        assert.equal(file, 'fast.py');
        assert.match(
          command,
          /^locust -f fast\.py,hotpathLocust\.py --worker --master-host 127\.0\.0\.1 --master-port \d+$/,
        );
        // The other machine: a folder with the two files, and the command as printed.
        const machine = path.join(out, 'worker-machine');
        fs.mkdirSync(machine, { recursive: true });
        fs.copyFileSync(path.join(sampleLocust, 'fast.py'), path.join(machine, 'fast.py'));
        fs.copyFileSync(module, path.join(machine, 'hotpathLocust.py'));
        worker = spawn('sh', ['-c', `exec ${command}`], {
          cwd: machine,
          detached: true,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const workerPid = worker.pid as number;
        const workerOutput = written(worker.stderr as NonNullable<typeof worker.stderr>);
        assert.equal(await exited, 0, `the run: ${stderr()}\nthe worker: ${workerOutput()}`);
        const record = JSON.parse(stdout()) as RunRecord;
        assert.equal(record.status, 'done', JSON.stringify(record.error));
        const workers = record.load?.locust?.workers;
        assert.equal(workers?.expected, 1, JSON.stringify(workers));
        assert.equal(workers.joined.length, 1, 'the worker started from the printed command');
        assert.deepEqual(workers.lost, []);
        assert.ok((record.load?.requests ?? 0) > 0, 'its users sent the load');
        // No worker of Hotpath's own: the one counted is the one this test started.
        assert.deepEqual(locustChildren('--worker'), []);
        // The master's quit ends the worker; whatever is left is ended by its pid.
        const ended = await eventually(() => !alive(workerPid), 10_000);
        if (!ended) process.kill(-workerPid, 'SIGKILL');
        assert.ok(ended, `the worker ended with its master: ${workerOutput()}`);
      } finally {
        if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
        if (worker?.pid !== undefined && alive(worker.pid)) process.kill(-worker.pid, 'SIGKILL');
      }
    });

    test('cancelled in the window: every Locust process ends, the run says cancelled', async () => {
      const controller = new AbortController();
      const { record } = await runProfile(
        resolveRunOptions({
          path: '/fast',
          url: service.url,
          locustfile: path.join(sampleLocust, 'fast.py'),
          users: 10,
          loadWorkers: 1,
          durationSec: 30,
          warmupSec: 0,
          outDir: out,
        }),
        { signal: controller.signal, onProgress: () => controller.abort() },
      );
      assert.equal(record.status, 'cancelled', record.error?.message);
      assert.deepEqual(locustChildren('--master'), [], 'the master has ended');
      assert.deepEqual(locustChildren('--worker'), [], 'the worker has ended');
    });

    test('a locustfile Locust cannot load: the run fails with what Locust said', async () => {
      const file = path.join(out, 'broken.py');
      fs.writeFileSync(file, 'from locust import HttpUser\nclass Broken(HttpUser:\n');
      const { record } = await runProfile(
        resolveRunOptions({
          path: '/fast',
          url: service.url,
          locustfile: file,
          durationSec: 2,
          outDir: out,
        }),
      );
      assert.equal(record.status, 'failed');
      assert.equal(record.error?.code, 'LOAD');
      assert.match(record.error?.message ?? '', /SyntaxError/);
      assert.deepEqual(locustChildren('--headless'), []);
    });

    test('a worker killed mid-run is reported as lost, and the run completes', async () => {
      let killed: number | undefined;
      const record = await run(
        {
          path: '/fast',
          url: service.url,
          locustfile: path.join(sampleLocust, 'fast.py'),
          users: 10,
          loadWorkers: 2,
          durationSec: 5,
          warmupSec: 0,
        },
        {
          onProgress: () => {
            if (killed !== undefined) return;
            const [worker] = locustChildren('--worker');
            if (worker === undefined) return;
            killed = worker;
            process.kill(-worker, 'SIGKILL');
          },
        },
      );
      assert.ok(killed !== undefined && !alive(killed), 'a worker was killed');
      const lost = record.load?.locust?.workers?.lost ?? [];
      assert.equal(lost.length, 1, JSON.stringify(record.load?.locust?.workers));
      assert.ok((record.load?.requests ?? 0) > 0);
    });
  });
});

test('a locustfile without locust: a clear error naming how to install it, no fallback', async () => {
  const options = resolveRunOptions({
    path: '/fast',
    locustfile: path.join(sampleLocust, 'fast.py'),
    locustPath: path.join(out ?? '/nonexistent', 'no-locust-here'),
    outDir: tempFolder('locust-missing'),
  });
  const { record } = await runProfile(options);
  assert.equal(record.status, 'failed');
  assert.equal(record.error?.code, 'LOCUST_MISSING');
  assert.match(record.error?.message ?? '', /apt install python3-locust/);
  assert.match(record.error?.message ?? '', /pip install locust/);
  assert.equal(record.load, undefined, 'no load ran');
});
