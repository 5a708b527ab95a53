/**
 * Big profiles in the editor, measured in a real VS Code: makes three profiles (a real one from
 * the sample service at a fine sampling interval, and two generated ones of about 7.5 MB / 20k
 * nodes and 77 MB / 200k nodes, with deep stacks, many functions and position ticks), opens each
 * in Hotpath's profile editor in code-server driven by headless Chromium (the harness of the
 * extension tests), and prints per profile: open → drawn, the extension host's peak RSS and
 * longest event-loop block, the largest renderer process's peak RSS, hover / zoom / search
 * times (event handler plus the paint it caused), and the memory left after closing.
 *
 *   node --import tsx bench/editor.ts [--only real,mid,big] [--profile-host DIR]
 *
 * `--profile-host DIR` keeps a CPU profile of the extension host during each open in DIR (open
 * them with Hotpath: where the host's time went).
 *
 * Needs `npm run build` first. Writes nothing in the repository; the table goes to stdout.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { Frame } from 'playwright-core';
import { resolveRunOptions } from '../src/runner/options';
import { runProfile } from '../src/runner/run';
import { launchChromium } from '../test/browser';
import { startCodeServer } from '../test/vscode/codeServer';
import { writeBigProfile } from './bigProfile';

const root = path.resolve(__dirname, '..');
const only = process.argv.includes('--only')
  ? new Set(process.argv[process.argv.indexOf('--only') + 1].split(','))
  : undefined;
/** `--profile-host DIR`: a CPU profile of the extension host during each open, kept in DIR. */
const hostProfiles = process.argv.includes('--profile-host')
  ? path.resolve(process.argv[process.argv.indexOf('--profile-host') + 1])
  : undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => bytes / (1 << 20);

async function makeProfiles(dir: string): Promise<{ name: string; file: string }[]> {
  const made: { name: string; file: string }[] = [];
  if (!only || only.has('real')) {
    // The sample service's /clients (Fastify's whole request path), sampled every 20 µs for
    // 20 s: a real profile of about 1.6 MB.
    const { folder, record } = await runProfile(
      resolveRunOptions({
        path: '/clients',
        connections: 8,
        durationSec: 20,
        samplingIntervalUs: 20,
        outDir: path.join(dir, 'runs'),
      }),
    );
    if (record.status !== 'done') throw new Error(`the real run failed: ${record.error?.message}`);
    const file = path.join(dir, 'real.cpuprofile');
    fs.copyFileSync(path.join(folder, 'profile.cpuprofile'), file);
    made.push({ name: 'real', file });
  }
  if (!only || only.has('mid')) {
    const file = path.join(dir, 'mid.cpuprofile');
    writeBigProfile(file, { nodes: 20_000, samples: 330_000, functions: 6_000, scripts: 400 });
    made.push({ name: 'mid', file });
  }
  if (!only || only.has('big')) {
    const file = path.join(dir, 'big.cpuprofile');
    writeBigProfile(file, {
      nodes: 200_000,
      samples: 3_300_000,
      functions: 30_000,
      scripts: 2_000,
    });
    made.push({ name: 'big', file });
  }
  return made;
}

/** RSS of a process, from /proc; 0 once it is gone. */
function rssOf(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status);
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The largest RSS among Chromium's renderer processes (the workbench and its webviews). */
function largestRenderer(): number {
  const out = execFileSync('ps', ['-eo', 'pid=,rss=,args='], { encoding: 'utf8' });
  let largest = 0;
  for (const line of out.split('\n')) {
    if (!line.includes('--type=renderer') || !/chrom/.test(line)) continue;
    const [, rss] = line.trim().split(/\s+/, 3);
    largest = Math.max(largest, Number(rss) * 1024);
  }
  return largest;
}

/** Samples `read` every 25 ms until stopped; returns the peak. */
function sampler(read: () => number): { stop(): number } {
  let peak = read();
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
  }, 25);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, read());
    },
  };
}

async function waitFor(file: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > until) throw new Error(`waited ${timeoutMs / 1000} s for ${file}`);
    await sleep(25);
  }
}

/**
 * Hover, zoom and search in the flamegraph: each the handler's time plus the paint it caused.
 * (A string: functions compiled by tsx carry helpers the page does not have.)
 */
const INTERACTIONS = `(async () => {
  const canvas = document.querySelector('canvas.hotpath-flame-canvas');
  const search = document.querySelector('input.hotpath-flame-search');
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const measure = async (act) => {
    await nextFrame();
    const t0 = performance.now();
    act();
    const handler = performance.now() - t0;
    for (let k = 0; k < 30; k++) {
      await nextFrame();
      if (Number(canvas.dataset.paintedAt) > t0) return handler + Number(canvas.dataset.paintMs);
    }
    return handler;
  };
  const box = canvas.getBoundingClientRect();
  const at = (fx, y) => ({ clientX: box.left + box.width * fx, clientY: box.top + y, bubbles: true });
  const hover = [];
  for (let k = 0; k < 20; k++)
    hover.push(await measure(() =>
      canvas.dispatchEvent(new MouseEvent('mousemove', at(0.05 + k * 0.045, 8 + (k % 10) * 18)))));
  const zoom = [];
  for (let k = 0; k < 5; k++) {
    zoom.push(await measure(() => canvas.dispatchEvent(new MouseEvent('click', at(0.1 + k * 0.15, 44)))));
    await measure(() => canvas.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
  }
  const searchMs = [];
  for (const query of ['fn1', 'fn12', 'feature3', 'cpu', '']) {
    searchMs.push(await measure(() => {
      search.value = query;
      search.dispatchEvent(new Event('input', { bubbles: true }));
    }));
  }
  return { hover, zoom, search: searchMs };
})()`;

