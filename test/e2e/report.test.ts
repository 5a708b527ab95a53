/**
 * The HTML report in a real headless Chromium: frames are drawn (pixels, not just a canvas),
 * hover shows a tooltip, search highlights matches, and hostile names stay text.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { launchChromium, testOutput } from '../browser';
import { cpuProfile, repeated, tempFolder } from '../helpers';

const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
type FlameWindow = { hotpathFlame?: { drawnFrames: number } };
const HOSTILE = '<img src=x onerror=alert(1)>';
const HOSTILE_FILE = '/srv/"><svg onload=alert(3)>/evil.js';

let out: string;
let browser: Browser;
before(async () => {
  out = tempFolder('e2e-report');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  fs.rmSync(out, { recursive: true, force: true });
});

function writeReport(target: string, html: string): void {
  const result = spawnSync(process.execPath, [cli, 'report', target, '--html', html], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
}

/** Opens a report, failing the test on any dialog, page error or network request. */
async function open(html: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) problems.push(`request: ${request.url()}`);
  });
  await page.goto(`file://${html}`);
  await page.waitForFunction(
    () => ((window as unknown as FlameWindow).hotpathFlame?.drawnFrames ?? 0) > 0,
  );
  return { page, problems };
}

/** Pixels of the canvas that are not transparent, and how many have a given colour. */
function canvasPixels(page: Page, colour?: [number, number, number]) {
  return page.evaluate((rgb) => {
    // The time's flamegraph: the page's first (the allocations' comes after it).
    const canvas = document.querySelector('.hotpath-flame-canvas') as HTMLCanvasElement;
    const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
      0,
      0,
      canvas.width,
      canvas.height,
    ).data;
    let painted = 0;
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0) painted++;
      if (
        rgb &&
        data[i + 3] === 255 &&
        Math.abs(data[i] - rgb[0]) < 3 &&
        Math.abs(data[i + 1] - rgb[1]) < 3 &&
        Math.abs(data[i + 2] - rgb[2]) < 3
      )
        coloured++;
    }
    return { painted, coloured, total: data.length / 4 };
  }, colour);
}

