/**
 * Reading other tools' profiles, measured side by side in one run (each in a fresh process,
 * alternating, median of 3):
 *
 *   npm run bench:formats        (a few minutes; makes ~77 MB files and a ~500 MB trace in the temp folder)
 *
 * 1. a ~77 MB Chrome trace-event file (a Performance recording's shape: `ProfileChunk` events
 *    among many others): `JSON.parse` of the file as a string (the floor; it reads nothing) beside
 *    Hotpath's read (format detection, events split from the bytes, only the profile's events
 *    parsed, checked, merged) and model;
 * 2. a ~77 MB pprof (one sample per stack sample with an end timestamp, as `@datadog/pprof`'s wall
 *    profiles are): `pprof-format`'s own `Profile.decode` (the floor) beside Hotpath's read
 *    (decode, every reference checked, the tree built) and model;
 * 3. a ~500 MB trace (near V8's longest string: `JSON.parse` cannot take it as one string) read
 *    by `hotpath report`'s file reader, in 4 MB chunks: its time and peak memory; then the same
 *    trace gzipped, decompressed as it is read, beside decompressing it whole first (the way
 *    before), median of 3. HOTPATH_BENCH_ONLY=gzip runs only this third part.
 * flamebearer 2's `parseInput` (which reads traces, not pprof) is beside the trace.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Label,
  Line,
  Location,
  Function as PprofFunction,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { readAnyProfile } from '../src/profile/formats/detect';
import { buildModel } from '../src/profile/model';
import type { PackedProfile } from '../src/profile/packedProfile';
import { readProfileAt } from '../src/runs/profileFolder';
import { writeBigProfile } from './bigProfile';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** In a child: one method on one file; prints its time and peak memory above the start. */
async function measureHere(method: string, file: string): Promise<void> {
  const flamebearer = method === 'flamebearer' ? await import('flamebearer') : undefined;
  const base = process.memoryUsage().rss;
  const started = performance.now();
  let what = '';
  if (method === 'json') {
    const value = JSON.parse(fs.readFileSync(file, 'utf8'));
    what = `${Array.isArray(value) ? value.length : Object.keys(value).length} values`;
  } else if (method === 'flamebearer' && flamebearer) {
    const trace = flamebearer.parseInput(fs.readFileSync(file), file);
    what = `${trace.threads.length} threads`;
  } else if (method === 'gunzip-whole') {
    // The way before streaming: the whole file decompressed (capped), then read.
    const model = buildModel(readAnyProfile(fs.readFileSync(file)).profile);
    what = `${model.sampleCount} samples, ${model.functions.length} functions`;
  } else if (method === 'pprof-decode') {
    const profile = Profile.decode(fs.readFileSync(file));
    what = `${profile.sample.length} samples`;
  } else {
    const model = buildModel(readProfileAt(file).profile);
    what = `${model.sampleCount} samples, ${model.functions.length} functions`;
  }
  const ms = performance.now() - started;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ ms, peakMb: (peak - base) / 1048576, what }));
}

function measure(method: string, file: string): { ms: number; peakMb: number; what: string } {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', __filename, '--measure', method, file],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  if (child.status !== 0) throw new Error(`${method}: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) as string);
}

/** Writes `profile` as a trace: chunks of nodes and samples among `fillerTotal` other events. */
function writeTrace(file: string, profile: PackedProfile, fillerTotal: number, repeat = 1): number {
  const out = fs.openSync(file, 'w');
  let size = 0;
  const write = (text: string) => {
    size += Buffer.byteLength(text);
    fs.writeSync(out, text);
  };
  const parent = new Int32Array(profile.nodeCount).fill(0);
  for (let i = 0; i < profile.nodeCount; i++)
    for (let c = profile.childStart[i]; c < profile.childStart[i + 1]; c++)
      parent[profile.childList[c]] = i + 1;
  write('{"traceEvents":[');
  write('{"name":"thread_name","ph":"M","pid":1,"tid":1,"ts":0,"args":{"name":"CrRendererMain"}}');
  let ts = 1_000_000;
  const filler = () =>
    `,{"args":{"data":{"frame":"A1B2C3D4","url":"https://example.com/app.js"}},"cat":"devtools.timeline","dur":${ts % 997},"name":"FunctionCall","ph":"X","pid":1,"tid":1,"ts":${ts++},"tts":${ts}}`;
  for (let r = 0; r < repeat; r++) {
    const id = `0x${r + 1}`;
    write(
      `,{"name":"Profile","ph":"P","id":"${id}","pid":1,"tid":1,"ts":${ts},"args":{"data":{"startTime":${profile.startTime}}}}`,
    );
    const perChunk = 500;
    const chunks = Math.ceil(Math.max(profile.nodeCount / 100, profile.samples.length / perChunk));
    for (let c = 0; c < chunks; c++) {
      const nodes: string[] = [];
      for (let i = c * 100; i < Math.min(profile.nodeCount, (c + 1) * 100); i++) {
        const frame = {
          functionName: profile.names[profile.nameOf[i]],
          url: profile.urls[profile.urlOf[i]],
          scriptId: profile.urlOf[i],
          lineNumber: profile.lineNumber[i],
          columnNumber: profile.columnNumber[i],
        };
        nodes.push(
          JSON.stringify({ callFrame: frame, id: i + 1, ...(i > 0 ? { parent: parent[i] } : {}) }),
        );
      }
      const from = c * perChunk;
      const to = Math.min(profile.samples.length, from + perChunk);
      const samples = Array.from(profile.samples.subarray(from, to), (n) => n + 1);
      const deltas = Array.from(profile.timeDeltas.subarray(from, to));
      write(
        `,{"args":{"data":{"cpuProfile":{"nodes":[${nodes.join(',')}],"samples":[${samples.join(',')}]},"timeDeltas":[${deltas.join(',')}]}},"cat":"disabled-by-default-v8.cpu_profiler","id":"${id}","name":"ProfileChunk","ph":"P","pid":1,"tid":2,"ts":${ts++}}`,
      );
      const fillers =
        Math.floor(((c + 1) * fillerTotal) / chunks) - Math.floor((c * fillerTotal) / chunks);
      for (let k = 0; k < fillers; k++) write(filler());
    }
  }
  write(']}');
  fs.closeSync(out);
  return size;
}

