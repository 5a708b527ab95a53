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
import type { Browser } from 'playwright-core';
import { analyze } from '../../src/profile/analyze';
import { parseProfile } from '../../src/profile/cpuprofile';
import { diagnose } from '../../src/profile/diagnosis';
import { reportData } from '../../src/report/reportData';
import { reportPageHtml } from '../../src/views/reportPage';
import { launchChromium, testOutput } from '../browser';

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

test('the report panel draws hostile names as text, runs nothing, keeps its layout', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
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
  const html = reportPageHtml({ nonce: 'n0nce', scriptUri: `${ORIGIN}/panel.js` }).replace(
    '</body>',
    // What an attacker would try if a string ever reached the page as HTML.
    '<script>window.inlineRan = true</script><div id="probe" onclick="window.handlerRan = true"></div></body>',
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
  const report = hostileReport();
  await page.evaluate((r) => window.postMessage({ type: 'show', report: r }, '*'), report);
  await page.waitForFunction(() =>
    (window as unknown as { hotpathSent: { type: string }[] }).hotpathSent.some(
      (m) => m.type === 'shown',
    ),
  );
  await page.click('#probe').catch(() => undefined);
  await page.waitForTimeout(200);

  const state = await page.evaluate(() => ({
    inlineRan: (window as { inlineRan?: boolean }).inlineRan ?? false,
    handlerRan: (window as { handlerRan?: boolean }).handlerRan ?? false,
    elements: document.querySelectorAll(
      '#report img, #report svg, #report iframe, #report style, #report script',
    ).length,
    functions: document.getElementById('functions')?.textContent ?? '',
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    bodyShown: getComputedStyle(document.body).display !== 'none',
  }));
  await page.screenshot({ path: testOutput('panel-hostile.png'), fullPage: true });
  assert.equal(state.inlineRan, false, 'the CSP blocked the inline script');
  assert.equal(state.handlerRan, false, 'the CSP blocked the inline handler');
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
