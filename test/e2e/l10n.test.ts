/**
 * The extension's strings are looked up, not hard-coded: a real VS Code (code-server) in a pseudo
 * locale, `qps-ploc`, shows Hotpath's command titles, quick picks, lenses and messages in pseudo
 * text ("Ƥřǿǿƒīŀḗḗ ḖḖƞḓƥǿǿīƞŧ"), asserted on the workbench the user sees.
 *
 * Hotpath ships no pseudo bundle: the test copies the built extension into a folder of its own and
 * adds `package.nls.qps-ploc.json` and `l10n/bundle.l10n.qps-ploc.json`, made from the English
 * files by @vscode/l10n-dev's pseudo-localizer. VS Code serves a workbench in a language only with
 * a language pack for it: an empty one (English for VS Code's own strings) is installed, so only
 * the extension's strings change. The diagnosis and report text shared with the CLI stay English.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { getL10nPseudoLocalized } from '@vscode/l10n-dev';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser';
import { tempFolder } from '../helpers';
import { type CodeServer, startCodeServer } from '../vscode/codeServer';
import { endOfTest, openWorkbench, paletteCommand, pick, quickInputBox } from '../vscode/workbench';

const root = path.resolve(__dirname, '..', '..');
const LANGUAGE = 'qps-ploc';

/** What the extension needs to run from a folder (the .vsix's files: see .vscodeignore). */
const EXTENSION_FILES = ['package.json', 'package.nls.json', 'l10n', 'dist', 'media', 'LICENSE'];

const readJson = (file: string): Record<string, string> =>
  JSON.parse(fs.readFileSync(file, 'utf8'));

/** The pseudo text of the manifest's `%key%`s and of the `vscode.l10n.t` strings. */
let manifest: Record<string, string>;
let strings: Record<string, string>;

let folder: string;
let server: CodeServer;
let browser: Browser;
let page: Page;

/** A `vscode.l10n.t` string in pseudo text, its `{0}`, `{1}`… filled in. */
function pseudo(english: string, ...args: string[]): string {
  const text = strings[english];
  assert.ok(text, `"${english}" is in l10n/bundle.l10n.json`);
  assert.notEqual(text, english, 'the pseudo text differs from the English');
  return args.reduce((t, arg, i) => t.replace(`{${i}}`, arg), text);
}

/** A command's title as the palette shows it: "Category: Title", in pseudo text. */
function paletteTitle(command: string): string {
  return `${manifest['hotpath.command.category']}: ${manifest[`hotpath.command.${command}.title`]}`;
}

before(async () => {
  folder = tempFolder('l10n');
  const extension = path.join(folder, 'extension');
  for (const file of EXTENSION_FILES)
    fs.cpSync(path.join(root, file), path.join(extension, file), { recursive: true });
  // The sample service's sources: its frames map to them, and "Open Sample Service Source".
  fs.cpSync(path.join(root, 'src', 'sampleService'), path.join(extension, 'src', 'sampleService'), {
    recursive: true,
  });
  manifest = getL10nPseudoLocalized(readJson(path.join(extension, 'package.nls.json'))) as Record<
    string,
    string
  >;
  strings = getL10nPseudoLocalized(
    readJson(path.join(extension, 'l10n', 'bundle.l10n.json')),
  ) as Record<string, string>;
  fs.writeFileSync(path.join(extension, `package.nls.${LANGUAGE}.json`), JSON.stringify(manifest));
  fs.writeFileSync(
    path.join(extension, 'l10n', `bundle.l10n.${LANGUAGE}.json`),
    JSON.stringify(strings),
  );
  const coreTranslations = path.join(folder, 'main.i18n.json');
  fs.writeFileSync(coreTranslations, JSON.stringify({ version: '1.0.0', contents: {} }));

  // A service of the user's: a route that gets a "▶ Profile" lens.
  const workspace = path.join(folder, 'workspace');
  fs.mkdirSync(workspace);
  fs.writeFileSync(
    path.join(workspace, 'server.js'),
    "const app = require('express')();\napp.get('/orders', (req, res) => res.json([]));\napp.listen(3000);\n",
  );

  server = await startCodeServer({ locale: { language: LANGUAGE, coreTranslations } });
  browser = await launchChromium();
  page = await openWorkbench(browser, server, workspace, extension);
});

afterEach((t) => endOfTest(page, 'l10n', t.name));

after(async () => {
  await browser?.close();
  server?.stop();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

test("the workbench is served in the pseudo locale, VS Code's own strings in English", {
  timeout: 120_000,
}, async () => {
  // The language VS Code's server served the workbench in (its language pack's messages say it).
  const language = await page.evaluate(
    () => (globalThis as { _VSCODE_NLS_LANGUAGE?: string })._VSCODE_NLS_LANGUAGE,
  );
  assert.equal(language, LANGUAGE);
  // The empty language pack leaves VS Code's own strings English: the pseudo text in the tests
  // below can only come from Hotpath's own files.
  await page.keyboard.press('F1');
  await quickInputBox(page).fill('>Developer: Reload Window');
  await page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row', {
      hasText: 'Developer: Reload Window',
    })
    .first()
    .waitFor({ timeout: 30_000 });
  await quickInputBox(page).press('Escape');
});

test('a route gets its "▶ Profile" lens in pseudo text', { timeout: 120_000 }, async () => {
  await page.keyboard.press('Control+P');
  await pick(page, undefined, 'server.js', /server\.js/);
  const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: '/orders' });
  await lens.first().waitFor({ timeout: 60_000 });
  assert.equal(
    (await lens.first().textContent())?.trim(),
    `▶ ${pseudo('Profile {0} {1}', 'GET', '/orders')}`,
  );
});

test("the palette lists Hotpath's commands by their pseudo titles; their quick picks follow", {
  timeout: 180_000,
}, async () => {
  await paletteCommand(page, paletteTitle('profileEndpoint'));
  const widget = page.locator('.quick-input-widget');
  await widget
    .locator('.quick-input-title', { hasText: pseudo('Hotpath: what to profile') })
    .waitFor({ timeout: 30_000 });
  const rows = await widget.locator('.quick-input-list .monaco-list-row').allTextContents();
  assert.ok(
    rows.some((row) => row.includes(pseudo('Sample service'))),
    `a row of the target pick reads "${pseudo('Sample service')}": ${rows.join(' | ')}`,
  );
  // Left open for the screenshot; afterEach closes it.
});

test('a message of the extension, and its buttons, in pseudo text', {
  timeout: 180_000,
}, async () => {
  await paletteCommand(page, paletteTitle('startSampleService'));
  // "Hotpath: the sample service answers at {0}.": the words before and after the URL.
  const [head, tail] = pseudo('Hotpath: the sample service answers at {0}.').split('{0}');
  const message = page.locator('.notification-list-item-message', { hasText: head }).last();
  await message.waitFor({ timeout: 60_000 });
  const text = (await message.textContent()) ?? '';
  const url = text.slice(head.length, text.length - tail.length);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, `the message: ${text}`);
  const item = page.locator('.notification-list-item', { has: message });
  await item
    .locator('.monaco-button', { hasText: pseudo('Copy URL') })
    .waitFor({ timeout: 10_000 });

  // The sample service stops by its command's pseudo title too: nothing is left running.
  await paletteCommand(page, paletteTitle('stopService'));
  const port = Number(new URL(url).port);
  const deadline = Date.now() + 30_000;
  while (await answers(port)) {
    assert.ok(Date.now() < deadline, `the sample service still answers on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

/** Whether something accepts connections on a loopback port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
