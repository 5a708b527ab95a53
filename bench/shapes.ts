/**
 * Load shapes and comparisons on the real sample service: the figures that need a quiet machine,
 * measured side by side in one run and printed, with no pass or fail. `npm test` checks the
 * behaviour (test/integration/loadShapes.test.ts) and the statistics on seeded synthetic data of
 * known spread (test/unit/stats.test.ts, test/unit/shapes.test.ts); this prints what they give
 * on this machine now.
 *
 *   npm run bench:shapes               (about 2 minutes; `-- --quick` for 5 self-comparisons)
 *   npm run bench:shapes -- --only self
 *
 * 1. self: /fast compared with itself, pairs of 1 s loads of 20 connections back to back, as
 *    `hotpath compare` puts an interval on them: how many say "no measurable change" (a 95 %
 *    interval with a 5 % noise threshold should say it in about 19 of 20);
 * 2. ramps: /read (pinned by its lock) and /fast (grows with connections) stepped 1 → 64 and
 *    1 → 32, 1 s steps: each step's req/s and the knee's growth over the first step;
 * 3. phases: users joining (10 users, 5 a second, one request each 0.2 s) and a spike (2 + 20
 *    connections from 1 s to 2 s): connections open each second against the plan, and req/s.
 *    The timeline counts responses as their batches reach the load process (every 200 ms): on
 *    a busy machine a second's responses can land in the next.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spreadOf } from '../src/profile/compare';
import { directionOf, SPREAD_RULES, samplesOf, verdictText } from '../src/profile/stats';
import type { RunRecord } from '../src/record/run';
import { type RunRequest, resolveRunOptions } from '../src/runner/options';
import { runProfile } from '../src/runner/run';
import { type RunningService, startSampleService } from '../src/runner/target';

const quick = process.argv.includes('--quick');
// `--only self` (or `ramps`, `phases`) measures one part.
const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : undefined;
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-shapes-'));
const rows: [string, string, string][] = [];
const fmt = (n: number, digits = 1) => n.toFixed(digits);
let service: RunningService;

/** One load of the sample service by URL: no profile, the load is what is measured. */
async function load(request: Omit<RunRequest, 'url' | 'outDir'>): Promise<RunRecord> {
  const { record } = await runProfile(
    resolveRunOptions({ warmupSec: 0, ...request, url: service.url, outDir: out }),
  );
  if (record.status !== 'done') throw new Error(`${request.path}: ${record.error?.message}`);
  return record;
}

async function selfComparisons(): Promise<void> {
  const pairs = quick ? 5 : 20;
  let same = 0;
  const verdicts: string[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const a = await load({ path: '/fast', connections: 20, durationSec: 1 });
    const b = await load({ path: '/fast', connections: 20, durationSec: 1 });
    const [before, after] = [samplesOf(a), samplesOf(b)];
    const interval =
      before && after
        ? spreadOf({ load: a.load, samples: before }, { load: b.load, samples: after }).spread
            ?.requestsPerSec
        : undefined;
    if (!interval) {
      verdicts.push('no interval');
      continue;
    }
    if (directionOf(interval) === 'same') same++;
    verdicts.push(verdictText(interval, 'faster', 'slower'));
  }
  const withInterval = verdicts.filter((v) => v !== 'no interval').length;
  rows.push([
    `/fast against itself, ${pairs} pairs of 1 s loads, 20 connections`,
    `${same} of ${withInterval}`,
    `no measurable change, of the pairs with an interval${withInterval < pairs ? `; ${pairs - withInterval} had none (fewer than ${SPREAD_RULES.minIntervals} whole 100 ms intervals in a load)` : ''}`,
  ]);
  for (const [i, verdict] of verdicts.entries()) console.log(`    pair ${i + 1}: ${verdict}`);
}

async function ramps(): Promise<void> {
  const ramp = (to: number) => ({ kind: 'ramp', from: 1, to, factor: 2, stepSec: 1 });
  for (const [route, to] of [
    ['/read', 64],
    ['/fast', 32],
  ] as const) {
    const record = await load({ path: route, shape: ramp(to) });
    const r = record.load?.ramp;
    if (!r) throw new Error(`${route}: no ramp report`);
    const steps = r.steps.map((s) => `${s.connections} → ${fmt(s.requestsPerSec, 0)}`).join(' · ');
    rows.push([
      `${route} ramp 1 → ${to}, 1 s steps: knee ÷ first step req/s`,
      `${fmt(r.knee.growth, 2)}x`,
      `knee at ${r.knee.connections} connection${r.knee.connections === 1 ? '' : 's'}; ${steps} req/s`,
    ]);
  }
}

async function phases(): Promise<void> {
  const open = (record: RunRecord) => (record.timeline ?? []).map((p) => p.connections).join(', ');
  const rps = (record: RunRecord) => (record.timeline ?? []).map((p) => p.rps);
  const users = await load({
    path: '/hello',
    shape: { kind: 'users', users: 10, waitSec: 0.2, spawnRate: 5, durationSec: 3 },
  });
  rows.push([
    'users 10, 5 a second, pace 0.2 s: connections open each second',
    open(users),
    `planned 5, 10, 10; ${fmt(users.load?.requestsPerSec ?? 0)} req/s (at most 50)`,
  ]);
  const spike = await load({
    path: '/fast',
    shape: {
      kind: 'spike',
      connections: 2,
      spikeConnections: 20,
      durationSec: 3,
      spikeAtSec: 1,
      spikeSec: 1,
    },
  });
  rows.push([
    'spike 2 + 20 from 1 s to 2 s: connections open each second',
    open(spike),
    `planned 2, 22, 2; req/s each second ${rps(spike).join(', ')}`,
  ]);
}

async function main(): Promise<void> {
  console.log(
    `Hotpath shapes benchmark · node ${process.version} · ${os.cpus().length} cores${quick ? ' · quick' : ''}`,
  );
  service = await startSampleService({ nodePath: process.execPath, readyTimeoutSec: 30 });
  try {
    for (const [name, step] of [
      ['self', selfComparisons],
      ['ramps', ramps],
      ['phases', phases],
    ] as const) {
      if (only && !name.startsWith(only)) continue;
      console.log(`  measuring: ${name}…`);
      await step();
    }
  } finally {
    await service.stop();
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  const figure = Math.max(...rows.map((r) => r[1].length));
  console.log('');
  for (const [name, value, detail] of rows)
    console.log(`${name.padEnd(width)}  ${value.padStart(figure)}  (${detail})`);
  fs.rmSync(out, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  void service?.stop();
  fs.rmSync(out, { recursive: true, force: true });
  process.exitCode = 1;
});
