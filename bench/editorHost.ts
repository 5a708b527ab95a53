/**
 * The extension-host half of `bench/editor.ts`: runs inside a real VS Code (code-server) as its
 * "extension tests". Opens each profile of the plan in Hotpath's profile editor, times open →
 * drawn (the page's own "shown" answer), watches the extension host's event loop for blocks,
 * hands over to the driver (which measures the renderer and the interactions), then closes the
 * editor and reports the memory left. Talks to the driver through files in $HOTPATH_BENCH_DIR.
 */
import * as fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';

const dir = process.env.HOTPATH_BENCH_DIR as string;
/** With --profile-host, the driver names a folder: each open's CPU profile of this host goes there. */
const profiles = process.env.HOTPATH_BENCH_HOST_PROFILES;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(file: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > until) throw new Error(`the driver never wrote ${file}`);
    await sleep(50);
  }
}

export async function run(): Promise<void> {
  const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')) as {
    files: string[];
  };
  fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ pid: process.pid }));
  const extension = vscode.extensions.getExtension('hotpath.hotpath');
  if (!extension) throw new Error('the Hotpath extension is not installed');
  const api = (await extension.activate()) as {
    profileEditorShown(
      uri: vscode.Uri,
    ):
      | { title: string; frames: number; readyMs: number; reportMs: number; drawMs: number }
      | undefined;
  };
  await waitFor(path.join(dir, 'go'), 120_000);
  for (let i = 0; i < plan.files.length; i++) {
    const uri = vscode.Uri.file(plan.files[i]);
    await sleep(1000);
    const before = process.memoryUsage().rss;
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const session = profiles ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    const started = performance.now();
    await vscode.commands.executeCommand('vscode.openWith', uri, 'hotpath.profile');
    let shown = api.profileEditorShown(uri);
    while (!shown) {
      if (performance.now() - started > 600_000) throw new Error(`${uri.fsPath} never drew`);
      await sleep(5);
      shown = api.profileEditorShown(uri);
    }
    const openMs = performance.now() - started;
    delay.disable();
    if (session && profiles) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const name = path.basename(uri.fsPath, '.cpuprofile');
      fs.writeFileSync(path.join(profiles, `host-${name}.cpuprofile`), JSON.stringify(profile));
    }
    fs.writeFileSync(
      path.join(dir, `drawn-${i}.json`),
      JSON.stringify({
        openMs,
        frames: shown.frames,
        readyMs: shown.readyMs,
        reportMs: shown.reportMs,
        drawMs: shown.drawMs,
        rssBeforeBytes: before,
        longestBlockMs: delay.max / 1e6,
      }),
    );
    await waitFor(path.join(dir, `measured-${i}`), 600_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await sleep(3000);
    fs.writeFileSync(
      path.join(dir, `closed-${i}.json`),
      JSON.stringify({ rssAfterCloseBytes: process.memoryUsage().rss }),
    );
    await waitFor(path.join(dir, `next-${i}`), 600_000);
  }
}
