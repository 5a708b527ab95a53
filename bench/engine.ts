/**
 * The engine's benchmark: ratios measured side by side in one run on this machine.
 *
 *   npm run bench               (about 2 minutes; `-- --quick` for shorter loads)
 *
 * 1. load generator: the runner's req/s ÷ wrk's on the sample service's trivial /hello route,
 *    same connections and duration, alternating which goes first;
 * 2. profiling overhead on /cpu at the default sampling interval: req/s and service CPU per
 *    response with the profiler ÷ without (alternating);
 * 3. the walk-through's lesson: /fast ÷ /read req/s with the default preset;
 * 4. what watching the locks costs: /fast (a lock taken on every request) with async-mutex
 *    watched ÷ unwatched, req/s and service CPU per response, profiled both ways, alternating.
 * 5. what sampling the allocations costs: /clients, /cpu and /cpualloc profiled with the heap
 *    sampler (`allocations`) ÷ without, req/s and service CPU per response, in alternating
 *    pairs, the pairs' ratios with a 95 % interval (t over the pairs' log ratios).
 * 6. what the event-loop stall probe costs: /cpu and /fast profiled with the probe ÷ without
 *    (HOTPATH_STALLS=0, an internal switch for this bench), req/s and service CPU per response,
 *    in alternating pairs, with the same interval (`-- --only stall`).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../src/record/run';
import { runLoad } from '../src/runner/load/load';
import { resolveRunOptions } from '../src/runner/options';
import { runProfile } from '../src/runner/run';
import { DEFAULTS } from '../src/vocabulary/defaults';
import { bundle } from '../src/vocabulary/paths';

const quick = process.argv.includes('--quick');
// `--only load` (or `profiling`, `walk`) measures one part.
const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : undefined;
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-'));
const rows: [string, string, string][] = [];
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function startPlainSampleService(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [bundle('sampleService.js'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (line: string) => resolve(JSON.parse(line).url));
    child.once('exit', (code) => reject(new Error(`sample service exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

function wrk(url: string, threads: number, connections: number, seconds: number): number {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, url];
  const result = spawnSync('wrk', args, { encoding: 'utf8' });
  if (result.error)
    throw new Error(`wrk: ${result.error.message} (install it: apt-get install wrk)`);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(result.stdout);
  if (!match) throw new Error(`wrk printed no Requests/sec:\n${result.stdout}${result.stderr}`);
  return Number(match[1]);
}

async function loadGenerator(): Promise<void> {
  const connections = 50;
  const seconds = quick ? 3 : 5;
  const rounds = 3;
  const service = await startPlainSampleService();
  try {
    const load = resolveRunOptions({ path: '/hello', connections, durationSec: seconds }).load;
    await runLoad(service.url, { ...load, durationSec: 1 }, { nodePath: process.execPath }); // warm-up
    const runner = (workers: number) => async () =>
      (await runLoad(service.url, { ...load, workers }, { nodePath: process.execPath }))
        .requestsPerSec;
    const configs: Record<string, () => Promise<number>> = {
      'wrk -t1': async () => wrk(`${service.url}/hello`, 1, connections, seconds),
      'wrk -t2': async () => wrk(`${service.url}/hello`, 2, connections, seconds),
      'runner, 1 worker': runner(1),
      'runner, 2 workers': runner(2),
    };
    const names = Object.keys(configs);
    const seen: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    // Each round starts with a different tool, so that drift of the shared machine spreads evenly.
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length];
        seen[name].push(await configs[name]());
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const best = (prefix: string) =>
      names
        .filter((n) => n.startsWith(prefix))
        .map((n) => [n, median(seen[n])] as const)
        .sort((a, b) => b[1] - a[1])[0];
    const [wrkName, wrkRps] = best('wrk');
    const ours = median(
      seen[`runner, ${DEFAULTS.workers} worker${DEFAULTS.workers > 1 ? 's' : ''}`],
    );
    rows.push([
      `runner (default, ${DEFAULTS.workers} worker) ÷ best wrk, /hello, ${connections} conns × ${seconds} s`,
      fmt(ours / wrkRps, 2),
      `${fmt(ours, 0)} vs ${fmt(wrkRps, 0)} req/s (${wrkName}); medians of ${rounds}: ` +
        names.map((n) => `${n} ${fmt(median(seen[n]), 0)}`).join(', '),
    ]);
  } finally {
    service.stop();
  }
}

async function profiled(
  route: string,
  profile: boolean,
  durationSec: number,
  allocations = false,
): Promise<RunRecord> {
  const options = resolveRunOptions({
    path: route,
    connections: 50,
    durationSec,
    profile,
    allocations,
    outDir: out,
  });
  const { record } = await runProfile(options);
  if (record.status !== 'done') throw new Error(`${route}: ${record.error?.message}`);
  return record;
}

const cpuPerResponse = (r: RunRecord) =>
  ((r.agent?.cpuUserMs ?? 0) + (r.agent?.cpuSystemMs ?? 0)) / (r.load?.requests || 1);

async function profilingOverhead(): Promise<void> {
  const seconds = quick ? 3 : 8;
  const on: RunRecord[] = [];
  const off: RunRecord[] = [];
  for (let round = 0; round < 2; round++) {
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const profile of order)
      (profile ? on : off).push(await profiled('/cpu', profile, seconds));
  }
  const rps = (rs: RunRecord[]) => mean(rs.map((r) => r.load?.requestsPerSec ?? 0));
  const cpu = (rs: RunRecord[]) => mean(rs.map(cpuPerResponse));
  rows.push([
    `/cpu req/s profiled ÷ not, ${DEFAULTS.samplingIntervalUs} µs`,
    fmt(rps(on) / rps(off), 2),
    `${fmt(rps(on))} vs ${fmt(rps(off))} req/s`,
  ]);
  rows.push([
    '/cpu service CPU per response, profiled ÷ not',
    fmt(cpu(on) / cpu(off), 2),
    `${fmt(cpu(on))} vs ${fmt(cpu(off))} ms`,
  ]);
}

async function walkthrough(): Promise<void> {
  const preset = DEFAULTS.preset;
  const durationSec = quick ? 3 : undefined;
  const run = async (route: string) => {
    const { record } = await runProfile(
      resolveRunOptions({ path: route, preset, durationSec, outDir: out }),
    );
    if (record.status !== 'done') throw new Error(`${route}: ${record.error?.message}`);
    return record;
  };
  const read = await run('/read');
  const fast = await run('/fast');
  const readRps = read.load?.requestsPerSec ?? 0;
  const fastRps = fast.load?.requestsPerSec ?? 0;
  rows.push([
    `/fast ÷ /read req/s, preset ${preset}${quick ? ' (3 s)' : ''}`,
    fmt(fastRps / readRps),
    `${fmt(fastRps)} vs ${fmt(readRps)} req/s`,
  ]);
  const cpu = await run('/cpu');
  const alloc = await run('/cpualloc');
  rows.push([
    '/cpualloc ÷ /cpu service CPU per response',
    fmt(cpuPerResponse(alloc) / cpuPerResponse(cpu), 2),
    `${fmt(cpuPerResponse(alloc))} vs ${fmt(cpuPerResponse(cpu))} ms`,
  ]);
}

async function lockOverhead(): Promise<void> {
  const seconds = quick ? 3 : 6;
  const run = async (watchLocks: boolean) => {
    const { record } = await runProfile(
      resolveRunOptions({
        path: '/fast',
        connections: 200,
        durationSec: seconds,
        watchLocks,
        outDir: out,
      }),
    );
    if (record.status !== 'done') throw new Error(`/fast: ${record.error?.message}`);
    if (watchLocks !== (record.locks !== undefined))
      throw new Error('the lock report is not as asked');
    return record;
  };
  const on: RunRecord[] = [];
  const off: RunRecord[] = [];
  for (let round = 0; round < 2; round++) {
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const watch of order) (watch ? on : off).push(await run(watch));
  }
  const rps = (rs: RunRecord[]) => mean(rs.map((r) => r.load?.requestsPerSec ?? 0));
  const cpu = (rs: RunRecord[]) => mean(rs.map(cpuPerResponse));
  rows.push([
    '/fast req/s, locks watched ÷ not (200 connections)',
    fmt(rps(on) / rps(off), 2),
    `${fmt(rps(on))} vs ${fmt(rps(off))} req/s`,
  ]);
  rows.push([
    '/fast service CPU per response, locks watched ÷ not',
    fmt(cpu(on) / cpu(off), 2),
    `${fmt(cpu(on), 3)} vs ${fmt(cpu(off), 3)} ms`,
  ]);
}

/** The mean of per-pair ratios on the log scale, with a 95 % t interval over the pairs. */
function pairedRatio(ratios: number[]): string {
  const logs = ratios.map(Math.log);
  const m = mean(logs);
  const sd = Math.sqrt(logs.reduce((sum, x) => sum + (x - m) ** 2, 0) / (logs.length - 1));
  // Student's t at 95 %, two-sided, for 2 to 6 degrees of freedom.
  const t = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45][logs.length - 2] ?? 2;
  const half = (t * sd) / Math.sqrt(logs.length);
  return `${fmt(Math.exp(m), 3)} (95 % CI ${fmt(Math.exp(m - half), 3)}–${fmt(Math.exp(m + half), 3)}, ${logs.length} pairs)`;
}