function interactions(
  frame: Frame,
): Promise<{ hover: number[]; zoom: number[]; search: number[] }> {
  return frame.evaluate(INTERACTIONS);
}

async function flameFrame(frames: Frame[]): Promise<Frame | undefined> {
  for (const frame of frames) {
    try {
      if (await frame.evaluate("!!document.querySelector('canvas.hotpath-flame-canvas')"))
        return frame;
    } catch {
      /* a frame that went away, or one we may not read */
    }
  }
  return undefined;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js')))
    throw new Error('build first: npm run build');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-editor-'));
  const control = path.join(dir, 'control');
  fs.mkdirSync(control);
  try {
    const profiles = await makeProfiles(dir);
    fs.writeFileSync(
      path.join(control, 'plan.json'),
      JSON.stringify({ files: profiles.map((p) => p.file) }),
    );
    const host = path.join(dir, 'host');
    await esbuild.build({
      entryPoints: { index: path.join(__dirname, 'editorHost.ts') },
      outdir: host,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      external: ['vscode'],
      logLevel: 'warning',
    });
    // The extension host inherits the server's environment: that is how it finds the control folder.
    process.env.HOTPATH_BENCH_DIR = control;
    if (hostProfiles) {
      fs.mkdirSync(hostProfiles, { recursive: true });
      process.env.HOTPATH_BENCH_HOST_PROFILES = hostProfiles;
    }
    const server = await startCodeServer();
    const browser = await launchChromium();
    const rows: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const finished = new Promise<number>((resolve) => {
        void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
      });
      await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
        if (type === 'error') process.stderr.write(`workbench: ${JSON.stringify(args)}\n`);
      });
      await page.goto(
        server.workbenchUrl(dir, [
          ['extensionDevelopmentPath', server.remote(root)],
          ['extensionTestsPath', server.remote(path.join(host, 'index.js'))],
        ]),
      );
      await waitFor(path.join(control, 'host.json'), 120_000);
      const { pid } = JSON.parse(fs.readFileSync(path.join(control, 'host.json'), 'utf8')) as {
        pid: number;
      };
      await sleep(3000); // the workbench settles
      fs.writeFileSync(path.join(control, 'go'), '');
      for (let i = 0; i < profiles.length; i++) {
        const { name, file } = profiles[i];
        const bytes = fs.statSync(file).size;
        const hostPeak = sampler(() => rssOf(pid));
        const rendererBefore = largestRenderer();
        const rendererPeak = sampler(largestRenderer);
        await waitFor(path.join(control, `drawn-${i}.json`), 600_000);
        const [hostMax, rendererMax] = [hostPeak.stop(), rendererPeak.stop()];
        const drawn = JSON.parse(fs.readFileSync(path.join(control, `drawn-${i}.json`), 'utf8'));
        const frame = await flameFrame(page.frames());
        const timings = frame ? await interactions(frame) : undefined;
        fs.writeFileSync(path.join(control, `measured-${i}`), '');
        await waitFor(path.join(control, `closed-${i}.json`), 60_000);
        const closed = JSON.parse(fs.readFileSync(path.join(control, `closed-${i}.json`), 'utf8'));
        const rendererAfter = largestRenderer();
        fs.writeFileSync(path.join(control, `next-${i}`), '');
        const ms = (values: number[] | undefined) =>
          values ? `${median(values).toFixed(1)} / ${Math.max(...values).toFixed(1)}` : '–';
        rows.push(
          `| ${name} | ${mb(bytes).toFixed(1)} MB | ${drawn.frames.toLocaleString('en-US')} | ` +
            `${(drawn.openMs / 1000).toFixed(2)} s (page ready ${(drawn.readyMs / 1000).toFixed(2)} s, report read ${(drawn.reportMs / 1000).toFixed(2)} s, sent → drawn ${(drawn.drawMs / 1000).toFixed(2)} s) | ${mb(hostMax).toFixed(0)} MB (${(hostMax / bytes).toFixed(1)}x file; ${mb(drawn.rssBeforeBytes).toFixed(0)} before) | ` +
            `${drawn.longestBlockMs.toFixed(0)} ms | ${mb(rendererMax).toFixed(0)} MB (${mb(rendererBefore).toFixed(0)} before) | ` +
            `${ms(timings?.hover)} | ${ms(timings?.zoom)} | ${ms(timings?.search)} | ` +
            `${mb(closed.rssAfterCloseBytes).toFixed(0)} MB / ${mb(rendererAfter).toFixed(0)} MB |`,
        );
        process.stderr.write(`${rows[rows.length - 1]}\n`);
      }
      await Promise.race([finished, sleep(30_000)]);
    } finally {
      await browser.close();
      server.stop();
    }
    process.stdout.write(
      [
        `Hotpath's profile editor in code-server ${'4.100.3'} (headless Chromium), ${os.cpus().length} cores, Node ${process.versions.node}`,
        '',
        '| profile | size | frames in the tree | open → drawn | extension host peak RSS | host longest block | largest renderer peak RSS | hover ms (median / max) | zoom ms | search ms | after close: host / renderer |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
