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
import { brokenWords, launchChromium, testOutput } from '../browser';
import { cpuProfile, repeated, tempFolder } from '../helpers';

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
  const analysis = analyze(
    parseProfile(
      cpuProfile(
        HOSTILE.map((name, i) => ({
          stack: [
            {
              name,
              url: `file:///srv/${encodeURIComponent('"><svg onload=alert(3)>')}/${i}.js`,
              line: i,
            },
          ],
          us: 1000,
          line: i + 1,
        })),
        { leadUs: 1000 },
      ),
    ),
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

/**
 * A report whose flamegraph has a frame of every kind (your code, a package, Node, V8, GC, idle,
 * program), wide enough to carry its name; with a load chart, a latency histogram and a lock
 * table, as a run's report has.
 */
function themedReport(): ReportData {
  const frames: [string, string, number][] = [
    ['handleOrder', 'file:///srv/app/orders.js', 30],
    ['serialize', 'file:///srv/app/node_modules/fast-json/index.js', 20],
    ['processTicksAndRejections', 'node:internal/process/task_queues', 15],
    ['JSON.parse', '', 10],
    ['(garbage collector)', '', 10],
    ['(idle)', '', 10],
    ['(program)', '', 5],
  ];
  // A sample a tick of 1 ms, the last one ending the profile.
  const samples = frames.flatMap(([name, url, ticks], i) =>
    repeated(ticks, [{ name, url, line: i, column: 0 }], 1000),
  );
  samples[samples.length - 1].us = 0;
  const analysis = analyze(parseProfile(cpuProfile(samples, { leadUs: 1000 })));
  const report = reportData(
    {
      folder: root,
      profileFile: path.join(root, 'orders.cpuprofile'),
      analysis,
      diagnosis: diagnose(analysis),
    },
    root,
  );
  const seconds = Array.from({ length: 20 }, (_, i) => i + 1);
  return {
    ...report,
    timeline: {
      t: seconds,
      rps: seconds.map((s) => 900 + 40 * Math.sin(s)),
      p50Ms: seconds.map((s) => 12 + Math.cos(s)),
      p99Ms: seconds.map((s) => 40 + 5 * Math.sin(s / 2)),
      errors: seconds.map(() => 0),
    },
    histogram: {
      edgesMs: [1, 2, 5, 10, 20, 50, 100],
      counts: [0, 10, 300, 9000, 5000, 400, 20, 0],
    },
    waits: {
      library: 'async-mutex 0.5.0',
      rows: [
        {
          lock: 'Mutex in read',
          where: 'src/handlers.ts:39',
          ofLatency: '98.7 %',
          waitP50: '1,518 ms',
          waitP99: '2,400 ms',
          holdP50: '50.2 ms',
          perSec: '33.2',
          note: 'held across an await',
        },
      ],
      note: 'acquired/s: times the lock was granted per second of the profiled window',
      flame: report.flame,
    },
  };
}

/** The colours and body class VS Code gives a webview in each kind of theme (its defaults). */
const THEMES = {
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-purple': '#652d90',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-input-background': '#ffffff',
      '--vscode-input-foreground': '#3b3b3b',
      '--vscode-input-border': '#cecece',
      '--vscode-widget-border': '#e5e5e5',
      '--vscode-badge-background': '#cccccc',
      '--vscode-badge-foreground': '#3b3b3b',
      '--vscode-textLink-foreground': '#005fb8',
    },
  },
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-input-background': '#313131',
      '--vscode-input-foreground': '#cccccc',
      '--vscode-input-border': '#3c3c3c',
      '--vscode-widget-border': '#313131',
      '--vscode-badge-background': '#616161',
      '--vscode-badge-foreground': '#f8f8f8',
      '--vscode-textLink-foreground': '#4daafc',
    },
  },
  highContrast: {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-editor-background': '#000000',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-foreground': '#ffffff',
      '--vscode-descriptionForeground': '#ffffff',
      '--vscode-focusBorder': '#f38518',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-yellow': '#ffd370',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-button-secondaryBackground': '#000000',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-input-background': '#000000',
      '--vscode-input-foreground': '#ffffff',
      '--vscode-input-border': '#6fc3df',
      '--vscode-widget-border': '#6fc3df',
      '--vscode-badge-background': '#000000',
      '--vscode-badge-foreground': '#ffffff',
      '--vscode-textLink-foreground': '#21a6ff',
    },
  },
  highContrastLight: {
    bodyClass: 'vscode-high-contrast vscode-high-contrast-light',
    vars: {
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#292929',
      '--vscode-foreground': '#292929',
      '--vscode-descriptionForeground': '#292929',
      '--vscode-focusBorder': '#006bbd',
      '--vscode-contrastBorder': '#0f4a85',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-yellow': '#895503',
      '--vscode-charts-green': '#374e06',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-purple': '#652d90',
      '--vscode-button-secondaryBackground': '#ffffff',
      '--vscode-button-secondaryForeground': '#292929',
      '--vscode-input-background': '#ffffff',
      '--vscode-input-foreground': '#292929',
      '--vscode-input-border': '#0f4a85',
      '--vscode-widget-border': '#0f4a85',
      '--vscode-badge-background': '#0f4a85',
      '--vscode-badge-foreground': '#ffffff',
      '--vscode-textLink-foreground': '#0f4a85',
    },
  },
} as const;