/**
 * `run(route, on)` in alternating pairs (on first, then off first) for each route, and each
 * route's req/s and service CPU per response, on ÷ off, as the pairs' ratios with their interval.
 */
async function onOffPairs(
  routes: string[],
  pairs: number,
  run: (route: string, on: boolean) => Promise<RunRecord>,
  names: { rps: (route: string) => string; cpu: (route: string) => string },
  cpuDigits: number,
): Promise<void> {
  for (const route of routes) {
    const rpsRatios: number[] = [];
    const cpuRatios: number[] = [];
    const sides: { on: RunRecord[]; off: RunRecord[] } = { on: [], off: [] };
    for (let pair = 0; pair < pairs; pair++) {
      const order = pair % 2 === 0 ? [true, false] : [false, true];
      const got: Record<string, RunRecord> = {};
      for (const on of order) got[String(on)] = await run(route, on);
      const [on, off] = [got.true, got.false];
      sides.on.push(on);
      sides.off.push(off);
      rpsRatios.push((on.load?.requestsPerSec ?? 0) / (off.load?.requestsPerSec || 1));
      cpuRatios.push(cpuPerResponse(on) / cpuPerResponse(off));
    }
    const rps = (rs: RunRecord[]) => mean(rs.map((r) => r.load?.requestsPerSec ?? 0));
    const cpu = (rs: RunRecord[]) => mean(rs.map(cpuPerResponse));
    rows.push([
      names.rps(route),
      pairedRatio(rpsRatios),
      `${fmt(rps(sides.on))} vs ${fmt(rps(sides.off))} req/s`,
    ]);
    rows.push([
      names.cpu(route),
      pairedRatio(cpuRatios),
      `${fmt(cpu(sides.on), cpuDigits)} vs ${fmt(cpu(sides.off), cpuDigits)} ms`,
    ]);
  }
}

