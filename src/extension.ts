/**
 * The VS Code side of Hotpath: `activate` builds the one context (src/commands/context.ts) and
 * registers the commands, each a factory `(ctx) => command` in one flat list, and the providers.
 * The commands and views live by feature in src/commands/ and src/views/; the engine
 * (src/runner/) and the analysis (src/profile/) know nothing of VS Code.
 */
import * as vscode from 'vscode';
import { compareRampSteps, compareWith, compareWithPrevious } from './commands/compare';
import { type Cmd, Ctx } from './commands/context';
import { cancelRun, profileEndpoint } from './commands/profileEndpoint';
import { profileLocustfile, profileSampleWithLocust } from './commands/profileLocustfile';
import {
  clearResults,
  openProfile,
  openRun,
  showFlamegraph,
  toggleHotLines,
} from './commands/results';
import { openSampleSource, startSampleService, stopService } from './commands/service';
import { type HotpathApi, testApi } from './commands/testApi';
import { ProfileEditorProvider } from './views/profileEditor';
import { ROUTE_LANGUAGES } from './views/routeLens';

export type { ProfileRequest } from './commands/profileEndpoint';
export type { HotpathApi } from './commands/testApi';

/** Every command of package.json's `contributes.commands`, by id. */
const COMMANDS: Record<string, (ctx: Ctx) => Cmd> = {
  'hotpath.profileEndpoint': profileEndpoint,
  'hotpath.cancelRun': cancelRun,
  'hotpath.showFlamegraph': showFlamegraph,
  'hotpath.toggleHotLines': toggleHotLines,
  'hotpath.openProfile': openProfile,
  'hotpath.openRun': openRun,
  'hotpath.compareWithPrevious': compareWithPrevious,
  'hotpath.compareWith': compareWith,
  'hotpath.compareRampSteps': compareRampSteps,
  'hotpath.clearResults': clearResults,
  'hotpath.startSampleService': startSampleService,
  'hotpath.stopService': stopService,
  'hotpath.openSampleSource': openSampleSource,
  'hotpath.profileLocustfile': profileLocustfile,
  'hotpath.profileSampleWithLocust': profileSampleWithLocust,
};

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): HotpathApi {
  const owner = new Ctx(context);
  ctx = owner;
  context.subscriptions.push(owner);
  for (const [id, factory] of Object.entries(COMMANDS)) {
    const run = factory(owner) as (...args: unknown[]) => unknown;
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        // Commands never throw: an error is a message with "Show Log".
        try {
          return await run(...args);
        } catch (error) {
          owner.reportError(error);
          return undefined;
        }
      }),
    );
  }
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider({ scheme: 'file' }, owner.lenses),
    vscode.languages.registerCodeLensProvider(
      ROUTE_LANGUAGES.map((language) => ({ scheme: 'file', language })),
      owner.routeLenses,
    ),
    vscode.languages.registerCodeLensProvider(
      { scheme: 'file', language: 'python' },
      owner.locustLenses,
    ),
    vscode.window.registerCustomEditorProvider(
      ProfileEditorProvider.viewType,
      owner.profileEditor,
      {
        webviewOptions: { retainContextWhenHidden: true },
      },
    ),
  );
  // The results shown before a reload come back once read in the worker; activation goes on.
  void owner.restore();
  return testApi(owner);
}

export async function deactivate(): Promise<void> {
  await ctx?.stopAll();
  ctx = undefined;
}
