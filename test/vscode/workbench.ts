/**
 * The workbench of a real VS Code (code-server in headless Chromium) driven as a user drives it:
 * the command palette and quick inputs, by what they show. Shared by the e2e files that drive it.
 */
import type { Browser, Page } from 'playwright-core';
import { testOutput } from '../browser';
import type { CodeServer } from './codeServer';

/**
 * A page of the workbench on `workspace`, with `extension` as the extension under development,
 * once it has drawn its status bar; the keyboard in the editor area.
 */
export async function openWorkbench(
  browser: Browser,
  server: CodeServer,
  workspace: string,
  extension: string,
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(
    server.workbenchUrl(workspace, [['extensionDevelopmentPath', server.remote(extension)]]),
  );
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
  await page.locator('.monaco-workbench').click({ position: { x: 800, y: 500 } });
  return page;
}

/**
 * After each test: what the workbench showed, as `.test-output/<prefix>-<test>.png` (to look at
 * when one fails), and Escape, so that a quick input a failed test left open does not take the
 * next test's keys.
 */
export async function endOfTest(page: Page | undefined, prefix: string, test: string) {
  const name = test.replace(/[^\w]+/g, '-').slice(0, 60);
  await page?.screenshot({ path: testOutput(`${prefix}-${name}.png`) }).catch(() => undefined);
  await page?.keyboard.press('Escape').catch(() => undefined);
}

/**
 * The quick input's box. Text goes into it (`fill`, `press` on the element), never to whatever
 * has the focus: keys that miss a closing quick input would land in the sample's source, which
 * is this repository's own file.
 */
export function quickInputBox(page: Page) {
  return page.locator('.quick-input-widget .quick-input-box input');
}

/** Picks the quick-input entry that `text` filters to, once the quick input has `title`. */
export async function pick(
  page: Page,
  title: RegExp | undefined,
  text: string,
  expect: RegExp,
): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await (title
    ? widget.locator('.quick-input-title', { hasText: title })
    : quickInputBox(page)
  ).waitFor({ timeout: 30_000 });
  await quickInputBox(page).fill(text);
  // A click on the row, not Enter: a key sent as the quick input closes would reach the editor.
  await widget
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: expect })
    .click({ timeout: 10_000 });
}

/**
 * Picks `command` in the command palette once the palette lists it: the workbench may not take
 * F1 yet, and the extension's commands are listed only once the extension host has read them.
 */
export async function paletteCommand(page: Page, command: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const row = widget.locator('.quick-input-list .monaco-list-row.focused', { hasText: command });
  const deadline = Date.now() + 90_000;
  for (;;) {
    await page.keyboard.press('F1');
    try {
      await quickInputBox(page).fill(`>${command}`, { timeout: 2_000 });
      await row.click({ timeout: 5_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await page.keyboard.press('Escape');
    }
  }
}
