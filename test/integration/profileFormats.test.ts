/**
 * Profiles made by the real tools, read by `hotpath report`: a folder from `node --cpu-prof
 * --cpu-prof-dir` (the main thread and a worker, a file each), a trace from Chromium through the
 * DevTools protocol (`Tracing.start` with V8's CPU profiler category while a page runs a hot
 * function), and a pprof that Hotpath writes from a real run of the sample service, read back by
 * pprof-format and decoded by an independent decoder (protobufjs against a profile.proto written
 * from pprof's field numbers) that also checks pprof's rules. Each names its expected top
 * function. Fixtures are made here, in a temp folder, by the tools themselves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import protobuf from 'protobufjs';
import { analysisOf, plainAnalysis } from '../../src/profile/analysisCodec';
import { readAnyProfile } from '../../src/profile/formats/detect';
import { buildModel } from '../../src/profile/model';
import { reportData } from '../../src/report/reportData';
import { readProfileAt } from '../../src/runs/profileFolder';
import { loadRun } from '../../src/runs/runFolder';
import { launchChromium } from '../browser';
import { fixture, QUICK, runCli, tempFolder } from '../helpers';

const dir = tempFolder('formats');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The heaviest function by self time of a file's profile. */
function topOf(file: string): { name: string; samples: number; selfUs: number } {
  const model = buildModel(readAnyProfile(fs.readFileSync(file)).profile);
  // V8's own entries ((idle), (program)) aside: the top function of code.
  const f = [...model.functions]
    .filter((g) => !g.name.startsWith('('))
    .sort((a, b) => b.selfUs - a.selfUs)[0];
  return { name: f.name, samples: model.sampleCount, selfUs: f.selfUs };
}

