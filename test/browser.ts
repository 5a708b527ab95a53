/** Headless Chromium from Debian's package, driven by playwright-core (never a downloaded browser). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Browser, chromium, type Frame, type Page } from 'playwright-core';

export const CHROMIUM = process.env.HOTPATH_CHROMIUM ?? '/usr/bin/chromium';

/** playwright-core gives each launch a fresh temporary profile of its own. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Where tests leave what a person should look at (screenshots): `.test-output/` at the root. */
export function testOutput(name: string): string {
  const dir = path.resolve(__dirname, '..', '.test-output');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/**
 * The words of the report that a narrow panel broke inside: for every text node, each run of
 * letters and digits whose characters lie on more than one line (a path may break at its `/`, a
 * URL's query at `?`, `&` and `=`, an id after its hyphens, a sentence between words). And
 * whether anything is wider than the view.
 */
export async function brokenWords(
  page: Page | Frame,
): Promise<{ broken: string[]; overflow: number }> {
  // A string: functions compiled by tsx carry helpers the page does not have.
  return page.evaluate(`(() => {
    const broken = [];
    const walker = document.createTreeWalker(document.getElementById('report'), NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest('canvas, .hotpath-flame-status, [hidden]')) continue;
      if (getComputedStyle(parent).display === 'none') continue;
      for (const match of node.textContent.matchAll(/[^\\s/·,?&=-]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
    return { broken, overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth };
  })()`);
}
