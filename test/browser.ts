/** Headless Chromium from Debian's package, driven by playwright-core (never a downloaded browser). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

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