/** Switches the page's theme the way VS Code does: the body's class and the html element's variables. */
async function setTheme(page: Page, theme: keyof typeof THEMES): Promise<void> {
  const { bodyClass, vars } = THEMES[theme];
  await page.evaluate(
    ({ bodyClass, vars }) => {
      const html = document.documentElement;
      html.removeAttribute('style');
      for (const [name, value] of Object.entries(vars)) html.style.setProperty(name, value);
      // What shows behind a webview's transparent page: the editor's background.
      html.style.background = vars['--vscode-editor-background'];
      document.body.className = bodyClass;
    },
    { bodyClass, vars: vars as Record<string, string> },
  );
  // The page repaints on the next frames.
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
}

/**
 * Each labelled frame of the flamegraph as its pixels show it: the frame's fill and, of the pixels
 * inside it, the one farthest from the fill (the core of the text), with their WCAG contrast.
 */
async function frameTextContrast(
  page: Page,
): Promise<{ fill: number[]; text: number[]; contrast: number }[]> {
  // A string: functions compiled by tsx carry helpers (__name) the page does not have.
  return page.evaluate(`(() => {
    const canvas = document.querySelector('#flamegraph canvas');
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    const at = (x, y) => {
      const i = (y * width + x) * 4;
      return [data[i], data[i + 1], data[i + 2], data[i + 3]];
    };
    const channel = (v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const contrast = (a, b) => {
      const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    };
    const FRAME = 18;
    const found = [];
    for (let d = 0; (d + 1) * FRAME * ratio <= height; d++) {
      // Above the text, inside the frame: runs of one opaque colour are the frames of the row.
      const probeY = Math.round((d * FRAME + 2) * ratio);
      let x = 0;
      while (x < width) {
        const colour = at(x, probeY);
        let end = x + 1;
        while (end < width && at(end, probeY).join() === colour.join()) end++;
        if (colour[3] === 255 && end - x >= 40 * ratio) {
          let best = colour;
          let bestContrast = 1;
          for (let y = Math.round((d * FRAME + 3) * ratio); y < (d * FRAME + 15) * ratio; y++)
            for (let px = x + Math.round(3 * ratio); px < end - 3 * ratio; px++) {
              const pixel = at(px, y);
              const c = contrast(pixel, colour);
              if (c > bestContrast) {
                best = pixel;
                bestContrast = c;
              }
            }
          // A frame with text in it (not a bare fill).
          if (bestContrast > 1.2)
            found.push({ fill: colour.slice(0, 3), text: best.slice(0, 3), contrast: bestContrast });
        }
        x = end;
      }
    }
    return found;
  })()`);
}

