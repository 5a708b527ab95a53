/**
 * Attaching to a service that has already served traffic, with and without dropping its
 * optimised code first (precise coverage on and off), side by side in one run:
 *
 *   npm run bench:attach        (about 2 minutes)
 *
 * Each round starts the sample service with `--inspect=127.0.0.1:0` (no agent), loads `/cpu`
 * with autocannon for 2 s (V8 optimises the handler while no profiler runs), then profiles
 * `/cpu` by attach: 1 s warm-up, 2 s window. Rounds alternate the two ways. Per way: in how many
 * runs the handler `cpu` kept its frames (its self share of the window; lost frames go to
 * `runMicrotasks`), and the warm-up's and the window's req/s (what dropping the code costs).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { resolveRunOptions } from '../src/runner/options';
import { runProfile } from '../src/runner/run';
import { loadRun } from '../src/runs/runFolder';
import { bundle } from '../src/vocabulary/paths';

const ROUNDS = Number(process.env.ROUNDS ?? 8);
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-attach-'));

interface Result {
  handlerShare: number;
  microtasksShare: number;
  warmupRps: number;
  windowRps: number;
}

async function round(deoptimize: boolean): Promise<Result> {
  const child = spawn(
    process.execPath,
    ['--inspect=127.0.0.1:0', bundle('sampleService.js'), '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    for (let i = 0; i < 100; i++) {
      if (/"url"/.test(stdout) && /ws:\/\//.test(stderr)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = (/"url":"(http:[^"]+)"/.exec(stdout) ?? [])[1] as string;
    const inspector = (/ws:\/\/([\d.]+:\d+)\//.exec(stderr) ?? [])[1] as string;
    await new Promise((resolve, reject) =>
      autocannon({ url: `${url}/cpu`, duration: 2, connections: 4 }, (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
    const { folder, record } = await runProfile(
      resolveRunOptions({
        path: '/cpu',
        attach: inspector,
        url,
        connections: 4,
        durationSec: 2,
        warmupSec: 1,
        outDir: out,
        attachDeoptimize: deoptimize,
      }),
    );
    if (record.status !== 'done') throw new Error(JSON.stringify(record.error));
    const { analysis } = loadRun(folder);
    const duration = analysis.model.durationUs;
    const self = (name: string) =>
      analysis.functions.filter((f) => f.name === name).reduce((s, f) => s + f.selfUs, 0) /
      duration;
    return {
      handlerShare: self('cpu'),
      microtasksShare: self('runMicrotasks'),
      warmupRps: record.warmup?.requestsPerSec ?? 0,
      windowRps: record.load?.requestsPerSec ?? 0,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const results: Record<'deoptimized' | 'as found', Result[]> = { deoptimized: [], 'as found': [] };
  for (let i = 0; i < ROUNDS; i++) {
    results.deoptimized.push(await round(true));
    results['as found'].push(await round(false));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  for (const [way, rs] of Object.entries(results)) {
    const kept = rs.filter((r) => r.handlerShare > 0.5).length;
    console.log(
      `${way.padEnd(12)} handler kept its frames in ${kept}/${rs.length} runs · cpu self ${rs.map((r) => pct(r.handlerShare)).join(' ')} · runMicrotasks median ${pct(median(rs.map((r) => r.microtasksShare)))} · warm-up ${median(rs.map((r) => r.warmupRps)).toFixed(1)} req/s · window ${median(rs.map((r) => r.windowRps)).toFixed(1)} req/s`,
    );
  }
  const ratio = (key: 'warmupRps' | 'windowRps') =>
    median(results.deoptimized.map((r) => r[key])) / median(results['as found'].map((r) => r[key]));
  console.log(
    `deoptimized / as found: warm-up req/s ${ratio('warmupRps').toFixed(2)}x · window req/s ${ratio('windowRps').toFixed(2)}x`,
  );
  fs.rmSync(out, { recursive: true, force: true });
}

void main();