describe('HTML report in Chromium', () => {
  test('a real run: frames drawn, tooltip on hover, search highlights the handler', async () => {
    const { folder, record } = await runProfile(
      resolveRunOptions({
        path: '/cpu',
        connections: 4,
        durationSec: 1.5,
        warmupSec: 0.5,
        outDir: out,
        allocations: true,
      }),
    );
    assert.equal(record.status, 'done', record.error?.message);
    const html = path.join(out, 'cpu.html');
    writeReport(folder, html);
    const { page, problems } = await open(html);

    const drawn = await canvasPixels(page);
    assert.ok(
      drawn.painted > drawn.total * 0.05,
      `${drawn.painted} of ${drawn.total} pixels painted`,
    );
    const frames = await page.evaluate(
      () => (window as unknown as FlameWindow).hotpathFlame?.drawnFrames ?? 0,
    );
    assert.ok(frames >= 5, `${frames} frames drawn`);
    // Where memory is allocated has a flamegraph of its own, with a bytes scale, below this one.
    assert.equal(await page.locator('#allocation-flamegraph .hotpath-flame-canvas').count(), 1);

    // Hover the root row (icicle layout: the first row at the top).
    await page.locator('#flamegraph .hotpath-flame-canvas').scrollIntoViewIfNeeded();
    const box = await page.locator('#flamegraph .hotpath-flame-canvas').boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + box.width / 2, box.y + 9);
    const tooltip = page.locator('#flamegraph .hotpath-flame-tooltip');
    await tooltip.waitFor({ state: 'visible' });
    assert.match((await tooltip.textContent()) ?? '', /\(root\).*total/);

    await page.fill('#flamegraph .hotpath-flame-search', 'cpu');
    const matches = (await page.textContent('#flamegraph .hotpath-flame-matches')) ?? '';
    const share = Number(/([\d.]+) % of the time matches/.exec(matches)?.[1]);
    assert.ok(share > 30, `the cpu handler matches ${matches}`);
    await page.waitForTimeout(50);
    const highlighted = await canvasPixels(page, [0xe0, 0x40, 0xfb]);
    assert.ok(highlighted.coloured > 100, `${highlighted.coloured} highlighted pixels`);

    // The diagnosis is drawn with its evidence (the verdict itself is the analysis tests' to
    // check: on a busy machine a 1.5 s /cpu run can read "mixed" instead of "CPU-bound").
    assert.match(
      (await page.textContent('#diagnosis')) ?? '',
      /Most of your code's time is in cpu \(handlers\.ts:\d+\)/,
    );

    // The load over time: uPlot's canvas with its lines drawn, and a summary for screen readers.
    const chart = await page.evaluate(() => {
      const container = document.querySelector('.uplot')?.parentElement;
      const canvas = document.querySelector('.uplot canvas') as HTMLCanvasElement | null;
      const data = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; data && i < data.length; i += 4) if (data[i] > 0) painted++;
      return {
        label: container?.getAttribute('aria-label') ?? '',
        painted,
        legend: document.querySelector('.u-legend')?.textContent ?? '',
        styled: document.querySelector('.uplot')
          ? getComputedStyle(document.querySelector('.uplot') as Element).fontFamily
          : '',
      };
    });
    assert.match(
      chart.label,
      /^Load over \d+ s: [\d–]+ req\/s; p50 .* ms; p99 .* ms; no error answers\.$/,
    );
    assert.ok(chart.painted > 500, `${chart.painted} chart pixels drawn`);
    assert.match(chart.legend, /req\/s.*p50 ms.*p99 ms.*errors\/s/s);
    // The latency histogram: bars drawn, and every response counted in its summary.
    const histogram = await page.evaluate(() => {
      const container = document.getElementById('latency-histogram');
      const canvas = container?.querySelector('canvas') as HTMLCanvasElement | null;
      const data = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; data && i < data.length; i += 4) if (data[i] > 0) painted++;
      return { label: container?.getAttribute('aria-label') ?? '', painted };
    });
    // (Responses of the last fraction of a second may miss the histogram: the load's threads
    // report in batches; the summary's figures are autocannon's own.)
    const total = Number(/^Latency of (\d+) responses: ≤ /.exec(histogram.label)?.[1]);
    assert.ok(total > 0 && total <= (record.load?.requests ?? 0), histogram.label);
    const counted = [...histogram.label.matchAll(/: (\d+)(?=,|\.$)/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    assert.equal(counted, total, `every bin is in the summary: ${histogram.label}`);
    assert.ok(histogram.painted > 200, `${histogram.painted} histogram pixels drawn`);

    // Keyboard: into the tree, zoom with Enter, back out with Escape.
    await page.focus('#flamegraph .hotpath-flame-canvas');
    await page.keyboard.press('ArrowDown');
    const announced = (await page.textContent('#flamegraph .hotpath-flame-status')) ?? '';
    assert.match(announced, /self .*total/, 'the selection is announced');
    assert.ok(!announced.startsWith('(root)'), `moved off the root: ${announced}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => document.querySelectorAll('#flamegraph .hotpath-flame-crumb').length === 2,
    );
    assert.equal(await page.isEnabled('#flamegraph .hotpath-flame-reset'), true);
    await page.keyboard.press('Escape');
    await page.waitForFunction(
      () => document.querySelectorAll('#flamegraph .hotpath-flame-crumb').length === 1,
    );
    await page.fill('#flamegraph .hotpath-flame-search', '');
    await page.screenshot({ path: testOutput('report-cpu.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("a comparison's flamegraph hides idle on request: the work fills the width", async () => {
    // Two lone profiles: idle 80 % then 60 %, the work the rest.
    const profile = (idleUs: number, workUs: number) =>
      cpuProfile([
        { stack: ['(idle)'], us: idleUs },
        { stack: [{ name: 'work', url: 'file:///srv/app.js', line: 4 }], us: workUs },
      ]);
    const [a, b] = [path.join(out, 'a.cpuprofile'), path.join(out, 'b.cpuprofile')];
    fs.writeFileSync(a, JSON.stringify(profile(80_000, 20_000)));
    fs.writeFileSync(b, JSON.stringify(profile(60_000, 40_000)));
    const html = path.join(out, 'diff.html');
    const made = spawnSync(process.execPath, [cli, 'compare', a, b, '--html', html], {
      encoding: 'utf8',
    });
    assert.equal(made.status, 0, made.stderr);
    const { page, problems } = await open(html);
    const button = page.locator('.hotpath-flame-idle');
    assert.equal(await button.isVisible(), true, 'the button is there in a comparison');
    const canvas = page.locator('.hotpath-flame-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    assert.ok(box);
    /** The tooltip's function at a share of the width, on the row below the root (icicle). */
    const at = async (share: number) => {
      await page.mouse.move(box.x + box.width * share, box.y + 18 + 9);
      const tooltip = page.locator('.hotpath-flame-tooltip');
      await tooltip.waitFor({ state: 'visible' });
      return /idle/.test((await tooltip.textContent()) ?? '') ? 'idle' : 'work';
    };
    const drawn = () =>
      page.evaluate(() => (window as unknown as FlameWindow).hotpathFlame?.drawnFrames ?? 0);
    assert.equal(await drawn(), 3);
    assert.deepEqual([await at(0.3), await at(0.8)].sort(), ['idle', 'work']);
    await button.click();
    assert.equal(await button.getAttribute('aria-pressed'), 'true');
    await page.waitForFunction(
      () => (window as unknown as FlameWindow).hotpathFlame?.drawnFrames === 2,
    );
    assert.deepEqual([await at(0.3), await at(0.8)], ['work', 'work'], 'the work fills the width');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('hostile function names and files render as text and run nothing', async () => {
    const hostile = { name: HOSTILE, url: HOSTILE_FILE };
    const evil = {
      name: '</script><script>alert(2)</script>\u202Eevil',
      url: 'file:///srv/app.js',
      line: 4,
    };
    const profile = cpuProfile([
      { stack: [hostile], us: 1000 },
      ...repeated(2, [hostile, evil], 1000),
    ]);
    const file = path.join(out, 'hostile.cpuprofile');
    fs.writeFileSync(file, JSON.stringify(profile));
    const html = path.join(out, 'hostile.html');
    writeReport(file, html);
    assert.ok(
      !fs.readFileSync(html, 'utf8').includes(HOSTILE),
      'the raw name is not in the HTML as markup',
    );
    const { page, problems } = await open(html);

    const box = await page.locator('.hotpath-flame-canvas').boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + box.width / 3, box.y + 18 + 9);
    const tooltip = page.locator('.hotpath-flame-tooltip');
    await tooltip.waitFor({ state: 'visible' });
    const shown = (await tooltip.textContent()) ?? '';
    assert.ok(shown.includes(HOSTILE), `the tooltip shows the name as text: ${shown}`);
    assert.ok(shown.includes(HOSTILE_FILE));
    assert.equal(
      await page.locator('img, svg, iframe').count(),
      0,
      'no element was made from a name',
    );
    assert.equal(await page.locator('script').count(), 2, 'only the data and the page script');
    assert.match((await page.textContent('#functions')) ?? '', /<img src=x onerror=alert\(1\)>/);

    // An inline script injected at run time is blocked by the CSP.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    });
    assert.equal(
      await page.evaluate(() => (window as { injected?: boolean }).injected ?? false),
      false,
    );
    await page.waitForTimeout(100);
    assert.deepEqual(
      problems.filter((p) => !p.includes('Content Security Policy')),
      [],
    );
    await page.close();
  });
});