test('frame text reads on its frame in light, dark and high-contrast themes, and follows a switch', async () => {
  const page = await browser.newPage({
    viewport: { width: 600, height: 900 },
    deviceScaleFactor: 2,
  });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await openPanel(page);
  await setTheme(page, 'light');
  await show(page, themedReport());
  for (const theme of ['light', 'highContrast', 'dark', 'highContrastLight'] as const) {
    // One report, the theme switched under it: the page must repaint in the new colours.
    await setTheme(page, theme);
    const frames = await frameTextContrast(page);
    const fills = new Set(frames.map((f) => f.fill.join()));
    assert.ok(frames.length >= 6, `${theme}: labelled frames found (${frames.length})`);
    assert.ok(fills.size >= 5, `${theme}: frames of several colours (${fills.size})`);
    const poor = frames.filter((f) => f.contrast < 4.5);
    assert.deepEqual(
      poor.map((f) => `text rgb(${f.text}) on rgb(${f.fill}): ${f.contrast.toFixed(2)}`),
      [],
      `${theme}: every frame's text has a contrast of 4.5 or more`,
    );
    const name = {
      light: 'light',
      dark: 'dark',
      highContrast: 'high-contrast',
      highContrastLight: 'high-contrast-light',
    }[theme];
    await page.screenshot({ path: testOutput(`panel-${name}-600.png`), fullPage: true });
    await page
      .locator('#flamegraph')
      .screenshot({ path: testOutput(`panel-flamegraph-${name}.png`) });
  }
  // The category colours are the theme's: the light theme's green is not the dark theme's.
  await setTheme(page, 'light');
  const light = new Set((await frameTextContrast(page)).map((f) => f.fill.join()));
  await setTheme(page, 'dark');
  const dark = new Set((await frameTextContrast(page)).map((f) => f.fill.join()));
  assert.ok(light.has('56,138,52') && !dark.has('56,138,52'), 'charts.green of the light theme');
  assert.ok(dark.has('137,209,133'), 'charts.green of the dark theme');
  // The hint under the flamegraph, and a quiet notice that comes and goes: in view where the
  // user is when it comes (at the flamegraph, scrolled down, after a double-click on a frame).
  const hint = await page.textContent('#flamegraph .hotpath-flame-hint');
  assert.match(hint ?? '', /Double-click a frame \(or select it and press o\) to open its source/);
  await page.setViewportSize({ width: 600, height: 400 });
  await page.locator('#flamegraph canvas').first().scrollIntoViewIfNeeded();
  assert.ok(
    await page.evaluate(() => window.scrollY > 0),
    'the page is scrolled to the flamegraph',
  );
  await page.evaluate(() =>
    window.postMessage({ type: 'notice', message: 'Cannot open /srv/app/orders.js' }, '*'),
  );
  await page.waitForFunction(() => !(document.getElementById('notice') as HTMLElement).hidden);
  assert.equal(await page.textContent('#notice'), 'Cannot open /srv/app/orders.js');
  const box = await page.locator('#notice').boundingBox();
  assert.ok(
    box && box.y >= 0 && box.y + box.height <= 400,
    `the notice in view: ${JSON.stringify(box)}`,
  );
  // A click puts it away.
  await page.locator('#notice').click();
  await page.waitForFunction(() => (document.getElementById('notice') as HTMLElement).hidden);
  await page.evaluate(() =>
    window.postMessage({ type: 'notice', message: 'Cannot open /srv/app/orders.js' }, '*'),
  );
  await page.waitForFunction(() => !(document.getElementById('notice') as HTMLElement).hidden);
  await page.evaluate(() => window.postMessage({ type: 'notice', message: '' }, '*'));
  await page.waitForFunction(() => (document.getElementById('notice') as HTMLElement).hidden);
  assert.deepEqual(problems, []);
  await page.close();
});

test("a lens's find-in-flamegraph selects the function's frame and brings it into view", async () => {
  const page = await browser.newPage({ viewport: { width: 600, height: 300 } });
  await openPanel(page);
  await show(page, themedReport());
  const canvasBox = () =>
    page.evaluate(() => {
      const box = (
        document.querySelector('#flamegraph canvas') as HTMLElement
      ).getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, height: window.innerHeight };
    });
  const before = await canvasBox();
  assert.ok(
    before.top > before.height,
    `the flamegraph starts out of view: ${JSON.stringify(before)}`,
  );
  await page.evaluate(() => window.postMessage({ type: 'focus', name: 'handleOrder' }, '*'));
  await page.waitForFunction(() =>
    /handleOrder/.test(
      document.querySelector('#flamegraph .hotpath-flame-status')?.textContent ?? '',
    ),
  );
  await page
    .waitForFunction(
      () => {
        const box = (
          document.querySelector('#flamegraph canvas') as HTMLElement
        ).getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight;
      },
      undefined,
      { timeout: 5_000 },
    )
    .catch(() => undefined);
  const after = await canvasBox();
  assert.ok(
    after.top >= 0 && after.bottom <= after.height,
    `the frame's rows in view: ${JSON.stringify(after)}`,
  );
  await page.close();
});