/** Writes `profile` as a pprof with one sample per stack sample, each with its end timestamp. */
function writePprof(file: string, profile: PackedProfile, samples: number): number {
  const strings = new StringTable();
  const s = (t: string) => strings.dedup(t) as number;
  const parent = new Int32Array(profile.nodeCount).fill(-1);
  for (let i = 0; i < profile.nodeCount; i++)
    for (let c = profile.childStart[i]; c < profile.childStart[i + 1]; c++)
      parent[profile.childList[c]] = i;
  const fns: PprofFunction[] = [];
  const locations: Location[] = [];
  for (let i = 1; i < profile.nodeCount; i++) {
    fns.push(
      new PprofFunction({
        id: i,
        name: s(profile.names[profile.nameOf[i]]),
        filename: s(profile.urls[profile.urlOf[i]]),
        startLine: profile.lineNumber[i] + 1,
      }),
    );
    locations.push(
      new Location({ id: i, line: [new Line({ functionId: i, line: profile.lineNumber[i] + 2 })] }),
    );
  }
  const stacks = new Map<number, number[]>();
  const stackOf = (node: number): number[] => {
    let stack = stacks.get(node);
    if (!stack) {
      stack = [];
      for (let n = node; n > 0; n = parent[n]) stack.push(n);
      stacks.set(node, stack);
    }
    return stack;
  };
  const endKey = s('end_timestamp_ns');
  const list: Sample[] = [];
  let time = 1_700_000_000_000_000_000n;
  for (let k = 0; k < samples; k++) {
    const node = profile.samples[k % profile.samples.length];
    time += 1_000_000n;
    list.push(
      new Sample({
        locationId: stackOf(node),
        value: [1, 1_000_000],
        label: [new Label({ key: endKey, num: time })],
      }),
    );
  }
  const bytes = new Profile({
    sampleType: [
      new ValueType({ type: s('sample'), unit: s('count') }),
      new ValueType({ type: s('wall'), unit: s('nanoseconds') }),
    ],
    sample: list,
    location: locations,
    function: fns,
    stringTable: strings,
    periodType: new ValueType({ type: s('wall'), unit: s('nanoseconds') }),
    period: 1_000_000,
  }).encode();
  fs.writeFileSync(file, bytes);
  return bytes.length;
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-formats-'));
  try {
    const cpu = path.join(dir, 'big.cpuprofile');
    writeBigProfile(cpu, { nodes: 60_000, samples: 1_200_000, functions: 20_000, scripts: 1_000 });
    const profile = readAnyProfile(fs.readFileSync(cpu)).profile;
    const trace = path.join(dir, 'big.trace.json');
    const target = 77 * 1048576;
    // Other events fill the trace to the size: their bytes per chunk found from two writes.
    const bare = writeTrace(trace, profile, 0);
    const perFiller = (writeTrace(trace, profile, 2) - bare) / 2;
    const traceMb =
      writeTrace(trace, profile, Math.max(0, Math.round((target - bare) / perFiller))) / 1048576;
    const pprof = path.join(dir, 'big.pb');
    // Stacks are deep (30–140 frames): the bytes of a sample found from two writes.
    const small = writePprof(pprof, profile, 20_000);
    const perSample = (writePprof(pprof, profile, 40_000) - small) / 20_000;
    const pprofMb =
      writePprof(pprof, profile, Math.round(20_000 + (target - small) / perSample)) / 1048576;
    console.log(
      `node ${process.version} · trace ${traceMb.toFixed(1)} MB · pprof ${pprofMb.toFixed(1)} MB`,
    );
    // HOTPATH_BENCH_ONLY=gzip: only the 500 MB trace and its gzip (the 77 MB pairs skipped).
    const only = process.env.HOTPATH_BENCH_ONLY;
    const pairs: [string, string, string][] = [
      ['trace events', 'json', trace],
      ['trace events', 'hotpath', trace],
      ['trace events', 'flamebearer', trace],
      ['pprof', 'pprof-decode', pprof],
      ['pprof', 'hotpath', pprof],
    ];
    const seen = pairs.map(() => [] as { ms: number; peakMb: number; what: string }[]);
    for (let round = 0; round < (only === 'gzip' ? 0 : 3); round++)
      pairs.forEach(([, method, file], i) => {
        const k = (i + round) % pairs.length;
        seen[k].push(measure(pairs[k][1], pairs[k][2]));
        void method;
        void file;
      });
    const row = (i: number) => ({
      ms: median(seen[i].map((r) => r.ms)),
      peak: median(seen[i].map((r) => r.peakMb)),
    });
    const fb = row(2);
    if (only !== 'gzip')
      console.log(
        `trace events: flamebearer 2's parseInput ${fb.ms.toFixed(0)} ms, ${fb.peak.toFixed(0)} MB · hotpath ${(row(1).ms / fb.ms).toFixed(2)}x its time, ${(row(1).peak / fb.peak).toFixed(2)}x its memory`,
      );
    for (const [floor, ours, name] of only === 'gzip'
      ? []
      : ([
          [0, 1, 'trace events'],
          [3, 4, 'pprof'],
        ] as const)) {
      const a = row(floor);
      const b = row(ours);
      console.log(
        `${name}: ${pairs[floor][1]} ${a.ms.toFixed(0)} ms, ${a.peak.toFixed(0)} MB · hotpath read + model ${b.ms.toFixed(0)} ms, ${b.peak.toFixed(0)} MB · ${(b.ms / a.ms).toFixed(2)}x the time, ${(b.peak / a.peak).toFixed(2)}x the memory (${seen[ours][0].what})`,
      );
    }
    fs.rmSync(pprof);
    const huge = path.join(dir, 'huge.trace.json');
    const hugeMb =
      writeTrace(huge, profile, Math.round((500 * 1048576 - bare) / perFiller)) / 1048576;
    const streamed = measure('hotpath', huge);
    console.log(
      `a ${hugeMb.toFixed(0)} MB trace, read in 4 MB chunks: ${streamed.ms.toFixed(0)} ms, peak ${streamed.peakMb.toFixed(0)} MB above the start (${streamed.what})${only === 'gzip' ? '' : `; the same profile's 77 MB trace peaked at ${row(1).peak.toFixed(0)} MB`}`,
    );
    // The same trace gzipped: decompressed as it is read (a worker's zlib stream, 4 MB handed
    // over at a time) beside decompressing it whole first (the way before), alternating.
    const gz = `${huge}.gz`;
    const zipped = spawnSync('gzip', ['-1', '-k', '-f', huge]);
    if (zipped.status !== 0 || !fs.existsSync(gz)) {
      console.log(
        `gzipped trace: skipped, gzip failed or is absent (${zipped.error ?? zipped.stderr})`,
      );
      return;
    }
    fs.rmSync(huge);
    const gzMb = fs.statSync(gz).size / 1048576;
    const runs: Record<string, { ms: number; peakMb: number; what: string }[]> = {
      hotpath: [],
      'gunzip-whole': [],
    };
    for (let round = 0; round < 3; round++)
      for (const method of round % 2 ? ['gunzip-whole', 'hotpath'] : ['hotpath', 'gunzip-whole'])
        runs[method].push(measure(method, gz));
    const mid = (m: string) => ({
      ms: median(runs[m].map((r) => r.ms)),
      peak: median(runs[m].map((r) => r.peakMb)),
    });
    const [s, w] = [mid('hotpath'), mid('gunzip-whole')];
    console.log(
      `the ${hugeMb.toFixed(0)} MB trace gzipped (${gzMb.toFixed(0)} MB): streamed ${s.ms.toFixed(0)} ms, peak ${s.peak.toFixed(0)} MB · decompressed whole first ${w.ms.toFixed(0)} ms, peak ${w.peak.toFixed(0)} MB · streaming ${(s.ms / w.ms).toFixed(2)}x the time, ${(s.peak / w.peak).toFixed(2)}x the memory (median of 3, alternating; ${runs.hotpath[0].what})`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure') void measureHere(process.argv[3], process.argv[4]);
else main();
