/**
 * The editor for profiles (`.cpuprofile`, a pprof `.pb.gz`, a Chrome trace `.json` through
 * "Open With…"; src/profile/formats/ tells them apart by their bytes): the report (diagnosis, flamegraph, hot functions and lines)
 * in the editor itself, and the profile's hot lines and lenses on the sources it maps to. A
 * `.heapprofile` shows the allocation view (the bytes by allocating stack, the allocating
 * functions; no timeline) and leaves the lenses and hot lines as they are. A malformed profile
 * shows its error in the editor and in a message; nothing throws.
 */
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { PackedReport } from '../protocol/webview';
import { HotpathError, isCancelled, messageOf } from '../vocabulary/errors';
import { forSurface } from '../vocabulary/words';
import { openSource } from './flamegraphPanel';
import { ReportWebview, type Shown } from './reportWebview';

export interface ProfileEditorHost {
  /**
   * Reads and analyses the profile off the extension host's thread (`thread`: that thread of a
   * profile of several alone), then applies it (lenses, hot lines); rejects with a clear message,
   * or as cancelled once `signal` fires.
   */
  open(file: string, signal: AbortSignal, thread?: string): Promise<PackedReport>;
  /** Tells the user (a message with "Show Log"). */
  reportError(error: unknown): void;
  /** Writes a line in the log, quietly (a source that cannot be opened). */
  log?(message: string): void;
}

export class ProfileEditorProvider implements vscode.CustomReadonlyEditorProvider {
  static readonly viewType = 'hotpath.profile';
  readonly #pages = new Map<string, ReportWebview>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: ProfileEditorHost,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => {} };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const key = document.uri.toString();
    const page = new ReportWebview(panel.webview, this.extensionUri, openSource, (message) =>
      this.host.log?.(message),
    );
    this.#pages.set(key, page);
    // One read at a time: closing the editor, or choosing another thread, stops the one going on
    // and nothing of it is applied.
    let reading = new AbortController();
    let readingThread: string | undefined;
    panel.onDidDispose(() => {
      reading.abort();
      page.dispose();
      if (this.#pages.get(key) === page) this.#pages.delete(key);
    });
    const file = document.uri.fsPath;
    const read = (thread: string | undefined) => {
      reading.abort();
      const current = new AbortController();
      reading = current;
      readingThread = thread;
      this.host.open(file, current.signal, thread).then(
        (report) => {
          // Its own turn of the event loop: taking the analysis in and sending the report are
          // each tens of ms on a large profile; typing gets in between.
          setImmediate(() => {
            if (!current.signal.aborted) page.show(report);
          });
        },
        (error: unknown) => {
          if (isCancelled(error) || current.signal.aborted) return;
          page.post({
            type: 'error',
            // Hotpath's own errors in the editor's words: an option by its setting, not its flag.
            message: error instanceof HotpathError ? forSurface(error, 'editor') : messageOf(error),
          });
          this.host.reportError(error);
        },
      );
    };
    // A thread chosen in the page (or kept by it across a reload): that thread alone, read again
    // in the worker; the report of it still lists every thread, and "all threads" goes back.
    page.onThread = (thread) => {
      if (thread !== readingThread) read(thread);
    };
    // The editor opens at once; the report follows when the worker has read the profile.
    page.post({ type: 'reading', what: path.basename(file) });
    read(undefined);
  }

  /** What the editor of `uri` last drew (for tests). */
  shown(uri: vscode.Uri): Shown | undefined {
    return this.#pages.get(uri.toString())?.shown;
  }

  /**
   * Picks `thread` (undefined: all threads) in the page of the editor of `uri`, as a user would
   * (for tests): the page asks for it as on a user's choice; false when no such editor is open.
   */
  chooseThread(uri: vscode.Uri, thread: string | undefined): boolean {
    const page = this.#pages.get(uri.toString());
    page?.post({ type: 'chooseThread', ...(thread === undefined ? {} : { thread }) });
    return page !== undefined;
  }
}