describe('node --cpu-prof --cpu-prof-dir: a file per thread, opened as one', () => {
  const folder = path.join(dir, 'cpu-prof');
  before(() => {
    const script = path.join(dir, 'threads.js');
    fs.writeFileSync(
      script,
      `const { Worker, isMainThread } = require('node:worker_threads');
function sumRoots() { let s = 0; for (let i = 0; i < 4e6; i++) s += Math.sqrt(i); return s; }
function hashInWorker() { let h = 7; for (let i = 0; i < 3e7; i++) h = (h * 31 + i) | 0; return h; }
if (isMainThread) { new Worker(__filename); sumRoots(); } else hashInWorker();
`,
    );
    const made = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${folder}`, script], {
      timeout: 60_000,
    });
    assert.equal(made.status, 0, String(made.stderr));
  });

  test('two files, one view: a frame per thread, the worker hashInWorker on top', () => {
    const files = fs.readdirSync(folder);
    assert.equal(files.length, 2, files.join(', '));
    const run = loadRun(folder);
    const { model, functions } = run.analysis;
    const threads = model.tree.children.map((c) => functions[c.functionId].name).sort();
    assert.equal(threads.length, 2);
    assert.match(threads[0], /^\(thread pid \d+, main thread\)$/);
    assert.match(threads[1], /^\(thread pid \d+, thread 1\)$/);
    const top = [...functions]
      .filter((f) => f.category === 'user')
      .sort((a, b) => b.selfUs - a.selfUs)[0];
    assert.equal(top.name, 'hashInWorker');
    assert.ok(
      functions.some((f) => f.name === 'sumRoots' && f.selfUs > 0),
      'the main thread is kept',
    );
    const cli = runCli(dir, ['report', folder]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /hashInWorker\s+\d/);
  });

  test("--thread: one thread alone; the view of both lists them and names each function's thread", () => {
    const both = loadRun(folder);
    const threads = both.analysis.threads ?? [];
    assert.deepEqual(threads.map((t) => t.label).sort(), [
      ...threads.map((t) => t.label).filter((l) => l.endsWith('main thread')),
      ...threads.map((t) => t.label).filter((l) => l.endsWith('thread 1')),
    ]);
    const worker = threads.find((t) => t.label.endsWith('thread 1'));
    assert.ok(worker && worker.samples > 0 && worker.busyUs > 0);
    // The threads' samples are the view's samples.
    assert.equal(
      threads.reduce((sum, t) => sum + t.samples, 0),
      both.analysis.model.sampleCount,
    );
    const hash = both.analysis.functions.find((f) => f.name === 'hashInWorker');
    assert.equal(hash?.thread !== undefined && threads[hash.thread].label, worker.label);
    // Across to the editor (the analysis worker's columns): the same threads and thread.
    const crossed = analysisOf(plainAnalysis(both.analysis));
    assert.deepEqual(crossed.threads, threads);
    assert.equal(crossed.functions[hash?.id ?? -1]?.thread, hash?.thread);
    // Chosen: the worker's samples only, and no main-thread function.
    const one = loadRun(folder, { thread: 'thread 1' });
    assert.equal(one.analysis.model.sampleCount, worker.samples);
    assert.equal(one.analysis.threads, undefined);
    assert.ok(!one.analysis.functions.some((f) => f.name === 'sumRoots' && f.selfUs > 0));
    const top = one.analysis.functions.find((f) => f.name === 'hashInWorker');
    assert.ok(top && Math.abs(top.selfUs - (hash?.selfUs ?? 0)) < 1, 'its time kept');
    // The editor's choice of thread: the same threads and shares whichever view is shown, the
    // one thread's view naming it.
    assert.deepEqual(one.chosenThread, { label: worker.label, threads });
    const choice = reportData(both).threadChoice;
    assert.equal(choice?.chosen, undefined);
    assert.deepEqual(
      choice?.threads.map((t) => t.label).sort(),
      threads.map((t) => t.label).sort(),
    );
    assert.deepEqual(reportData(one).threadChoice, { ...choice, chosen: worker.label });
    // Every surface: the threads' table and a thread column.
    const text = runCli(dir, ['report', folder]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /threads\s+samples\s+sampled\s+CPU/);
    assert.match(text.stdout, /hashInWorker .*pid \d+, thread 1 /);
    const md = runCli(dir, ['report', folder, '--markdown']);
    assert.match(md.stdout, /\| function \| self \| total \| thread \| where \|/);
    assert.match(md.stdout, /\| hashInWorker \| [^|]+ \| [^|]+ \| pid \d+, thread 1 \|/);
    const json = JSON.parse(runCli(dir, ['report', folder, '--json']).stdout);
    assert.equal(json.analysis.threads.length, 2);
    assert.equal(
      json.analysis.hotFunctions.find((f: { name: string }) => f.name === 'hashInWorker').thread,
      worker.label,
    );
    const html = path.join(dir, 'threads.html');
    assert.equal(runCli(dir, ['report', folder, '--html', html]).code, 0);
    assert.match(fs.readFileSync(html, 'utf8'), /"thread":"pid \d+, thread 1"/);
    const alone = runCli(dir, ['report', folder, '--thread', 'thread 1']);
    assert.equal(alone.code, 0, alone.stderr);
    assert.doesNotMatch(alone.stdout, /sumRoots/);
    // Exported to pprof: each sample labelled with its thread and pid, read back into the same
    // threads, each with the same time, hashInWorker in the worker.
    const pb = path.join(dir, 'threads.pb.gz');
    assert.equal(runCli(dir, ['report', folder, '--pprof', pb]).code, 0);
    const decoded = Profile.decode(gunzipSync(fs.readFileSync(pb)));
    const str = decoded.stringTable.strings;
    const labelled = decoded.sample.map((x) =>
      x.label.map((l) => `${str[Number(l.key)]}=${str[Number(l.str)] || Number(l.num)}`),
    );
    assert.ok(
      labelled.every((l) => l.some((kv) => /^thread=pid \d+, (main thread|thread 1)$/.test(kv))),
    );
    assert.ok(labelled.every((l) => l.some((kv) => /^pid=\d+$/.test(kv))));
    assert.ok(!decoded.function.some((f) => str[Number(f.name)].startsWith('(thread ')));
    // No timeline: no surface speaks of a window; the shares are of the sampled time.
    const pbHtml = path.join(dir, 'threads-pprof.html');
    for (const args of [[], ['--markdown'], ['--json'], ['--html', pbHtml]]) {
      const out = runCli(dir, ['report', pb, ...args]);
      assert.equal(out.code, 0, out.stderr);
      assert.doesNotMatch(out.stdout, /of the window/, args.join(' '));
      if (args[0] !== '--json' && args[0] !== '--html')
        assert.match(out.stdout, /of the sampled time/);
    }
    const page = fs.readFileSync(pbHtml, 'utf8');
    assert.doesNotMatch(page, /of the window/);
    assert.match(page, /"sharesOf":"the sampled time"/);
    const back = loadRun(pb);
    assert.deepEqual(
      back.analysis.threads?.map((t) => [t.label, Math.round(t.totalUs / 1000)]),
      threads.map((t) => [t.label, Math.round(t.totalUs / 1000)]),
    );
    const backHash = back.analysis.functions.find((f) => f.name === 'hashInWorker');
    assert.equal(back.analysis.threads?.[backHash?.thread ?? -1]?.label, worker.label);
    assert.equal(
      loadRun(pb, { thread: 'main thread' }).analysis.functions.some(
        (f) => f.name === 'hashInWorker' && f.selfUs > 0,
      ),
      false,
    );
    const wrong = runCli(dir, ['report', folder, '--thread', 'nosuch']);
    assert.notEqual(wrong.code, 0);
    assert.match(
      wrong.stderr,
      /thread "nosuch" names none of the profile's threads \("pid \d+, main thread", "pid \d+, thread 1"\)/,
    );
  });
});

describe('a Chromium trace (DevTools protocol tracing)', () => {
  const file = path.join(dir, 'page.trace.json');
  before(async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const cdp = await page.context().newCDPSession(page);
      const events: unknown[] = [];
      cdp.on('Tracing.dataCollected', (e: { value: unknown[] }) => {
        events.push(...e.value);
      });
      const complete = new Promise<void>((resolve) =>
        cdp.once('Tracing.tracingComplete', () => resolve()),
      );
      await cdp.send('Tracing.start', {
        traceConfig: { includedCategories: ['disabled-by-default-v8.cpu_profiler', '__metadata'] },
        transferMode: 'ReportEvents',
      });
      await page.setContent(
        '<script>function crunchNumbers(){let s=0;for(let i=0;i<2e6;i++)s+=Math.sqrt(i)*Math.sin(i);return s}</script>',
      );
      await page.evaluate(() => {
        const started = Date.now();
        let sum = 0;
        const w = globalThis as unknown as { crunchNumbers: () => number };
        while (Date.now() - started < 500) sum += w.crunchNumbers();
        return sum;
      });
      await cdp.send('Tracing.end');
      await complete;
      fs.writeFileSync(file, JSON.stringify({ traceEvents: events }));
    } finally {
      await browser.close();
    }
  });

  test('read as trace events, crunchNumbers on top, gzipped the same', () => {
    assert.ok(fs.statSync(file).size < 300_000);
    const read = readAnyProfile(fs.readFileSync(file));
    assert.equal(read.format, 'trace events');
    assert.match(read.threads?.[0]?.label ?? '', /^CrRendererMain of Renderer \(pid \d+\)$/);
    const top = topOf(file);
    assert.equal(top.name, 'crunchNumbers');
    const gz = `${file}.gz`;
    fs.writeFileSync(gz, gzipSync(fs.readFileSync(file)));
    assert.deepEqual(topOf(gz), top);
    // From the file: decompressed as it is read, into the trace reader chunk by chunk.
    const streamed = readProfileAt(gz);
    assert.equal(streamed.format, 'trace events');
    assert.equal(streamed.gzipped, true);
    assert.equal(buildModel(streamed.profile).sampleCount, top.samples);
    // A gzip bomb in a file: stopped as its output crosses the cap, refused by name.
    const bomb = path.join(dir, 'bomb.json.gz');
    fs.writeFileSync(
      bomb,
      gzipSync(Buffer.concat([Buffer.from('{"traceEvents":['), Buffer.alloc(70 << 20, 0x20)])),
    );
    assert.throws(() => readProfileAt(bomb), /expands beyond 64 MB .*refused as a gzip bomb/);
    const notGzip = path.join(dir, 'broken.json.gz');
    fs.writeFileSync(notGzip, Buffer.from([0x1f, 0x8b, 9, 9, 9, 9, 9, 9]));
    assert.throws(() => readProfileAt(notGzip), /\(gzip\) is not valid gzip/);
    // The page's script has no URL: its time is generated code, named so, with its line.
    const cli = runCli(dir, ['report', file]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /generated code: eval, no script URL/);
    assert.match(cli.stdout, /crunchNumbers \(line 1\)/);
  });
});

describe('pprof: written from a real run, read back by two decoders', () => {
  let run = '';
  let pprof = '';
  before(() => {
    const profiled = runCli(dir, ['profile', '/cpu', ...QUICK]);
    assert.equal(profiled.code, 0, profiled.stderr);
    const runs = path.join(dir, '.hotpath', 'runs');
    run = path.join(runs, fs.readdirSync(runs)[0]);
    pprof = path.join(dir, 'run.pb.gz');
    const written = runCli(dir, ['report', run, '--pprof', pprof]);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stderr, /wrote .*run\.pb\.gz/);
  });

  test('pprof-format reads it: the same top function and samples as the run', () => {
    const cpu = topOf(path.join(run, 'profile.cpuprofile'));
    assert.equal(cpu.name, 'cpu');
    const read = readAnyProfile(fs.readFileSync(pprof));
    assert.equal(read.format, 'pprof');
    assert.equal(read.profile.noTimeline, true);
    const model = buildModel(read.profile);
    const top = [...model.functions]
      .filter((f) => !f.name.startsWith('('))
      .sort((a, b) => b.selfUs - a.selfUs)[0];
    assert.equal(top.name, 'cpu');
    assert.ok(Math.abs(top.selfUs - cpu.selfUs) < 1, `${top.selfUs} µs vs ${cpu.selfUs} µs`);
    const cli = runCli(dir, ['report', pprof]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /weighted stacks \(no timeline in this file/);
    assert.doesNotMatch(cli.stdout, /samples every/);
  });

  test("protobufjs against pprof's profile.proto: the same top and total, and pprof's rules kept", async () => {
    const root = await protobuf.load(fixture('pprof/profile.proto'));
    const Profile = root.lookupType('perftools.profiles.Profile');
    const p = Profile.toObject(Profile.decode(gunzipSync(fs.readFileSync(pprof))), {
      longs: Number,
      defaults: true,
    }) as {
      stringTable: string[];
      sampleType: { type: number; unit: number }[];
      sample: { locationId: number[]; value: number[]; label: { key: number; str: number }[] }[];
      location: { id: number; line: { functionId: number; line: number }[] }[];
      function: { id: number; name: number; filename: number; startLine: number }[];
      periodType: { type: number; unit: number } | null;
      period: number;
      comment: number[];
    };
    const str = (i: number) => {
      assert.ok(i >= 0 && i < p.stringTable.length, `string ${i} resolves`);
      return p.stringTable[i];
    };
    assert.equal(p.stringTable[0], '', 'string_table[0] is ""');
    assert.deepEqual(
      p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`),
      ['samples/count', 'cpu/nanoseconds'],
    );
    assert.ok(p.periodType, 'a period type for CPU');
    assert.equal(`${str(p.periodType.type)}/${str(p.periodType.unit)}`, 'cpu/nanoseconds');
    assert.ok(p.period > 0);
    for (const [what, ids] of [
      ['function', p.function.map((f) => f.id)],
      ['location', p.location.map((l) => l.id)],
    ] as const) {
      assert.ok(
        ids.every((id) => id > 0),
        `${what} ids are non-zero`,
      );
      assert.equal(new Set(ids).size, ids.length, `${what} ids are unique`);
    }
    const functions = new Map(p.function.map((f) => [f.id, f]));
    const locations = new Map(p.location.map((l) => [l.id, l]));
    for (const f of p.function) [f.name, f.filename].forEach(str);
    for (const l of p.location)
      for (const line of l.line)
        assert.ok(functions.has(line.functionId), `location ${l.id}'s function resolves`);
    // Self samples per function name (the leaf location's first line), independently.
    const self = new Map<string, number>();
    let total = 0;
    for (const s of p.sample) {
      assert.equal(s.value.length, p.sampleType.length, 'one value per sample type');
      for (const id of s.locationId) assert.ok(locations.has(id), `location ${id} resolves`);
      const leaf = locations.get(s.locationId[0])?.line[0];
      const name = str(functions.get(leaf?.functionId ?? 0)?.name ?? 0);
      self.set(name, (self.get(name) ?? 0) + s.value[0]);
      total += s.value[0];
      const labels = Object.fromEntries(s.label.map((l) => [str(l.key), str(l.str)]));
      assert.equal(labels.endpoint, 'GET /cpu');
      assert.equal(labels.run_id, path.basename(run));
    }
    const cpu = topOf(path.join(run, 'profile.cpuprofile'));
    assert.equal(total, cpu.samples, 'the total samples');
    const code = [...self].filter(([name]) => !name.startsWith('('));
    assert.equal(code.sort((a, b) => b[1] - a[1])[0][0], 'cpu');
    assert.ok(
      p.comment.map(str).some((c) => c.includes(path.basename(run))),
      'the run id in a comment',
    );
    assert.ok(
      p.function.some(
        (f) =>
          str(f.name) === 'cpu' &&
          /handlers\.ts|sampleService/.test(str(f.filename)) &&
          f.startLine > 0,
      ),
    );
  });
});
