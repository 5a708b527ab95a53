/**
 * The extension-host half of `bench/editorRun.ts`: runs inside a real VS Code (code-server) as
 * its "extension tests". Profiles each endpoint of the plan `runs` times through "Hotpath:
 * Profile Endpoint" (the preset given, as the palette's pick would), waits for the report panel
 * to say it drew the run, and writes each run's stage marks: the runner's (run.json's timings,
 * the load's start and end) and the editor's (the test API's `lastRunMarks`, the panel's
 * `drawnAt`). Talks to the driver through $HOTPATH_BENCH_DIR.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const dir = process.env.HOTPATH_BENCH_DIR as string;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PlannedService {
  name: string;
  path: string;
  preset: string;
  /** A user's service: the command that starts it (given its port as $PORT) and its folder. */
  command?: string;
  runs: number;
}

export interface RunMarks {
  service: string;
  status: string;
  askedAt: number;
  targetReadyAt: number;
  captureStartedAt: number;
  loadStartedAt: number;
  loadEndedAt: number;
  captureStoppedAt: number;
  runEndedAt: number;
  analysedAt: number;
  sentAt: number;
  drawnAt: number;
  drainedMs: number;
  p50Ms: number;
}

interface Api {
  lastRunMarks?():
    | { askedAt: number; runEndedAt?: number; analysedAt?: number; sentAt?: number }
    | undefined;
  panelShown(): { drawnAt?: number } | undefined;
}

interface Completed {
  record: {
    status: string;
    timings: Record<string, string | undefined>;
    load?: { startedAt?: string; finishedAt?: string; latencyMs: { p50: number } };
    warmup?: { drainedMs?: number };
    error?: { message: string };
  };
}

const at = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function run(): Promise<void> {
  const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')) as {
    services: PlannedService[];
  };
  const extension = vscode.extensions.getExtension('hotpath.hotpath');
  if (!extension) throw new Error('the Hotpath extension is not installed');
  const api = (await extension.activate()) as Api;
  const settings = vscode.workspace.getConfiguration('hotpath');
  const results: RunMarks[] = [];
  await sleep(2000); // the workbench settles
  for (const service of plan.services) {
    for (let i = 0; i < service.runs; i++) {
      let target: 'sample' | 'service' = 'sample';
      if (service.command) {
        const port = await freePort();
        await settings.update(
          'service.command',
          service.command.replace('$PORT', String(port)),
          vscode.ConfigurationTarget.Global,
        );
        await settings.update(
          'service.url',
          `http://127.0.0.1:${port}`,
          vscode.ConfigurationTarget.Global,
        );
        target = 'service';
      }
      // Taken here too: a build before the test API's marks (the "before" of a change) has none.
      const asked = Date.now();
      const completed = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
        target,
        path: service.path,
        preset: service.preset,
      })) as Completed | undefined;
      if (!completed) throw new Error(`${service.name}: the command returned no run`);
      const { record } = completed;
      if (record.status !== 'done')
        throw new Error(`${service.name}: the run ${record.status}: ${record.error?.message}`);
      const marks = api.lastRunMarks?.();
      // The panel forgets what it drew when it is sent a report: drawn once it says so again.
      const until = Date.now() + 60_000;
      let shown = api.panelShown();
      while (!shown || (marks?.sentAt !== undefined && (shown.drawnAt ?? 0) < marks.sentAt)) {
        if (Date.now() > until) throw new Error(`${service.name}: the panel never drew the run`);
        await sleep(5);
        shown = api.panelShown();
      }
      const drawnAt = shown.drawnAt ?? Date.now();
      results.push({
        service: service.name,
        status: record.status,
        askedAt: marks?.askedAt ?? asked,
        targetReadyAt: at(record.timings.targetReadyAt),
        captureStartedAt: at(record.timings.captureStartedAt),
        loadStartedAt: at(record.load?.startedAt),
        loadEndedAt: at(record.load?.finishedAt),
        captureStoppedAt: at(record.timings.captureStoppedAt),
        runEndedAt: marks?.runEndedAt ?? Number.NaN,
        analysedAt: marks?.analysedAt ?? Number.NaN,
        sentAt: marks?.sentAt ?? Number.NaN,
        drawnAt,
        drainedMs: record.warmup?.drainedMs ?? 0,
        p50Ms: record.load?.latencyMs.p50 ?? Number.NaN,
      });
      fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results));
      await sleep(1500); // the run's notification, the service's exit: settled before the next
    }
  }
  await settings.update('service.command', undefined, vscode.ConfigurationTarget.Global);
  await settings.update('service.url', undefined, vscode.ConfigurationTarget.Global);
}
