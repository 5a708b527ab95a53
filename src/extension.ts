/**
 * The VS Code side of Hotpath. For now one command, "Hotpath: Profile Endpoint", which runs the
 * engine on the bundled sample service and reports the run; the views (CodeLens, hot lines,
 * flamegraph) come on top of this.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatHeader, formatProgress, formatRun } from './cliFormat';
import { messageOf } from './runner/errors';
import { DEFAULTS, PRESETS, resolveRunOptions } from './runner/options';
import { RUN_FILE, runProfile } from './runner/run';
import { SAMPLE_ROUTES } from './sampleService/routes';

/** Owns what lives as long as the extension: the output channel and the run going on. */
class Hotpath implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Hotpath');
  #running: { controller: AbortController; done: Promise<unknown> } | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {}

  async profileEndpoint(): Promise<void> {
    if (this.#running) {
      void vscode.window.showInformationMessage(
        'Hotpath: a run is going already; cancel it or wait for it.',
      );
      return;
    }
    const route = await vscode.window.showQuickPick(
      SAMPLE_ROUTES.filter((r) => r.method === 'GET' && r.path !== '/hello').map((r) => ({
        label: `${r.method} ${r.path}`,
        description: r.what,
        route: r,
      })),
      { title: 'Hotpath: endpoint of the sample service to profile' },
    );
    if (!route) return;
    const preset = await vscode.window.showQuickPick(
      [...PRESETS]
        .sort((a, b) => Number(b.name === DEFAULTS.preset) - Number(a.name === DEFAULTS.preset))
        .map((p) => ({ label: p.name, description: p.description })),
      { title: 'Hotpath: load' },
    );
    if (!preset) return;

    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const outDir = folder
      ? path.join(folder, DEFAULTS.outDir)
      : path.join(this.context.globalStorageUri.fsPath, 'runs');
    const options = resolveRunOptions(
      { path: route.route.path, preset: preset.label, outDir },
      folder,
    );
    const controller = new AbortController();
    const done = Promise.resolve(
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Hotpath: ${route.label}`,
          cancellable: true,
        },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          const result = await runProfile(options, {
            signal: controller.signal,
            onStage: (stage, record) => {
              if (stage === 'starting') this.output.appendLine(formatHeader(record));
              progress.report({ message: stage.replace('-', ' ') });
            },
            onProgress: (p) => progress.report({ message: formatProgress(p).trim() }),
          });
          return result;
        },
      ),
    );
    this.#running = { controller, done };
    try {
      const { folder: runFolder, record } = await done;
      this.output.appendLine(formatRun(record, runFolder, folder));
      const open = 'Open run.json';
      const headline =
        record.status === 'done' && record.load
          ? `${route.label}: ${record.load.requestsPerSec.toFixed(1)} req/s, p99 ${Math.round(record.load.latencyMs.p99)} ms.`
          : `${route.label}: the run ${record.status === 'cancelled' ? 'was cancelled' : `failed: ${record.error?.message}`}.`;
      const show =
        record.status === 'failed'
          ? vscode.window.showErrorMessage
          : vscode.window.showInformationMessage;
      const picked = await show(headline, open, 'Show output');
      if (picked === open)
        await vscode.window.showTextDocument(vscode.Uri.file(path.join(runFolder, RUN_FILE)));
      else if (picked) this.output.show(true);
    } catch (error) {
      void vscode.window.showErrorMessage(`Hotpath: ${messageOf(error)}`);
    } finally {
      this.#running = undefined;
    }
  }

  /** Cancels the run going on and waits until its processes have ended. */
  async stop(): Promise<void> {
    const running = this.#running;
    running?.controller.abort();
    await running?.done.then(
      () => undefined,
      () => undefined,
    );
  }

  dispose(): void {
    this.output.dispose();
  }
}

let hotpath: Hotpath | undefined;

export function activate(context: vscode.ExtensionContext): void {
  hotpath = new Hotpath(context);
  const owner = hotpath;
  context.subscriptions.push(
    owner,
    vscode.commands.registerCommand('hotpath.profileEndpoint', () => owner.profileEndpoint()),
  );
}

export async function deactivate(): Promise<void> {
  await hotpath?.stop();
  hotpath = undefined;
}
