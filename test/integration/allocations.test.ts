/**
 * Where memory is allocated (issue #28), on real runs: the sample's /cpualloc copies its ids on
 * every turn of its loop, so `cpualloc` holds most of the sampled bytes and allocates at least
 * ten times what /cpu allocates per request; `compare` of the two shows bytes per request
 * falling with an interval that excludes 1, and gates on it; a worker thread's allocations come
 * back through its process's inspector session; a `.heapprofile` written by `node --heap-prof`
 * is read by `hotpath report` (gzipped too, and as the page the profile editor draws), its bytes
 * labelled as the file leaves them (allocated or live); a run's own file, read alone, per request.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as zlib from 'node:zlib';
import { checkGates, parseGate } from '../../src/profile/gates';
import { parseHeapProfile } from '../../src/profile/heapprofile';
import type { LoadedRun } from '../../src/profile/loadedRun';
import { HEAP_PROFILE_FILE } from '../../src/record/heap';
import { runFigures } from '../../src/report/figures';
import { heapReportData } from '../../src/report/heapProfile';
import { analysisJson } from '../../src/report/json';
import { runMarkdown } from '../../src/report/markdown';
import { reportData } from '../../src/report/reportData';
import { formatAnalysis } from '../../src/report/text';
import { type RunRequest, resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { compareSavedRuns } from '../../src/runs/comparison';
import { loadHeapProfile, loadRun } from '../../src/runs/runFolder';
import { fixture, freePort, runCli, tempFolder } from '../helpers';

let out: string;
before(() => {
  out = tempFolder('allocations');
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

async function profile(request: RunRequest): Promise<LoadedRun> {
  const { folder, record } = await runProfile(
    resolveRunOptions({
      durationSec: 2.5,
      warmupSec: 0.5,
      outDir: out,
      allocations: true,
      ...request,
    }),
  );
  assert.equal(record.status, 'done', record.error?.message);
  const heap = record.heap;
  assert.ok(heap && heap.file !== null, `the run sampled its allocations: ${JSON.stringify(heap)}`);
  assert.equal(heap.file, HEAP_PROFILE_FILE);
  assert.ok(fs.existsSync(path.join(folder, HEAP_PROFILE_FILE)), 'the run folder keeps the file');
  return loadRun(folder);
}

test('/cpualloc: cpualloc allocates most of the bytes, ten times /cpu per request; compare says so', async (t) => {
  const alloc = await profile({ path: '/cpualloc', connections: 4 });
  const cpu = await profile({ path: '/cpu', connections: 4 });
  const [a, c] = [runFigures(alloc), runFigures(cpu)];
  const top = a.allocations?.rows[0];
  assert.equal(top?.name, 'cpualloc', JSON.stringify(a.allocations?.rows));
  assert.ok(top.share >= 0.8, `cpualloc's share of the bytes: ${top.share}`);
  assert.match(top.where, /handlers\.ts:\d+$/, 'source-mapped to its own line in the .ts');
  const [perA, perC] = [a.allocations?.perResponseBytes ?? 0, c.allocations?.perResponseBytes];
  t.diagnostic(
    `/cpualloc ${Math.round(perA)} B/request (${a.allocations?.samples} samples), /cpu ${Math.round(perC ?? 0)} B/request (${c.allocations?.samples} samples); growth ${JSON.stringify(a.allocations?.growth)}`,
  );
  assert.ok(perC !== undefined && perA >= 10 * perC, `${perA} vs ${perC} bytes per request`);
  assert.ok(a.allocations?.growth, 'the heap after a collection at both ends');

  // Every surface shows the row; the diagnosis's GC words, when it has them, name cpualloc.
  assert.match(formatAnalysis(alloc.diagnosis, a), /\n {4}cpualloc +[\d.,]+ [KMG]?B +\d/);
  assert.match(runMarkdown(alloc), /Where memory is allocated[\s\S]*\| cpualloc \|/);
  assert.equal(analysisJson(alloc, a).allocations?.rows[0].name, 'cpualloc');
  const page = reportData(alloc).allocations;
  assert.equal(page?.rows[0].function, 'cpualloc');
  // The flamegraph of the bytes: a bytes scale, per request, cpualloc's frames most of it.
  const flame = page?.flame;
  assert.equal(flame?.unit, 'bytes-per-request');
  const frames = flame?.frames;
  const cpuallocBytes = Array.from(frames?.fn ?? []).reduce(
    (sum, fn, i) => sum + (flame?.functions.names[fn] === 'cpualloc' ? Number(frames?.self[i]) : 0),
    0,
  );
  assert.ok(
    cpuallocBytes >= 0.8 * Number(frames?.total[0]),
    `${cpuallocBytes} of ${frames?.total[0]}`,
  );
  if (/garbage collector took/.test(alloc.diagnosis.summary))
    assert.match(
      alloc.diagnosis.summary,
      /cpualloc \(handlers\.ts:\d+\) allocates [\d.]+ % of the bytes, [\d.]+ [KMG]?B per request/,
    );

  // The run's own .heapprofile opened alone (the profile editor, `hotpath report`) is read with
  // the run.json beside it, which counts the responses: per request, as the run shows it.
  const alone = heapReportData(loadHeapProfile(path.join(alloc.folder, HEAP_PROFILE_FILE)));
  assert.match(alone.title, /^GET \/cpualloc: allocations$/);
  assert.equal(alone.allocations?.rows[0].function, 'cpualloc');
  assert.equal(alone.allocations?.bytesHeading, 'per request');
  assert.equal(alone.flame.unit, 'bytes-per-request');

  const read = compareSavedRuns(alloc.folder, cpu.folder);
  const change = read.comparison.allocations;
  assert.ok(change, 'both runs sampled: the comparison has bytes per request');
  t.diagnostic(`ratio ${JSON.stringify(change.ratio)}`);
  assert.ok(change.ratio.high < 1, `bytes per request fell, the interval excludes 1`);
  assert.equal(change.functions[0].name, 'cpualloc');
  const [up, down] = checkGates(read.comparison, [parseGate('alloc>1.2'), parseGate('alloc<0.5')]);
  assert.equal(up.outcome, 'passed');
  assert.equal(down.outcome, 'failed');
  // The CLI's gate: exit 1 when bytes per request grew (after ÷ before, the other way round).
  const grew = runCli(out, ['compare', cpu.folder, alloc.folder, '--fail-if', 'alloc>1.2']);
  assert.equal(grew.code, 1, grew.stdout + grew.stderr);
  assert.match(grew.stdout, /allocated +[\d.,]+ [KMG]?B → [\d.,]+ [KMG]?B per request/);
});

test("a worker thread's allocations come back through its process's session", async () => {
  const port = await freePort();
  const run = await profile({
    path: '/digest',
    connections: 4,
    service: `PORT=${port} "${process.execPath}" "${fixture(path.join('zoo', 'worker-threads', 'server.js'))}"`,
    url: `http://127.0.0.1:${port}`,
  });
  const heap = run.record?.heap;
  assert.ok(heap && heap.file !== null);
  assert.deepEqual(heap.threads, { sampled: 2, notSampled: 0 });
  const names = run.allocations?.functions.filter((f) => f.category === 'user').map((f) => f.name);
  assert.ok(names?.includes('hashChain'), `the worker's hashChain allocates: ${names}`);
});

test('hotpath report reads a node --heap-prof file: allocated or live, not recorded', async () => {
  const folder = path.join(out, 'heap-prof');
  fs.mkdirSync(folder, { recursive: true });
  const script = path.join(folder, 'keep.js');
  fs.writeFileSync(
    script,
    "function keepStrings() { const kept = []; for (let i = 0; i < 50000; i++) kept.push('x'.repeat(64) + i); return kept; }\nglobalThis.kept = keepStrings();\n",
  );
  execFileSync(process.execPath, ['--heap-prof', '--heap-prof-dir', folder, script]);
  const file = fs.readdirSync(folder).find((f) => f.endsWith('.heapprofile'));
  assert.ok(file, 'node wrote a .heapprofile');
  const heapFile = path.join(folder, file);
  assert.equal(parseHeapProfile(fs.readFileSync(heapFile, 'utf8')).mode, 'unknown');
  const text = runCli(folder, ['report', heapFile]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /allocated or live: not recorded in the file/);
  assert.match(text.stdout, /keepStrings/);
  assert.doesNotMatch(text.stdout, /per request/, 'no per-request figures from a foreign file');
  const json = runCli(folder, ['report', heapFile, '--json']);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.allocations.mode, 'unknown');
  assert.equal(doc.allocations.perResponseBytes, undefined);
  // Gzipped, as the other profiles may be: the same figures.
  fs.writeFileSync(`${heapFile}.gz`, zlib.gzipSync(fs.readFileSync(heapFile)));
  const gz = runCli(folder, ['report', `${heapFile}.gz`, '--json']);
  assert.equal(gz.code, 0, gz.stderr);
  assert.deepEqual(JSON.parse(gz.stdout).allocations, doc.allocations);
  // The page the profile editor and `--html` draw: the bytes' flamegraph, no time, no lines.
  const page = heapReportData(loadHeapProfile(heapFile));
  assert.equal(page.measure, 'bytes');
  assert.equal(page.flame.unit, 'bytes');
  assert.deepEqual([page.hotFunctions, page.hotLines, page.timeline], [[], [], undefined]);
  assert.match(page.subtitle, /no timeline in this file/);
  assert.match(page.allocations?.summary ?? '', /allocated or live: not recorded in the file/);
  assert.ok(page.allocations?.rows.some((r) => r.function === 'keepStrings' && r.total));
  const html = path.join(folder, 'heap.html');
  assert.equal(runCli(folder, ['report', heapFile, '--html', html]).code, 0);
  assert.match(fs.readFileSync(html, 'utf8'), /allocated or live: not recorded in the file/);
});
