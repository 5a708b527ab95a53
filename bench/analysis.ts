/**
 * Analysis of a large profile, measured side by side in one run:
 *
 *   npm run bench:analysis        (about 2 minutes; makes a ~72 MB profile in the temp folder)
 *
 * 1. time and peak memory of `JSON.parse` alone (of the file read as a string); of Hotpath's
 *    whole analysis as `hotpath report` does it (read the bytes, check, model, lines, source maps,
 *    diagnosis); of the same plus the flamegraph's data (the merged call tree, serialised, as the
 *    panel and the HTML report need it); and of flamebearer 2's importer (`parseInput` +
 *    `buildHotLines`); each in a fresh process, alternating, median of 3;
 * 2. first paint of a flamegraph of about 100k frames in headless Chromium (the HTML report).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { analyze } from '../src/profile/analyze';
import { readProfile } from '../src/profile/readProfile';
import { renderHtmlReport } from '../src/report/html';
import { reportData } from '../src/report/reportData';
import { bundle } from '../src/vocabulary/paths';
import { launchChromium } from '../test/browser';
import { writeBigProfile } from './bigProfile';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-analysis-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The worker, bundled as Hotpath ships (esbuild, the CLI's options): what users run, not the
 * TypeScript loader's output, which is slower in the hot loops.
 */
const worker = path.join(dir, 'analysisWorker.js');
buildSync({
  entryPoints: [path.join(__dirname, 'analysisWorker.ts')],
  outfile: worker,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  logLevel: 'warning',
});

function measure(
  method: string,
  file: string,
): { ms: number; peakRssMb: number; baseRssMb: number } {
  const result = spawnSync(process.execPath, [worker, method, file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${method}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

async function firstPaint(): Promise<{
  frames: number;
  parseMs: number;
  mountMs: number;
  htmlMb: number;
}> {
  const file = path.join(dir, 'paint.cpuprofile');
  writeBigProfile(file, {
    nodes: 100_000,
    samples: 400_000,
    functions: 20_000,
    scripts: 1_000,
    seed: 7,
  });
  const analysis = analyze(readProfile(fs.readFileSync(file)));
  const data = reportData({
    folder: dir,
    profileFile: file,
    analysis,
    diagnosis: { verdict: 'mixed', summary: '', evidence: [] },
  });
  const html = path.join(dir, 'paint.html');
  fs.writeFileSync(
    html,
    renderHtmlReport(data, fs.readFileSync(bundle('media/report.js'), 'utf8')),
  );
  const browser = await launchChromium();
  try {
    const runs: { parseMs: number; mountMs: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`file://${html}`);
      await page.waitForFunction(
        () => (window as unknown as { hotpathTimings?: unknown }).hotpathTimings !== undefined,
      );
      runs.push(
        await page.evaluate(
          () =>
            (window as unknown as { hotpathTimings: { parseMs: number; mountMs: number } })
              .hotpathTimings,
        ),
      );
      await page.close();
    }
    return {
      frames: data.flame.frames.fn.length,
      parseMs: median(runs.map((r) => r.parseMs)),
      mountMs: median(runs.map((r) => r.mountMs)),
      htmlMb: fs.statSync(html).size / 1048576,
    };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const file = path.join(dir, 'big.cpuprofile');
  const bytes = writeBigProfile(file, {
    nodes: 200_000,
    samples: 3_000_000,
    functions: 30_000,
    scripts: 2_000,
  });
  const fileMb = bytes / 1048576;
  console.log(
    `profile: ${fileMb.toFixed(1)} MB, 200,000 nodes, 3,000,000 samples · node ${process.version}`,
  );
  const methods = ['json', 'hotpath', 'hotpath-flame', 'flamebearer'];
  const seen: Record<string, { ms: number; peakRssMb: number; baseRssMb: number }[]> =
    Object.fromEntries(methods.map((m) => [m, []]));
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < methods.length; i++) {
      const method = methods[(i + round) % methods.length];
      seen[method].push(measure(method, file));
    }
  }
  const time = (m: string) => median(seen[m].map((r) => r.ms));
  const peak = (m: string) => median(seen[m].map((r) => r.peakRssMb - r.baseRssMb));
  console.log('');
  console.log(
    'method                          time       ÷ JSON.parse   peak memory above start   ÷ file size',
  );
  for (const m of methods) {
    const name =
      {
        json: 'JSON.parse',
        hotpath: 'Hotpath analysis',
        'hotpath-flame': 'Hotpath + flamegraph',
        flamebearer: 'flamebearer import',
      }[m] ?? m;
    console.log(
      `${name.padEnd(31)} ${`${time(m).toFixed(0)} ms`.padStart(8)}   ${(time(m) / time('json')).toFixed(2).padStart(8)}x   ${`${peak(m).toFixed(0)} MB`.padStart(18)}   ${(peak(m) / fileMb).toFixed(2).padStart(10)}x`,
    );
  }
  const paint = await firstPaint();
  console.log('');
  console.log(
    `first paint in Chromium: ${paint.frames.toLocaleString('en-US')} frames, report ${paint.htmlMb.toFixed(1)} MB: ` +
      `data parse ${paint.parseMs.toFixed(0)} ms + mount and paint ${paint.mountMs.toFixed(0)} ms (median of 3)`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = 1;
});
