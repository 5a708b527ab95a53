/**
 * The page of the VS Code report panel (the same page and script as in the webview), in
 * Chromium: a report made of hostile names and paths is drawn as text, runs nothing (dialogs and
 * page errors are listened for), keeps its layout, and the page's CSP blocks inline scripts and
 * inline event handlers.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { analyze } from '../../src/profile/analyze';
import { compareRuns } from '../../src/profile/compare';
import { parseProfile } from '../../src/profile/cpuprofile';
import { diagnose } from '../../src/profile/diagnosis';
import type { ReportData } from '../../src/protocol/flame';
import { comparisonReportData, reportData } from '../../src/report/reportData';
import { resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { comparedRun, loadRun } from '../../src/runs/runFolder';
import { reportPageHtml } from '../../src/views/reportPage';
import { launchChromium, testOutput } from '../browser';
import { tempFolder } from '../helpers';

const root = path.resolve(__dirname, '..', '..');
const ORIGIN = 'http://hotpath.test';
const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '"><script>alert(2)</script>',
  '<style>body{display:none}</style>',
  'a\u202Eevil\u202Cb\u0000\u0007',
  `x${'W'.repeat(3000)}`,
];

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
});

function hostileReport() {
  const nodes = [
    {
      id: 1,
      callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 },
      children: HOSTILE.map((_, i) => i + 2),
    },
    ...HOSTILE.map((name, i) => ({
      id: i + 2,
      callFrame: {
        functionName: name,
        url: `file:///srv/${encodeURIComponent('"><svg onload=alert(3)>')}/${i}.js`,
        lineNumber: i,
        columnNumber: 0,
      },
      children: [],
      positionTicks: [{ line: i + 1, ticks: 1 }],
    })),
  ];
  const analysis = analyze(
    parseProfile({
      nodes,
      startTime: 0,
      endTime: 6000,
      samples: HOSTILE.map((_, i) => i + 2),
      timeDeltas: HOSTILE.map(() => 1000),
    }),
  );
  return reportData(
    {
      folder: root,
      profileFile: path.join(root, '<b>profile</b>.cpuprofile'),
      analysis,
      diagnosis: diagnose(analysis),
    },
    root,
  );
}

/**
 * The panel's page as the webview serves it, with `extra` HTML before </body>; ready.
 * `withoutCsp` drops the page's Content-Security-Policy, for the control that shows a probe
 * would see a script that runs.
 */
async function openPanel(page: Page, extra = '', withoutCsp = false): Promise<void> {
  // The webview's API, as VS Code gives it to the page.
  // (A string: functions compiled by tsx carry helpers the page does not have.)
  await page.addInitScript(`
    window.hotpathSent = [];
    window.acquireVsCodeApi = () => ({
      postMessage: (message) => window.hotpathSent.push(message),
      getState: () => undefined,
      setState: () => undefined,
    });
  `);
  const served = reportPageHtml({ nonce: 'n0nce', scriptUri: `${ORIGIN}/panel.js` });
  const csp = /<meta http-equiv="Content-Security-Policy"[^>]*>/;
  assert.match(served, csp);
  const html = (withoutCsp ? served.replace(csp, '') : served).replace(
    '</body>',
    // What an attacker would try if a string ever reached the page as HTML.
    `${extra}</body>`,
  );
  await page.route(`${ORIGIN}/**`, (route) =>
    route.request().url().endsWith('/panel.js')
      ? route.fulfill({
          contentType: 'text/javascript',
          body: fs.readFileSync(path.join(root, 'dist', 'media', 'panel.js'), 'utf8'),
        })
      : route.fulfill({ contentType: 'text/html', body: html }),
  );
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() =>
    (window as unknown as { hotpathSent: { type: string }[] }).hotpathSent.some(
      (m) => m.type === 'ready',
    ),
  );
}

/** Shows a report in the panel and waits until it says it drew it. */
async function show(page: Page, report: ReportData): Promise<void> {
  await page.evaluate((r) => window.postMessage({ type: 'show', report: r }, '*'), report);
  await page.waitForFunction(() =>
    (window as unknown as { hotpathSent: { type: string }[] }).hotpathSent.some(
      (m) => m.type === 'shown',
    ),
  );
}

/** An inline script and an inline handler on a probe with a size, so that a click reaches it. */
const PROBES =
  '<script>window.inlineRan = true</script><div id="probe" onclick="window.handlerRan = true">probe</div>';

/** Clicks the probe (a failed click fails) and says whether the inline script and handler ran. */
async function probe(page: Page): Promise<{ inlineRan: boolean; handlerRan: boolean }> {
  await page.click('#probe', { timeout: 10_000 });
  // The click's handler, if it ran, ran before the click resolved; one frame more for certainty.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
  return page.evaluate(() => ({
    inlineRan: (window as { inlineRan?: boolean }).inlineRan ?? false,
    handlerRan: (window as { handlerRan?: boolean }).handlerRan ?? false,
  }));
}

test('the probe sees an inline script and handler that do run (the same page without its CSP)', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  await openPanel(page, PROBES, true);
  await show(page, hostileReport());
  assert.deepEqual(await probe(page), { inlineRan: true, handlerRan: true });
  await page.close();
});

