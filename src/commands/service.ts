/** The sample service's commands: start it by hand, stop it (and any run), open its source. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from './context';

export function startSampleService(ctx: Ctx) {
  return async (): Promise<string | undefined> => {
    const { url } = await ctx.sample.start();
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
    const service = ctx.sample.current;
    const [cancelled, stopped] = await Promise.all([ctx.stopRun(), ctx.sample.stop()]);
    if (!cancelled && !stopped)
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Hotpath: no run or service is going.'),
      );
    // The run's own end says it was cancelled; the service started by hand is said here.
    else if (stopped)
      ctx.tellNote(
        service
          ? vscode.l10n.t('Hotpath: the sample service at {0} is stopped.', service.url)
          : vscode.l10n.t('Hotpath: the sample service is stopped.'),
      );
  };
}

export function openSampleSource(ctx: Ctx) {
  return async (): Promise<void> => {
    const file = path.join(ctx.sampleSourceFolder, 'handlers.ts');
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  };
}
