/**
 * Hotpath as a user meets it: the workbench of a real VS Code (code-server) in headless
 * Chromium, driven by keyboard and mouse through playwright-core, and asserted on what the
 * workbench shows. One workbench for the file; each test goes on from where the one before left
 * it (its runs, its panel). F1 → "Hotpath: Profile Endpoint" → sample service → /cpualloc; then
 * the report panel, a CodeLens with a share in the editor's DOM, and the flamegraph's canvas with
 * frames drawn; "Profile with a Locustfile" (the workspace's locustfile, the request that leads,
 * the users) under the real Locust, and a service already running, reached through the inspector
 * the palette asks for. Screenshot: .test-output/vscode-user-flow.png.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Frame, Page } from 'playwright-core';
import type { RunRecord } from '../../src/record/run';
import { loadRun } from '../../src/runs/runFolder';
import { brokenWords, launchChromium, testOutput } from '../browser';
import { alive, cpuProfile, inspectedSample, repeated, tempFolder } from '../helpers';
import { type CodeServer, startCodeServer } from '../vscode/codeServer';
import { endOfTest, openWorkbench, paletteCommand, pick, quickInputBox } from '../vscode/workbench';

const root = path.resolve(__dirname, '..', '..');

/** Loads of the tests' own: short runs, and one long enough to cancel. */
const PRESETS = [
  {
    name: 'e2e-short',
    description: 'the tests: 8 connections for 2 s',
    connections: 8,
    durationSec: 2,
  },
  { name: 'e2e-long', description: 'the tests: a run to cancel', connections: 4, durationSec: 60 },
];

let server: CodeServer;
let browser: Browser;
let page: Page;
let workspace: string;
let runsFolder: string;
/** The sample's source, which the workbench shows: the tests must leave it as it was. */
const sampleSource = path.join(root, 'src', 'sampleService', 'handlers.ts');
const sampleText = fs.readFileSync(sampleSource, 'utf8');

before(async () => {
  workspace = tempFolder('vscode-user');
  runsFolder = path.join(workspace, '.hotpath', 'runs');
  server = await startCodeServer({
    userSettings: {
      'hotpath.presets': PRESETS,
      // The sample's source is this repository's own file: keys that go astray cannot edit it.
      'files.readonlyInclude': { '**/src/sampleService/**': true },
      // The window of "Profile with a Locustfile", which asks for no preset: the short one.
      'hotpath.defaultPreset': 'e2e-short',
    },
  });
  browser = await launchChromium();
  page = await openWorkbench(browser, server, workspace, root);
});

afterEach((t) => endOfTest(page, 'vscode-user', t.name));

after(async () => {
  await browser?.close();
  server?.stop();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  const now = fs.readFileSync(sampleSource, 'utf8');
  if (now !== sampleText) {
    fs.writeFileSync(sampleSource, sampleText);
    const [was, is] = [sampleText.split('\n'), now.split('\n')];
    const at = was.findIndex((line, i) => line !== is[i]);
    assert.fail(
      `the tests changed ${sampleSource} (put back as it was): line ${at + 1} was ${JSON.stringify(was[at])}, became ${JSON.stringify(is[at])}`,
    );
  }
});

/** F1 → Profile Endpoint → the sample service → `endpoint` → `preset`. */
async function profileSample(endpoint: string, preset: string): Promise<void> {
  await paletteCommand(page, 'Hotpath: Profile Endpoint');
  await pick(page, /what to profile/, 'Sample service', /Sample service/);
  await pick(page, /endpoint to profile/, endpoint, new RegExp(`GET ${endpoint}(?!alloc)`));
  await pick(page, /Hotpath: load/, preset, new RegExp(preset));
}

/** The text of the notification that matches `text`, once it shows. */
async function notification(text: RegExp, timeoutMs = 30_000): Promise<string> {
  const message = page.locator('.notification-list-item-message', { hasText: text }).last();
  await message.waitFor({ timeout: timeoutMs });
  return (await message.textContent()) ?? '';
}

/** Developer: Reload Window, and the workbench back. */
async function reloadWindow(): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { hotpathMark: boolean }).hotpathMark = true;
  });
  await page.keyboard.press('F1');
  await pick(page, undefined, '>Developer: Reload Window', /Developer: Reload Window/);
  await page.waitForFunction(
    () => !(window as unknown as { hotpathMark?: boolean }).hotpathMark,
    undefined,
    { timeout: 30_000 },
  );
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
}

