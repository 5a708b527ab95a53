/**
 * Hotpath's pprof export read by Go's own pprof: a real run of the sample service's /cpu (the
 * built CLI, 10 connections for 3 s), written with `hotpath report <run> --pprof`, then
 * `go tool pprof -top` on it; prints both tops and whether the top functions (by self time, Go
 * groups by function name) and the total match Hotpath's read of the same file.
 *
 *   npm run bench:gopprof        (Debian: apt-get install golang-go; skipped, saying so, without go)
 *
 * Not a test: `go` is ~450 MB and not there by default.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readAnyProfile } from '../src/profile/formats/detect';
import { buildModel } from '../src/profile/model';

const ROWS = 5;
const CLI = path.join(__dirname, '..', 'dist', 'cli.js');

/** A Go duration as `go tool pprof` prints it (`1.20s`, `350ms`, `10us`, `2.5mins`), in ms. */
function goMs(text: string): number {
  const m = /^([\d.]+)(ns|us|µs|ms|s|mins?|hrs?)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  const unit = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1e3,
    min: 6e4,
    mins: 6e4,
    hr: 3.6e6,
    hrs: 3.6e6,
  }[m[2]] as number;
  return Number(m[1]) * unit;
}

function main(): number {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    console.log(
      `skipped: no go on PATH (${go.error?.message ?? go.stderr.trim()}); Debian: apt-get install golang-go`,
    );
    return 0;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-gopprof-'));
  try {
    const run = spawnSync(
      process.execPath,
      [CLI, 'profile', '/cpu', '-c', '10', '-d', '3', '--out', dir],
      { encoding: 'utf8', timeout: 180_000 },
    );
    if (run.status !== 0) throw new Error(`hotpath profile failed: ${run.stderr}`);
    const folder = fs
      .readdirSync(dir)
      .map((name) => path.join(dir, name))
      .find((p) => fs.existsSync(path.join(p, 'run.json')));
    if (!folder) throw new Error(`no run folder in ${dir}`);
    const pb = path.join(dir, 'run.pb.gz');
    const written = spawnSync(process.execPath, [CLI, 'report', folder, '--pprof', pb], {
      encoding: 'utf8',
    });
    if (written.status !== 0) throw new Error(`hotpath report --pprof failed: ${written.stderr}`);

    // Hotpath's read of its file: self time per function name, as Go groups them.
    const model = buildModel(readAnyProfile(fs.readFileSync(pb)).profile);
    const byName = new Map<string, number>();
    for (const f of model.functions)
      if (f.selfUs > 0) byName.set(f.name, (byName.get(f.name) ?? 0) + f.selfUs / 1000);
    const ours = [...byName].sort((a, b) => b[1] - a[1]).slice(0, ROWS);
    const ourTotal = model.durationUs / 1000;

    const top = spawnSync('go', ['tool', 'pprof', '-top', `-nodecount=${ROWS}`, pb], {
      encoding: 'utf8',
      env: { ...process.env, PPROF_TMPDIR: dir },
    });
    if (top.status !== 0) throw new Error(`go tool pprof failed: ${top.stderr}`);
    console.log(`${go.stdout.trim()} · go tool pprof -top ${path.basename(pb)}:\n${top.stdout}`);
    const total = /of ([\d.]+\w+) total/.exec(top.stdout)?.[1];
    // Each row's flat share (Go prints times to a hundredth of a second, shares to 0.01 %).
    const rows = top.stdout
      .split('\n')
      .map((line) =>
        /^\s*[\d.]+\w+\s+([\d.]+)%\s+[\d.]+%\s+[\d.]+\w+\s+[\d.]+%\s+(.+?)\s*$/.exec(line),
      )
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[2], Number(m[1])] as const);
    console.log('Hotpath, reading the same file:');
    const pct = (ms: number) => (100 * ms) / ourTotal;
    for (const [name, ms] of ours)
      console.log(`  ${ms.toFixed(2).padStart(9)} ms ${pct(ms).toFixed(2).padStart(6)}%  ${name}`);
    console.log(`  total ${ourTotal.toFixed(2)} ms`);
    // Go rounds the total to a hundredth of a second, a share to a hundredth of a percent.
    const totalMatch = total !== undefined && Math.abs(goMs(total) - ourTotal) <= 5;
    const near = (goPct: number, ms: number) => Math.abs(goPct - pct(ms)) <= 0.006;
    // Functions with equal self time may come in either order: compare as sets with times.
    const matched = ours.filter(([name, ms]) => rows.some(([n, g]) => n === name && near(g, ms)));
    console.log(
      `total: go ${total ?? '?'} · hotpath ${ourTotal.toFixed(2)} ms · ${totalMatch ? 'match' : 'DIFFER'}`,
    );
    console.log(
      `top ${ROWS} functions by self time: ${matched.length} of ${ours.length} match by name and flat share${matched.length === ours.length ? '' : ` (go: ${rows.map(([n]) => n).join(', ')})`}`,
    );
    return totalMatch && matched.length === ours.length ? 0 : 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();
