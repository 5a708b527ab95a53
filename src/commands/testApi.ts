/**
 * What the extension offers other extensions and its tests: read-only views of its state that
 * the VS Code API does not show (decorations drawn, what a webview drew, pids, the last error);
 * and one thing done as a user does it in a webview, which tests cannot reach: a thread chosen in
 * a profile editor's page.
 */
import type * as vscode from 'vscode';
import type { Shown } from '../views/reportWebview';
import type { Ctx, EditorMarks } from './context';

export interface HotpathApi {
  /** The hot-line decorations a document gets now, counted by heat level (coolest first). */
  hotLineLevels(document: vscode.TextDocument): number[];
  /** What the last refresh of hot lines drew, by visible editor (heat and lock-wait marks). */
  hotLinesDrawn(): { file: string; decorations: number; waits: number }[];
  /** The 0-based lines of a document that get a lock-wait mark now. */
  waitLineNumbers(document: vscode.TextDocument): number[];
  /** The 0-based lines of a document that get heat now. */
  hotLineNumbers(document: vscode.TextDocument): number[];
  /** The hovers of a document's hot lines: their markdown and whether it may run or hold HTML. */
  hotLineHovers(
    document: vscode.TextDocument,
  ): { value: string; isTrusted: boolean; supportHtml: boolean }[];
  /** What the report panel last drew, as its page reported it. */
  panelShown(): Shown | undefined;
  /** What the .cpuprofile editor of `uri` last drew. */
  profileEditorShown(uri: vscode.Uri): Shown | undefined;
  /**
   * Picks a thread (undefined: all threads) in the page of the profile editor of `uri`, through
   * the page's own choice, as a user would; false when no such editor is open.
   */
  profileEditorChooseThread(uri: vscode.Uri, thread: string | undefined): boolean;
  /** The pids of the processes of the run going on. */
  runningPids(): number[];
  /** The stage of the run going on ('warming-up', 'profiling'…), if one is. */
  runningStage(): string | undefined;
  /** The pid of the sample service started by "Start Sample Service", if it runs. */
  servicePid(): number | undefined;
  /** The last error message shown to the user. */
  lastError(): string | undefined;
  /** The message the last run ended with, and how it was shown (a note, a warning, an error). */
  lastRunMessage(): { text: string; severity: 'info' | 'warning' | 'error' } | undefined;
  /** The buttons the last error was offered with besides Show Log. */
  lastErrorActions(): string[];
  /** The last note told (a comparison's headline, a service stopped). */
  lastNote(): string | undefined;
  /** How many profiles are being read in worker threads now. */
  readsInProgress(): number;
  /** The profile whose results (lenses, hot lines) are applied now. */
  currentProfile(): string | undefined;
  /** When the editor's stages of the last run were reached (epoch ms); the runner's are in run.json. */
  lastRunMarks(): EditorMarks | undefined;
}

export function testApi(ctx: Ctx): HotpathApi {
  // What the user was told, as the context tells it: the tests' record of it is kept here.
  let lastError: string | undefined;
  let lastRunMessage: { text: string; severity: 'info' | 'warning' | 'error' } | undefined;
  let lastNote: string | undefined;
  let lastErrorActions: string[] = [];
  // The run going on, as its events tell it: its processes and the stage it has reached.
  let runningPids: number[] = [];
  let runningStage: string | undefined;
  ctx.extension.subscriptions.push(
    ctx.onDidRunEvent((event) => {
      if (event.type === 'started' || event.type === 'released') {
        runningPids = [];
        runningStage = undefined;
      } else if (event.type === 'stage') {
        runningStage = event.stage;
        const { pid, profiledPid } = event.record.target;
        for (const p of [pid, profiledPid])
          if (p !== undefined && !runningPids.includes(p)) runningPids.push(p);
      }
    }),
    ctx.onDidTell((told) => {
      if (told.kind === 'run') lastRunMessage = { text: told.text, severity: told.severity };
      if (told.kind === 'note') lastNote = told.text;
      if (told.kind === 'error') lastError = told.text;
      else if (told.error !== undefined) lastError = told.error;
      if (told.kind === 'error' || told.error !== undefined) lastErrorActions = told.actions ?? [];
    }),
  );
  return {
    hotLineLevels: (document) => ctx.hotLines.decorationsFor(document).map((level) => level.length),
    hotLinesDrawn: () => ctx.hotLines.lastRefresh,
    hotLineHovers: (document) =>
      ctx.hotLines
        .decorationsFor(document)
        .flat()
        .map((d) => d.hoverMessage as vscode.MarkdownString)
        .map((m) => ({
          value: m.value,
          isTrusted: m.isTrusted === true,
          supportHtml: m.supportHtml === true,
        })),
    hotLineNumbers: (document) =>
      ctx.hotLines
        .decorationsFor(document)
        .flat()
        .map((d) => d.range.start.line)
        .sort((a, b) => a - b),
    waitLineNumbers: (document) =>
      ctx.hotLines.waitDecorationsFor(document).map((d) => d.range.start.line),
    panelShown: () => ctx.flamegraph.shown,
    profileEditorShown: (uri) => ctx.profileEditor.shown(uri),
    profileEditorChooseThread: (uri, thread) => ctx.profileEditor.chooseThread(uri, thread),
    runningPids: () => [...runningPids],
    runningStage: () => runningStage,
    servicePid: () => ctx.sample.current?.pid,
    lastError: () => lastError,
    lastRunMessage: () => lastRunMessage,
    lastNote: () => lastNote,
    lastErrorActions: () => [...lastErrorActions],
    readsInProgress: () => ctx.readsInProgress,
    currentProfile: () => ctx.results.current?.profileFile,
    lastRunMarks: () => (ctx.marks ? { ...ctx.marks } : undefined),
  };
}