/** Every canvas of the report: its box on the page and its backing store against its CSS size. */
async function canvases(page: Page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('#report canvas')).map((c) => {
      const canvas = c as HTMLCanvasElement;
      const box = canvas.getBoundingClientRect();
      const ratio = window.devicePixelRatio || 1;
      const owner = canvas.closest('[id]')?.id ?? '';
      return {
        owner,
        left: box.left,
        right: box.right,
        cssWidth: box.width,
        cssHeight: box.height,
        width: canvas.width,
        height: canvas.height,
        ratio,
        viewport: document.documentElement.clientWidth,
      };
    }),
  );
}

function assertWithin(drawn: Awaited<ReturnType<typeof canvases>>, what: string): void {
  assert.ok(drawn.length >= 4, `${what}: the charts and flamegraphs are drawn (${drawn.length})`);
  for (const c of drawn) {
    assert.ok(
      c.left >= 0 && c.right <= c.viewport,
      `${what}: ${c.owner} ${c.left}–${c.right} in ${c.viewport} px`,
    );
    assert.ok(
      Math.abs(c.width - c.cssWidth * c.ratio) <= 1 &&
        Math.abs(c.height - c.cssHeight * c.ratio) <= 1,
      `${what}: ${c.owner} backing store ${c.width}×${c.height} for ${c.cssWidth}×${c.cssHeight} CSS px at ${c.ratio}x`,
    );
  }
}

test('at 600 and 1,400 px wide every chart is drawn within the panel, and follows a resize', async () => {
  const page = await browser.newPage({
    viewport: { width: 1400, height: 900 },
    deviceScaleFactor: 2,
  });
  await openPanel(page);
  await setTheme(page, 'dark');
  await show(page, themedReport());
  const wide = await canvases(page);
  assertWithin(wide, '1,400 px');
  const chartWidth = (drawn: typeof wide) =>
    Math.max(...drawn.filter((c) => c.owner === 'load-chart').map((c) => c.cssWidth));
  assert.ok(chartWidth(wide) > 1000, `the load chart takes the width (${chartWidth(wide)} px)`);

  // The panel narrowed under a drawn report: every chart is drawn again to fit.
  await page.setViewportSize({ width: 600, height: 900 });
  await page
    .waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#report canvas')).every(
          (c) => c.getBoundingClientRect().right <= document.documentElement.clientWidth,
        ),
      undefined,
      { timeout: 5_000 },
    )
    .catch(() => undefined);
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
  const narrow = await canvases(page);
  assertWithin(narrow, '600 px');
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 1, `nothing on the page is wider than 600 px (overflow ${overflow} px)`);
  await page.screenshot({ path: testOutput('panel-resized-600.png'), fullPage: true });

  // And widened again, they grow back.
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
  await page.waitForFunction(() => {
    const chart = document.querySelector('#load-chart canvas');
    return chart !== null && chart.getBoundingClientRect().width > 1000;
  });
  assertWithin(await canvases(page), '1,400 px again');

  // A report first drawn at 600 px fits too.
  const fresh = await browser.newPage({
    viewport: { width: 600, height: 900 },
    deviceScaleFactor: 1,
  });
  await openPanel(fresh);
  await setTheme(fresh, 'light');
  await show(fresh, themedReport());
  assertWithin(await canvases(fresh), '600 px at 1x');
  await fresh.close();
  await page.close();
});

