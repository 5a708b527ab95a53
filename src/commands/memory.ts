/**
 * What the extension keeps per workspace across window reloads (VS Code's workspaceState): what
 * the lenses and heat showed, the last two runs taken (what "Compare With Previous Run"
 * compares) and the last target picked. Paths only: runs are read back from their folders.
 */
import type * as vscode from 'vscode';

/** Where the load goes: a fresh sample service, the user's service command, or a running URL. */
export type TargetKind = 'sample' | 'service' | 'url';

const KEYS = {
  shown: 'hotpath.shown',
  runs: 'hotpath.runs',
  target: 'hotpath.target',
  url: 'hotpath.url',
} as const;

const TARGETS: readonly TargetKind[] = ['sample', 'service', 'url'];

export class WorkspaceMemory {
  constructor(private readonly memento: vscode.Memento) {}

  /** The run folder or .cpuprofile whose results (lenses, heat) were shown last. */
  get shown(): string | undefined {
    const value = this.memento.get<unknown>(KEYS.shown);
    return typeof value === 'string' ? value : undefined;
  }

  set shown(target: string | undefined) {
    void this.memento.update(KEYS.shown, target);
  }

  /** The folders of the last two runs taken, oldest first. */
  get runs(): string[] {
    const value = this.memento.get<unknown>(KEYS.runs);
    return Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string').slice(-2)
      : [];
  }

  set runs(folders: string[]) {
    void this.memento.update(KEYS.runs, folders.slice(-2));
  }

  /** The target picked last, offered first. */
  get target(): TargetKind {
    const value = this.memento.get<unknown>(KEYS.target);
    return TARGETS.find((t) => t === value) ?? 'sample';
  }

  set target(kind: TargetKind) {
    void this.memento.update(KEYS.target, kind);
  }

  /** The URL of the service already running that was typed last. */
  get url(): string {
    const value = this.memento.get<unknown>(KEYS.url);
    return typeof value === 'string' && value ? value : 'http://127.0.0.1:3000';
  }

  set url(url: string) {
    void this.memento.update(KEYS.url, url);
  }
}