async function allocationOverhead(): Promise<void> {
  const seconds = quick ? 3 : 5;
  const pairs = quick ? 2 : 4;
  const run = async (route: string, heap: boolean) => {
    const record = await profiled(route, true, seconds, heap);
    if (heap !== (record.heap?.file != null))
      throw new Error(
        `${route}: the heap profile is not as asked (${JSON.stringify(record.heap)})`,
      );
    return record;
  };
  // /clients: a light route, where a cost per request shows most.
  await onOffPairs(
    ['/clients', '/cpu', '/cpualloc'],
    pairs,
    run,
    {
      rps: (route) => `${route} req/s, allocations sampled ÷ not (512 KiB)`,
      cpu: (route) => `${route} service CPU per response, sampled ÷ not`,
    },
    2,
  );
}

async function stallProbeOverhead(): Promise<void> {
  const seconds = quick ? 3 : 5;
  const pairs = quick ? 3 : 4;
  const run = async (route: string, probe: boolean) => {
    if (probe) delete process.env.HOTPATH_STALLS;
    else process.env.HOTPATH_STALLS = '0';
    try {
      const record = await profiled(route, true, seconds);
      if (probe !== (record.stalls !== undefined))
        throw new Error(`${route}: the stalls are not as asked (probe ${probe ? 'on' : 'off'})`);
      return record;
    } finally {
      delete process.env.HOTPATH_STALLS;
    }
  };
  await onOffPairs(
    ['/cpu', '/fast'],
    pairs,
    run,
    {
      rps: (route) => `${route} req/s, stall probe on ÷ off (50 conns × ${seconds} s)`,
      cpu: (route) => `${route} service CPU per response, probe on ÷ off`,
    },
    3,
  );
}

async function main(): Promise<void> {
  console.log(
    `Hotpath engine benchmark · node ${process.version} · ${os.cpus().length} cores${quick ? ' · quick' : ''}`,
  );
  for (const [name, step] of [
    ['load generator', loadGenerator],
    ['profiling overhead', profilingOverhead],
    ['walk-through', walkthrough],
    ['locks', lockOverhead],
    ['allocations', allocationOverhead],
    ['stall probe', stallProbeOverhead],
  ] as const) {
    if (only && !name.startsWith(only)) continue;
    console.log(`  measuring: ${name}…`);
    await step();
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log('');
  for (const [name, ratio, detail] of rows)
    console.log(
      `${name.padEnd(width)}  ${ratio.padStart(6)}${ratio.includes(' ') ? '' : 'x'}  (${detail})`,
    );
  fs.rmSync(out, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  fs.rmSync(out, { recursive: true, force: true });
  process.exitCode = 1;
});
