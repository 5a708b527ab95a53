/** The sample service's commands: start it by hand, stop it (and any run), open its source. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULTS } from '../runner/options';
import { startSampleService as start } from '../runner/target';
import type { Ctx } from './context';

export function startSampleService(ctx: Ctx) {
  return async (): Promise<string | undefined> => {
    if (!ctx.service) {
      const service = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Window,
          title: vscode.l10n.t('Hotpath: starting the sample service'),
        },
        () =>
          start({
            nodePath: ctx.config.nodePath ?? process.execPath,
            readyTimeoutSec: DEFAULTS.readyTimeoutSec,
          }),
      );
      ctx.service = service;
      void service.exited.then(() => {
        if (ctx.service !== service) return;
        ctx.service = undefined;
        void vscode.commands.executeCommand('setContext', 'hotpath.serviceRunning', false);
      });
      void vscode.commands.executeCommand('setContext', 'hotpath.serviceRunning', true);
      ctx.output.info(`sample service: ${service.url} (pid ${service.pid})`);
    }
    const url = ctx.service.url;
    const copy = vscode.l10n.t('Copy URL');
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t('Hotpath: the sample service answers at {0}.', url),
        vscode.l10n.t('Open {0}', '/hello'),
        copy,
      )
      .then((picked) => {
        if (picked === copy) void vscode.env.clipboard.writeText(url);
        else if (picked) void vscode.env.openExternal(vscode.Uri.parse(`${url}/hello`));
      });
    return url;
  };
}

/** "Stop Service": cancels the run going on and stops the sample service started by hand. */
export function stopService(ctx: Ctx) {
  return async (): Promise<void> => {
    const service = ctx.service;
    ctx.service = undefined;
    const [cancelled] = await Promise.all([ctx.stopRun(), service?.stop()]);
    if (service) void vscode.commands.executeCommand('setContext', 'hotpath.serviceRunning', false);
    if (!cancelled && !service)
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Hotpath: no run or service is going.'),
      );
  };
}

export function openSampleSource(ctx: Ctx) {
  return async (): Promise<void> => {
    const file = path.join(ctx.sampleSourceFolder, 'handlers.ts');
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  };
}