/** Waits until the command palette lists `command` (the palette is left closed). */
async function paletteLists(command: string, timeoutMs = 30_000): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const row = widget.locator('.quick-input-list .monaco-list-row', { hasText: command });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    await quickInputBox(page).fill(`>${command}`, { timeout: 5_000 });
    const listed = await row
      .first()
      .waitFor({ timeout: 2_000 })
      .then(
        () => true,
        () => false,
      );
    await page.keyboard.press('Escape');
    if (listed) return;
    if (Date.now() > deadline) assert.fail(`the command palette does not list ${command}`);
  }
}

/**
 * How many lines of the editors on screen have Hotpath's heat: elements of the decoration
 * classes whose background is a `hotpath.heat1`…`heat5` colour (the workbench resolves theme
 * colours into its rules: rgba(255, 106 | 74 | 42, 0, alpha) by default).
 */
async function heatLines(): Promise<number> {
  return page.evaluate(() => {
    const classes = new Set<string>();
    for (const sheet of Array.from(document.styleSheets)) {
      let rules: CSSRuleList;
      try {
        rules = sheet.cssRules;
      } catch {
        continue;
      }
      for (const rule of Array.from(rules)) {
        if (!(rule instanceof CSSStyleRule)) continue;
        if (!/background-color: rgba\(255, (106|74|42), 0, /.test(rule.cssText)) continue;
        for (const match of rule.selectorText.matchAll(/\.(ced-[\w-]+)/g)) classes.add(match[1]);
      }
    }
    let lines = 0;
    for (const name of classes)
      lines += document.querySelectorAll(`.monaco-editor .view-overlays .${name}`).length;
    return lines;
  });
}

/** The frame of the webview whose page holds the report, once it has drawn. */
async function reportFrame(page: Page, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const drawn = await frame
        .evaluate(() => document.querySelector('#report .hotpath-flame-canvas') !== null)
        .catch(() => false);
      if (drawn) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no report webview drew within ${timeoutMs / 1000} s`);
}

test('a user profiles /cpualloc from the command palette', { timeout: 300_000 }, async () => {
  await profileSample('/cpualloc', 'e2e-short');

  // The run takes about 5 s; the report panel opens beside the handler's source.
  await page.locator('.tab', { hasText: 'Hotpath · GET /cpualloc' }).waitFor({ timeout: 90_000 });
  const frame = await reportFrame(page, 30_000);
  assert.match((await frame.textContent('#title')) ?? '', /GET \/cpualloc/);
  // The panel says the run's own diagnosis, as read back from its folder.
  const saved = fs.readdirSync(runsFolder);
  assert.equal(saved.length, 1, `one run saved: ${saved.join(', ')}`);
  const { diagnosis } = loadRun(path.join(runsFolder, saved[0]));
  assert.equal(await frame.textContent('#verdict'), diagnosis.verdict, 'the verdict is on top');
  assert.equal(await frame.textContent('#diagnosis'), diagnosis.summary, 'and its summary');
  // Pixels, not just the element: frames of several colours on the canvas.
  const colours = await frame.evaluate(() => {
    const canvas = document.querySelector('#report .hotpath-flame-canvas') as HTMLCanvasElement;
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set<string>();
    for (let i = 0; data && i < data.length; i += 16)
      if (data[i + 3] > 0) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    return seen.size;
  });
  assert.ok(colours >= 3, `the flamegraph drew frames (${colours} colours on its canvas)`);

  // A CodeLens with a share, over the handler in the editor.
  const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: /% self/ });
  await lens.first().waitFor({ timeout: 20_000 });
  assert.match((await lens.first().textContent()) ?? '', /🔥 [\d.]+ % self · [\d.]+ % total/);
  await page.waitForTimeout(500);
  await page.screenshot({ path: testOutput('vscode-user-flow.png') });
});

test('a second run, of /cpu, takes the editor over', { timeout: 300_000 }, async () => {
  await profileSample('/cpu', 'e2e-short');
  await page.locator('.tab', { hasText: /Hotpath · GET \/cpu$/ }).waitFor({ timeout: 90_000 });
  const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: /GET \/cpu$/ });
  await lens.first().waitFor({ timeout: 20_000 });
  assert.ok((await heatLines()) > 0, 'heat on the hot lines of /cpu');
});

test('a click on the run in the status bar cancels it, not the sample service started by hand', {
  timeout: 300_000,
}, async () => {
  await paletteCommand(page, 'Hotpath: Start Sample Service');
  const started = await notification(/the sample service answers at/);
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(started)?.[0];
  assert.ok(url, started);
  const earlier = new Set(fs.readdirSync(runsFolder));
  await profileSample('/cpu', 'e2e-long');
  // The run's item, as a screen reader and the mouse find it, once the run is into its load.
  const item = page.locator(
    '.statusbar-item a.statusbar-item-label[aria-label^="Hotpath run of GET /cpu: profiling."]',
  );
  await item.waitFor({ timeout: 60_000 });
  assert.match(
    (await item.locator('xpath=..').getAttribute('id')) ?? '',
    /hotpath\.run$/,
    'the item has an id of its own',
  );
  await item.click();
  await notification(/GET \/cpu: the run was cancelled/);
  await item.waitFor({ state: 'detached', timeout: 10_000 });
  const [folder] = fs.readdirSync(runsFolder).filter((f) => !earlier.has(f));
  assert.ok(folder, 'the cancelled run has its folder');
  const record = JSON.parse(fs.readFileSync(path.join(runsFolder, folder, 'run.json'), 'utf8'));
  assert.equal(record.status, 'cancelled');
  assert.ok(record.target.pid > 0 && !alive(record.target.pid), "the run's own service ended");
  const hello = await fetch(`${url}/hello`);
  assert.deepEqual(await hello.json(), { hello: 'world' }, 'the service started by hand answers');

  // A URL target: load only (no profile); it is the target remembered across the reload below.
  await paletteCommand(page, 'Hotpath: Profile Endpoint');
  await pick(page, /what to profile/, 'already running', /A service already running/);
  await page.locator('.quick-input-title', { hasText: /URL of the running service/ }).waitFor();
  await quickInputBox(page).fill(url);
  await quickInputBox(page).press('Enter');
  // No inspector given: load and latency only.
  await page
    .locator('.quick-input-title', { hasText: /inspector of the running service/ })
    .waitFor();
  await quickInputBox(page).fill('');
  await quickInputBox(page).press('Enter');
  await pick(page, /endpoint to profile/, 'Another endpoint', /Another endpoint/);
  await page.locator('.quick-input-title', { hasText: /Hotpath: endpoint$/ }).waitFor();
  await quickInputBox(page).fill('/hello');
  await quickInputBox(page).press('Enter');
  await pick(page, /Hotpath: load/, 'e2e-short', /e2e-short/);
  await notification(/GET \/hello: [\d.]+ req\/s/);

  await paletteCommand(page, 'Hotpath: Stop Service');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answered = await fetch(`${url}/hello`).then(
      () => true,
      () => false,
    );
    if (!answered) break;
    assert.ok(Date.now() < deadline, 'Stop Service stops the service started by hand');
    await page.waitForTimeout(200);
  }
});

test('after a window reload the results are back: panel, lenses, heat, their commands, the target', {
  timeout: 300_000,
}, async () => {
  assert.ok((await heatLines()) > 0, 'heat before the reload');
  await reloadWindow();
  // The report panel, drawn from its saved state.
  await page.locator('.tab', { hasText: /Hotpath · GET \/cpu$/ }).waitFor({ timeout: 60_000 });
  const restored = await reportFrame(page, 30_000);
  assert.match((await restored.textContent('#title')) ?? '', /^GET \/cpu$/);
  // The lenses and the heat on the source, read back from the run's folder.
  const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: /GET \/cpu$/ });
  await lens.first().waitFor({ timeout: 30_000 });
  assert.match((await lens.first().textContent()) ?? '', /🔥 [\d.]+ % self · [\d.]+ % total/);
  const deadline = Date.now() + 10_000;
  while ((await heatLines()) === 0 && Date.now() < deadline) await page.waitForTimeout(200);
  assert.ok((await heatLines()) > 0, 'heat on the hot lines after the reload');
  // The commands over the results are in the palette again.
  for (const command of [
    'Hotpath: Show Flamegraph',
    'Hotpath: Toggle Hot Lines',
    'Hotpath: Compare With Previous Run',
  ])
    await paletteLists(command);
  // The target picked last (a URL) is offered first, with its URL.
  await page.keyboard.press('Escape');
  await paletteCommand(page, 'Hotpath: Profile Endpoint');
  const first = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
  await page.locator('.quick-input-title', { hasText: /what to profile/ }).waitFor();
  assert.match((await first.textContent()) ?? '', /A service already running/);
  await first.click();
  await page.locator('.quick-input-title', { hasText: /URL of the running service/ }).waitFor();
  const typed = await page.locator('.quick-input-widget .quick-input-box input').inputValue();
  assert.match(typed, /^http:\/\/127\.0\.0\.1:\d+$/, 'the URL typed before the reload');
  await page.keyboard.press('Escape');
});

test('after a reload with no editor open, the results come back all the same', {
  timeout: 300_000,
}, async () => {
  // No panel and no JavaScript or TypeScript file to activate the extension: it starts once the
  // workbench has (onStartupFinished), and reads the last run back.
  await paletteCommand(page, 'View: Close All Editors');
  await page.locator('.tab').first().waitFor({ state: 'detached', timeout: 15_000 });
  await reloadWindow();
  for (const command of [
    'Hotpath: Show Flamegraph',
    'Hotpath: Toggle Hot Lines',
    'Hotpath: Compare With Previous Run',
  ])
    await paletteLists(command);
  await paletteCommand(page, 'Hotpath: Show Flamegraph');
  await panelShowing('GET /cpu');
});

/** The active editor's file and cursor line, as the workbench shows them ("handlers.ts Ln 40"). */
async function cursorAt(): Promise<string> {
  const file = await page
    .locator('.editor-group-container.active .tab.active')
    .first()
    .textContent();
  const position = await page
    .locator('.statusbar-item[id="status.editor.selection"]')
    .first()
    .textContent();
  return `${file?.trim()} ${position?.match(/Ln \d+/)?.[0]}`;
}

/** The report panel's page once it shows `title`. */
async function panelShowing(title: string | RegExp): Promise<Frame> {
  const tab =
    typeof title === 'string' ? `Hotpath · ${title}` : new RegExp(`Hotpath · ${title.source}`);
  await page.locator('.tab', { hasText: tab }).first().waitFor({ timeout: 60_000 });
  const frame = await reportFrame(page, 30_000);
  const [source, exact] = typeof title === 'string' ? [title, true] : [title.source, false];
  await frame.waitForFunction(
    ([wanted, whole]) => {
      const text = document.querySelector('#title')?.textContent ?? '';
      return whole ? text === wanted : new RegExp(wanted).test(text);
    },
    [source, exact] as const,
    { timeout: 30_000 },
  );
  return frame;
}

/** A comparison's title: each run by its endpoint and start time. */
const compared = (before: string, after: string) =>
  new RegExp(`${before} · \\d\\d:\\d\\d:\\d\\d → ${after} · \\d\\d:\\d\\d:\\d\\d`);

/** The folder of the saved run of `endpoint` that has a profile. */
function savedRun(endpoint: string): string {
  const folder = fs
    .readdirSync(runsFolder)
    .map((name) => path.join(runsFolder, name))
    .find((f) => {
      const record = JSON.parse(fs.readFileSync(path.join(f, 'run.json'), 'utf8'));
      return record.endpoint.path === endpoint && record.profile.file;
    });
  assert.ok(folder, `a saved run of ${endpoint}`);
  return folder;
}

test("Open Profile… takes a file, and a run's own profile opens as that run, with its load", {
  timeout: 300_000,
}, async () => {
  const profile = path.join(savedRun('/cpualloc'), 'profile.cpuprofile');
  await paletteCommand(page, 'Hotpath: Open Profile…');
  // The workbench's own file dialog (a remote workspace): once it has opened at the runs folder,
  // the profile's path is typed in its box and accepted with its button.
  await page.locator('.quick-input-title', { hasText: /open a profile/ }).waitFor();
  const value = (wanted: string) =>
    page.waitForFunction(
      (text) =>
        (document.querySelector('.quick-input-widget .quick-input-box input') as HTMLInputElement)
          ?.value === text,
      wanted,
      { timeout: 15_000 },
    );
  await value(`${runsFolder}/`);
  await quickInputBox(page).fill(profile);
  await page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row', {
      hasText: 'profile.cpuprofile',
    })
    .first()
    .waitFor({ timeout: 15_000 });
  await value(profile);
  await page.locator('.quick-input-widget .monaco-button', { hasText: 'Open Profile' }).click();
  const frame = await panelShowing('GET /cpualloc');
  assert.match((await frame.textContent('#summary')) ?? '', /req\/s/, "the run's load data");
});

test("the explorer's Open Profile… on a run's own profile opens that run, with its load", {
  timeout: 300_000,
}, async () => {
  const folder = path.basename(savedRun('/cpu'));
  /** The explorer's row of a file or folder, by its name. */
  const row = (name: string) =>
    page
      .locator('.explorer-folders-view .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: name }) })
      .first();
  await paletteCommand(page, 'View: Show Explorer');
  for (const name of ['.hotpath', 'runs', folder]) {
    await row(name).waitFor({ timeout: 15_000 });
    if ((await row(name).getAttribute('aria-expanded')) !== 'true') await row(name).click();
  }
  await row('profile.cpuprofile').waitFor({ timeout: 15_000 });
  await row('profile.cpuprofile').click({ button: 'right' });
  const item = page.locator('.monaco-menu .action-item', { hasText: 'Open Profile…' }).first();
  await item.waitFor({ timeout: 15_000 });
  // The menu takes no click in its first moments (the right button's release must not pick an
  // item): the item is pointed at, then taken with the keyboard, as a user's Enter would.
  await page.waitForTimeout(500);
  await item.hover();
  await page.keyboard.press('Enter');
  await item.waitFor({ state: 'detached', timeout: 15_000 });
  const frame = await panelShowing('GET /cpu');
  assert.match((await frame.textContent('#summary')) ?? '', /req\/s/, "the run's load data");
  assert.match((await frame.textContent('#subtitle')) ?? '', new RegExp(folder), 'as its run');
  // The run shown is the one the next test opens: with the panel left showing it, that test would
  // take this report for its own and go on while its run still opens (and takes the focus).
  await paletteCommand(page, 'View: Close All Editors');
  await page.locator('.tab').first().waitFor({ state: 'detached', timeout: 15_000 });
});

test('Open Run… picks a saved run by its endpoint, time and req/s', {
  timeout: 300_000,
}, async () => {
  await paletteCommand(page, 'Hotpath: Open Run…');
  // Newest first: the /cpu run, with its figures; the cancelled run (no profile) is not listed.
  await pick(
    page,
    /open a saved run/,
    '',
    /GET \/cpu(?!alloc).*req\/s · p99 .* · preset e2e-short/,
  );
  await panelShowing('GET /cpu');
});

test('Compare With… compares the two saved runs picked', { timeout: 300_000 }, async () => {
  await paletteCommand(page, 'Hotpath: Compare With…');
  // The other way round from the last two runs taken (/cpualloc, then /cpu).
  await pick(page, /the run before/, '', /GET \/cpu(?!alloc)/);
  await pick(page, /the run after/, 'cpualloc', /GET \/cpualloc/);
  await panelShowing(compared('GET /cpu', 'GET /cpualloc'));
  await notification(/GET \/cpu · [\d:]+ → GET \/cpualloc · [\d:]+: /);
});

test('a run folder deleted before a reload: nothing comes back, and nothing is told', {
  timeout: 300_000,
}, async () => {
  // The results shown are the /cpu run's (Open Run… above); its folder goes.
  fs.rmSync(savedRun('/cpu'), { recursive: true, force: true });
  await reloadWindow();
  // The panel comes back from its own state, which activates the extension and its restore.
  await panelShowing(compared('GET /cpu', 'GET /cpualloc'));
  await page.waitForTimeout(5_000);
  const told = page.locator('.notification-list-item-message', { hasText: /Hotpath/ });
  assert.equal(await told.count(), 0, `told: ${await told.allTextContents()}`);
  const lenses = page.locator('.monaco-editor .codelens-decoration', { hasText: /% self/ });
  assert.equal(await lenses.count(), 0, 'no lenses of a run that is gone');
  assert.equal(await heatLines(), 0, 'no heat');
});

test("a lock fixed, /read → /fast: the comparison's headline is the lock's wait, not a Hotpath frame", {
  timeout: 300_000,
}, async () => {
  await profileSample('/read', 'e2e-short');
  await page.locator('.tab', { hasText: /Hotpath · GET \/read$/ }).waitFor({ timeout: 90_000 });
  // The ⏳ lens on the acquire line: a click scrolls the report to its locks, the lock marked.
  const lockLens = page.locator('.monaco-editor .codelens-decoration a', {
    hasText: /^⏳ .*waiting for mutex/,
  });
  await lockLens.first().waitFor({ timeout: 30_000 });
  const atTheLock = await cursorAt();
  assert.match(atTheLock, /^handlers\.ts Ln \d+/);
  await lockLens.first().click();
  const report = await panelShowing('GET /read');
  await report.waitForSelector('#waits tr.hotpath-picked', { timeout: 15_000 });
  const marked = await report.evaluate(() => {
    const heading = document.getElementById('waits-heading')?.getBoundingClientRect();
    return {
      lock: document.querySelector('#waits tr.hotpath-picked td')?.textContent,
      rows: document.querySelectorAll('#waits tr.hotpath-picked').length,
      headingTop: heading?.top,
      height: window.innerHeight,
    };
  });
  assert.match(marked.lock ?? '', /^mutex · app\.ts:\d+$/, 'the lens’s lock is the row marked');
  assert.equal(marked.rows, 1);
  assert.ok(
    marked.headingTop !== undefined && marked.headingTop >= -1 && marked.headingTop < 40,
    `the locks heading scrolled to the top: at ${marked.headingTop} px of ${marked.height}`,
  );
  await profileSample('/fast', 'e2e-short');
  await page.locator('.tab', { hasText: /Hotpath · GET \/fast$/ }).waitFor({ timeout: 90_000 });
  // The diagnosis names no place (a wait no lock explains): the editor stays where it was, on the
  // lock's line, and does not go to whatever code of the sample had a sample or two.
  assert.equal(await cursorAt(), atTheLock, 'the editor stays where /read left it');
  assert.equal(await page.locator('.tab', { hasText: 'rwlock.ts' }).count(), 0, 'rwlock.ts opened');
  // The fixed handler's file after the fix: the heat of a cold file is pale, not red.
  await page.waitForTimeout(1_000);
  await page.screenshot({ path: testOutput('vscode-cold-after-fix.png') });
  // Two endpoints: the editor asks before it compares them, and draws no verdict.
  await paletteCommand(page, 'Hotpath: Compare With Previous Run');
  await notification(/no earlier run of GET \/fast to compare with/);
  await page
    .locator('.notification-list-item .monaco-button', { hasText: 'Compare Anyway' })
    .first()
    .click();
  const frame = await panelShowing(compared('GET /read', 'GET /fast'));
  const headline = (await frame.textContent('#diagnosis')) ?? '';
  assert.match(
    headline,
    /^These runs load different endpoints \(GET \/read → GET \/fast\): req\/s .*no verdict is drawn\. The biggest difference in your code: the wait for mutex · app\.ts:\d+ \(a Mutex, acquired at .*handlers\.ts:\d+\) went from [\d,.]+ m?s p50 \(\d+ % of the latency\) to none\./,
  );
  assert.doesNotMatch(headline, /#\w|agent/, 'nothing of Hotpath’s own agent');
  await page.waitForTimeout(500);
  await page.screenshot({ path: testOutput('vscode-compare-read-fast.png') });
});

/**
 * Where the flamegraph's frame named `name` is, in its canvas's coordinates: each row (18 px) is
 * hovered along its width until the tooltip names it. Fails when no frame has the name.
 */
async function frameNamed(frame: Frame, name: string): Promise<{ x: number; y: number }> {
  const canvas = frame.locator('#flamegraph .hotpath-flame-canvas').first();
  const box = await canvas.boundingBox();
  assert.ok(box, 'the flamegraph is drawn');
  for (let row = 0; row * 18 < box.height; row++) {
    for (let x = 8; x < box.width; x += 24) {
      const at = { x, y: row * 18 + 9 };
      await canvas.hover({ position: at });
      const shown = await frame
        .locator('#flamegraph .hotpath-flame-tooltip-name')
        .textContent({ timeout: 1_000 })
        .catch(() => '');
      if (shown === name) return at;
    }
  }
  assert.fail(`no frame named ${name} in the flamegraph`);
}

test("a double-click opens a frame's plain .js file (a path with a space) at its line; Node's own code is said in view", {
  timeout: 300_000,
}, async () => {
  await paletteCommand(page, 'View: Close All Editors');
  // A profile as `node --cpu-prof` writes it: the script by its file:// URL, percent-encoded.
  const folder = path.join(workspace, 'my app');
  fs.mkdirSync(folder, { recursive: true });
  const script = path.join(folder, 'work.js');
  fs.writeFileSync(
    script,
    [
      '// A script of the user, run with node --cpu-prof.',
      "const { createHash } = require('node:crypto');",
      '',
      'function work(input) {',
      '  let digest = input;',
      "  for (let i = 0; i < 1000; i++) digest = createHash('sha256').update(digest).digest('hex');",
      '  return digest;',
      '}',
      '',
    ].join('\n'),
  );
  const url = pathToFileURL(script).href;
  assert.match(url, /my%20app\/work\.js$/);
  const work = { name: 'work', url, line: 3, column: 13, scriptId: '7' };
  const hash = { name: 'createHash', url: 'node:crypto', line: 130, column: 19, scriptId: '8' };
  const profile = path.join(folder, 'work.cpuprofile');
  fs.writeFileSync(
    profile,
    JSON.stringify(
      cpuProfile([...repeated(500, [work], 1000), ...repeated(500, [work, hash], 1000)]),
    ),
  );
  await paletteCommand(page, 'Hotpath: Open Profile…');
  await page.locator('.quick-input-title', { hasText: /open a profile/ }).waitFor();
  // The dialog fills in its own folder as it opens, over what was typed: typed again until the
  // box holds the profile's path and the dialog lists it.
  const typed = async () => {
    await quickInputBox(page).fill(profile);
    await page.waitForTimeout(500);
    const value = await quickInputBox(page).inputValue();
    const listed = await page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', {
        hasText: 'work.cpuprofile',
      })
      .count();
    return value === profile && listed > 0;
  };
  let attempts = 0;
  while (!(await typed())) assert.ok(++attempts < 10, 'the dialog takes the profile path');
  await page.locator('.quick-input-widget .monaco-button', { hasText: 'Open Profile' }).click();
  const report = await panelShowing(/my app\/work\.cpuprofile/);
  const canvas = report.locator('#flamegraph .hotpath-flame-canvas').first();
  // The report opened the hottest function's file itself, at its line: the cursor is put on the
  // first line, for the double-click to be seen taking it back (Cannot open before the fix).
  await page.locator('.tab', { hasText: 'work.js' }).first().click();
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+Home');
  await page.waitForFunction(() =>
    /Ln 1,/.test(
      document.querySelector('.statusbar-item[id="status.editor.selection"]')?.textContent ?? '',
    ),
  );

  await canvas.dblclick({ position: await frameNamed(report, 'work') });
  await page
    .waitForFunction(
      () =>
        /Ln 4,/.test(
          document.querySelector('.statusbar-item[id="status.editor.selection"]')?.textContent ??
            '',
        ),
      undefined,
      { timeout: 15_000 },
    )
    .catch(() => undefined);
  const said = report.locator('#notice');
  if (await said.isVisible()) assert.fail(`the page said: ${await said.textContent()}`);
  assert.equal(await cursorAt(), 'work.js Ln 4', "at the function's line");

  // Node's own code: said where the user is looking, with what it is.
  await panelShowing(/my app\/work\.cpuprofile/);
  await canvas.dblclick({ position: await frameNamed(report, 'createHash') });
  const notice = report.locator('#notice');
  await notice.waitFor({ state: 'visible', timeout: 15_000 });
  assert.match(
    (await notice.textContent()) ?? '',
    /^node:crypto is Node's own code, built into the Node that ran the profile: it has no file to open\.$/,
  );
  const inView = await report.evaluate(() => {
    const box = (document.getElementById('notice') as HTMLElement).getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  });
  assert.ok(inView, 'the notice is in view');
  await page.screenshot({ path: testOutput('vscode-builtin-notice.png') });
  await paletteCommand(page, 'View: Close All Editors');
});

test("a run's report in the panel at the widths the window gives it: no word broken inside, nothing wider", {
  timeout: 300_000,
}, async () => {
  await paletteCommand(page, 'Hotpath: Open Run…');
  await pick(page, /open a saved run/, 'cpualloc', /GET \/cpualloc.*req\/s/);
  const report = await panelShowing('GET /cpualloc');
  try {
    for (const width of [1600, 1250, 1040]) {
      await page.setViewportSize({ width, height: 1000 });
      await page.waitForTimeout(500);
      const panel = await report.evaluate(() => document.documentElement.clientWidth);
      assert.ok(panel >= 300, `a panel of ${panel} px: the layout is made for 300 px and more`);
      const { broken, overflow } = await brokenWords(report);
      assert.deepEqual(broken, [], `words broken inside in a panel of ${panel} px`);
      assert.ok(overflow <= 1, `the page is ${overflow} px wider than its panel of ${panel} px`);
      await page.screenshot({ path: testOutput(`vscode-panel-${width}.png`) });
    }
  } finally {
    await page.setViewportSize({ width: 1600, height: 1000 });
  }
});

/** A saved run's record (run.json). */
function savedRecord(folder: string): RunRecord {
  return JSON.parse(fs.readFileSync(path.join(folder, 'run.json'), 'utf8')) as RunRecord;
}

/** The names of the run folders saved so far (none before the first run). */
function savedRuns(): Set<string> {
  return new Set(fs.existsSync(runsFolder) ? fs.readdirSync(runsFolder) : []);
}

/** The run folders saved since `earlier` (a set of folder names), oldest first. */
function newRuns(earlier: Set<string>): string[] {
  return [...savedRuns()]
    .filter((f) => !earlier.has(f))
    .sort()
    .map((f) => path.join(runsFolder, f));
}

test('Profile with a Locustfile from the palette: the workspace’s locustfile, the request that leads, the users; the real Locust is the load', {
  timeout: 300_000,
}, async () => {
  await paletteCommand(page, 'View: Close All Editors');
  await page.locator('.tab').first().waitFor({ state: 'detached', timeout: 15_000 });
  // A locustfile of the user's, in the workspace, that sends two requests.
  const locustfile = path.join(workspace, 'loadtests', 'shop.py');
  fs.mkdirSync(path.dirname(locustfile), { recursive: true });
  fs.writeFileSync(
    locustfile,
    [
      'from locust import HttpUser, between, task',
      '',
      '',
      'class ShopUser(HttpUser):',
      '    wait_time = between(0.05, 0.1)',
      '',
      '    @task',
      '    def fast(self):',
      '        self.client.get("/fast")',
      '',
      '    @task',
      '    def cpu(self):',
      '        self.client.get("/cpu")',
      '',
    ].join('\n'),
  );
  const earlier = savedRuns();
  await paletteCommand(page, 'Hotpath: Profile with a Locustfile');
  await pick(page, /profile with which locustfile/, 'shop', /loadtests\/shop\.py.*ShopUser/);
  await pick(page, /which request leads the summary/, '/cpu', /\/cpu/);
  await page.locator('.quick-input-title', { hasText: /Hotpath: Locust users/ }).waitFor();
  await quickInputBox(page).fill('4');
  await quickInputBox(page).press('Enter');
  await pick(page, /what to profile/, 'Sample service', /Sample service/);

  const frame = await panelShowing('GET /cpu');
  const [folder] = newRuns(earlier);
  assert.ok(folder, 'the run is saved');
  const record = savedRecord(folder);
  assert.equal(record.status, 'done', JSON.stringify(record.error));
  assert.equal(record.preset, 'e2e-short', "the default preset's window");
  assert.equal(record.options.load.locust?.file, locustfile, 'the locustfile picked');
  const locust = record.load?.locust;
  assert.ok(locust, 'Locust was the load');
  assert.equal(locust.lead, '/cpu', 'the request picked leads');
  assert.equal(locust.users, 4, 'the users typed');
  assert.deepEqual(locust.byName.map((n) => n.name).sort(), ['/cpu', '/fast']);
  assert.ok(locust.byName.every((n) => n.requests > 0 && n.failures === 0));
  assert.match(
    (await frame.textContent('#summary')) ?? '',
    /the locustfile sent 2 request names in one window: the figures above are \/cpu's/,
    'the report says what the window covers',
  );
});

test('a service already running, from the palette: its inspector asked, its profile taken, and it runs on', {
  timeout: 300_000,
}, async () => {
  await paletteCommand(page, 'View: Close All Editors');
  await page.locator('.tab').first().waitFor({ state: 'detached', timeout: 15_000 });
  // The sample service as a user runs it with --inspect: no agent, its inspector on a port it chose.
  const service = await inspectedSample();
  const pid = service.child.pid as number;
  try {
    const earlier = savedRuns();
    await paletteCommand(page, 'Hotpath: Profile Endpoint');
    await pick(page, /what to profile/, 'already running', /A service already running/);
    await page.locator('.quick-input-title', { hasText: /URL of the running service/ }).waitFor();
    await quickInputBox(page).fill(service.url);
    await quickInputBox(page).press('Enter');
    await page
      .locator('.quick-input-title', { hasText: /inspector of the running service/ })
      .waitFor();
    await quickInputBox(page).fill(service.inspector);
    await quickInputBox(page).press('Enter');
    await pick(page, /endpoint to profile/, 'Another endpoint', /Another endpoint/);
    await page.locator('.quick-input-title', { hasText: /Hotpath: endpoint$/ }).waitFor();
    await quickInputBox(page).fill('/cpu');
    await quickInputBox(page).press('Enter');
    await pick(page, /Hotpath: load/, 'e2e-short', /e2e-short/);

    const frame = await panelShowing('GET /cpu');
    const [folder] = newRuns(earlier);
    assert.ok(folder, 'the run is saved');
    const record = savedRecord(folder);
    assert.equal(record.status, 'done', JSON.stringify(record.error));
    assert.equal(record.target.kind, 'attach');
    assert.equal(record.target.inspector, service.inspector, 'the inspector typed');
    assert.equal(record.target.profiledPid, pid, 'the running service was profiled');
    assert.ok(fs.statSync(path.join(folder, 'profile.cpuprofile')).size > 1000);
    assert.match(
      (await frame.textContent('#summary')) ?? '',
      /not measured/,
      'what attach cannot measure is named, not shown as zero',
    );
    // Its profile lands in the sample's source: the handler's lens, in the editor.
    const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: /GET \/cpu$/ });
    await lens.first().waitFor({ timeout: 30_000 });
    assert.match(await cursorAt(), /^handlers\.ts Ln \d+$/);
    // And the service runs on, answering.
    assert.ok(alive(pid), 'the service still runs');
    const hello = await fetch(`${service.url}/hello`);
    assert.deepEqual(await hello.json(), { hello: 'world' });
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});