test('the report panel draws hostile names as text, runs nothing, keeps its layout', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await openPanel(page, PROBES);
  await show(page, hostileReport());
  const ran = await probe(page);

  const state = await page.evaluate(() => ({
    elements: document.querySelectorAll(
      '#report img, #report svg, #report iframe, #report style, #report script',
    ).length,
    functions: document.getElementById('functions')?.textContent ?? '',
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    bodyShown: getComputedStyle(document.body).display !== 'none',
  }));
  await page.screenshot({ path: testOutput('panel-hostile.png'), fullPage: true });
  assert.equal(ran.inlineRan, false, 'the CSP blocked the inline script');
  assert.equal(ran.handlerRan, false, 'the CSP blocked the inline handler');
  assert.equal(state.elements, 0, 'no element was made from a name');
  for (const name of HOSTILE.slice(0, 3)) assert.ok(state.functions.includes(name), name);
  assert.ok(state.bodyShown, 'no style from a name applies');
  assert.ok(state.overflow <= 1, `a 3,000-character name wraps (overflow ${state.overflow} px)`);
  assert.deepEqual(
    problems.filter((p) => !p.includes('Content Security Policy')),
    [],
  );
  await page.close();
});

test('while a profile is read the page says so, its file name as text, then draws the report', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  await openPanel(page);
  const name = '<img src=x onerror="window.handlerRan = true">.cpuprofile';
  await page.evaluate((what) => window.postMessage({ type: 'reading', what }, '*'), name);
  await page.waitForFunction(() => document.getElementById('report')?.textContent !== '');
  const reading = await page.evaluate(() => ({
    text: document.getElementById('report')?.textContent ?? '',
    images: document.querySelectorAll('#report img').length,
  }));
  assert.equal(reading.text, `Reading ${name}…`);
  assert.equal(reading.images, 0, 'the name made no element');
  await show(page, hostileReport());
  const drawn = await page.evaluate(() => ({
    reading: (document.getElementById('report')?.textContent ?? '').startsWith('Reading'),
    canvas: document.querySelectorAll('#report canvas').length,
    handlerRan: (window as { handlerRan?: boolean }).handlerRan ?? false,
  }));
  assert.equal(drawn.reading, false, 'the report replaced the words');
  assert.ok(drawn.canvas > 0, 'the flamegraph is drawn');
  assert.equal(drawn.handlerRan, false);
  await page.close();
});

/** How many pixels of a chart's canvas are drawn (not transparent). */
async function inkOf(page: Page, label: string): Promise<number> {
  return page.evaluate((start) => {
    const chart = Array.from(document.querySelectorAll('[role=img]')).find((e) =>
      (e.getAttribute('aria-label') ?? '').startsWith(start),
    );
    const canvas = chart?.querySelector('canvas');
    if (!canvas) return 0;
    const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
      0,
      0,
      canvas.width,
      canvas.height,
    ).data;
    let ink = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
    return ink;
  }, label);
}

test('the panel charts a ramp with its steps, and a comparison on the same axes', async () => {
  const out = tempFolder('panel-charts');
  try {
    const run = async (request: Parameters<typeof resolveRunOptions>[0]) => {
      const { folder, record } = await runProfile(
        resolveRunOptions({ warmupSec: 0.5, outDir: out, ...request }),
      );
      assert.equal(record.status, 'done', record.error?.message);
      return loadRun(folder);
    };
    const ramp = await run({
      path: '/fast',
      shape: { kind: 'ramp', from: 1, to: 8, factor: 2, stepSec: 1 },
    });
    const read = await run({ path: '/read', connections: 20, durationSec: 2 });
    const fast = await run({ path: '/fast', connections: 20, durationSec: 2 });

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await openPanel(page);
    await show(page, reportData(ramp, root));
    const labels = await page.$$eval('[role=img]', (els) =>
      els.map((e) => e.getAttribute('aria-label') ?? ''),
    );
    const load = labels.find((l) => l.startsWith('Load over'));
    assert.ok(load, labels.join('\n'));
    assert.match(load, /connections 1, 2, 4, 8/, 'the steps are said, and drawn');
    assert.ok((await inkOf(page, 'Load over')) > 2000, 'the load chart is drawn');
    assert.ok((await inkOf(page, 'Latency of')) > 500, 'the histogram is drawn');
    assert.match(
      (await page.textContent('body')) ?? '',
      /knee/,
      "the ramp's knee is in the summary",
    );
    await page.screenshot({ path: testOutput('panel-ramp.png'), fullPage: true });

    const comparison = compareRuns(comparedRun(read), comparedRun(fast));
    await page.evaluate(() => {
      (window as unknown as { hotpathSent: unknown[] }).hotpathSent = [];
    });
    await show(
      page,
      comparisonReportData(comparison, ['GET /read', 'GET /fast'], root, [
        read.record,
        fast.record,
      ]),
    );
    const text = (await page.textContent('body')) ?? '';
    assert.match(text, /req\/s: faster, 95 % CI/);
    assert.ok((await inkOf(page, 'Before, GET /read')) > 2000, 'both loads on one chart');
    assert.ok(
      (await inkOf(page, 'Latency, share of responses')) > 500,
      'both histograms on one chart',
    );
    await page.screenshot({ path: testOutput('panel-compare.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