/** A run's report with what a real one has at its longest: its rows, paths, locks and tables. */
function longReport(): ReportData {
  const report = themedReport();
  const handlers = 'hotpath/src/sampleService/handlers.ts';
  return {
    ...report,
    title: 'GET /api/v2/customers/orders/summary?include=lines',
    subtitle: '20261206-031500-root-12345 · 50 connections · preset standard',
    rows: [
      ['throughput', '963 req/s · 2,891 responses in 3.00 s · 50 connections'],
      ['latency', 'p50 48 ms · p90 61 ms · p99 93 ms · max 140 ms'],
      ['CPU/request', '1.04 ms per response (the service finished 2,891 in the window)'],
      ['service', 'pid 4242 (node dist/main.js), CPU 98 % of a core, event loop 97 % busy'],
    ],
    hotFunctions: [
      ...report.hotFunctions.map((f) => ({ ...f, perResponse: '2.2 µs' })),
      {
        name: 'processTicksAndRejections',
        location: `${handlers}:39`,
        self: '12.5 %',
        total: '30.0 %',
        perResponse: '130 µs',
      },
    ],
    hotLines: [
      {
        location: `${handlers}:39`,
        functionName: 'handleOrder',
        self: '11.0 %',
        perResponse: '110 µs',
      },
      {
        location: 'node_modules/fastify/lib/reply.js:512',
        functionName: 'inlined code in serialize (reply.js)',
        self: '4.0 %',
        perResponse: '40 µs',
      },
    ],
    breakdown: [
      { label: 'your code', share: '50.0 %', detail: 'handleOrder 30.0 %, serialize 20.0 %' },
      { label: 'generated code, run by fastify', share: '9.6 %', detail: 'fast-json-stringify' },
      { label: 'Hotpath’s agent', share: '1.2 %', detail: 'counting requests' },
    ],
    waits: {
      library: 'async-mutex 0.5.0',
      rows: [
        {
          lock: 'mutex · app.ts:12',
          where: `${handlers}:42`,
          ofLatency: '97 %',
          waitP50: '2.4 s',
          waitP99: '2.5 s',
          holdP50: '50 ms',
          perSec: '19.9',
          note: 'held across an await',
        },
      ],
      note: 'acquired/s counts acquisitions, not requests',
    },
  };
}

test('at 300, 500 and 900 px: no word broken inside, nothing wider than the panel, paths shortened from the left', async () => {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  await openPanel(page);
  await setTheme(page, 'dark');
  await show(page, longReport());
  const histogramLabels: number[] = [];
  for (const width of [900, 500, 300]) {
    await page.setViewportSize({ width, height: 900 });
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    );
    const { broken, overflow } = await brokenWords(page);
    assert.deepEqual(broken, [], `${width} px: words broken inside`);
    assert.ok(overflow <= 1, `${width} px: the page is ${overflow} px wider than the view`);
    for (const c of await canvases(page)) {
      assert.ok(
        c.left >= 0 && c.right <= c.viewport,
        `${width} px: ${c.owner} ${c.left}–${c.right}`,
      );
    }
    // A path keeps its file name and line in view, its whole text on hover.
    const path = await page.evaluate(() => {
      const cell = document.querySelector('#lines .hp-path-text') as HTMLElement;
      const box = cell.getBoundingClientRect();
      return { title: cell.title, right: box.right, view: document.documentElement.clientWidth };
    });
    assert.equal(path.title, 'hotpath/src/sampleService/handlers.ts:39');
    assert.ok(path.right <= path.view, `${width} px: the path ends in view`);
    // The histogram's bins keep labels that do not overlap: fewer of them as the panel narrows.
    const labels = await page.evaluate(
      () => document.getElementById('latency-histogram')?.dataset.xLabels ?? '',
    );
    histogramLabels.push(labels.split('|').filter(Boolean).length);
    await page.screenshot({ path: testOutput(`panel-width-${width}.png`), fullPage: true });
    await page
      .locator('#latency-histogram')
      .screenshot({ path: testOutput(`panel-width-${width}-histogram.png`) });
  }
  const [wide, , narrow] = histogramLabels;
  assert.equal(wide, 6, 'at 900 px every bin of the histogram has its label');
  assert.ok(narrow < wide, `at 300 px fewer labels (${histogramLabels.join(', ')})`);
  await page.close();
});
