/** The `hotpath` settings. */
import * as vscode from 'vscode';
import { checkPresets, DEFAULTS, type LoadPreset } from '../runner/options';

export interface ConfiguredEndpoint {
  method: string;
  path: string;
  body?: string;
}

/** What a change of the settings asks to be redrawn; the rest is read when next used. */
export interface ConfigChange {
  hotLines: boolean;
  codeLens: boolean;
  routeLens: boolean;
}

/**
 * The settings, read through one typed object, and the one handler of their changes: it tells
 * each view only the changes that concern it.
 */
export class Config implements vscode.Disposable {
  readonly #changed = new vscode.EventEmitter<ConfigChange>();
  readonly onDidChange = this.#changed.event;
  readonly #subscription = vscode.workspace.onDidChangeConfiguration((event) => {
    const affects = (setting: string) => event.affectsConfiguration(`hotpath.${setting}`);
    const change: ConfigChange = {
      hotLines: affects('showHotLines') || affects('hotLineThreshold'),
      codeLens: affects('showCodeLens'),
      routeLens: affects('showRouteCodeLens'),
    };
    if (change.hotLines || change.codeLens || change.routeLens) this.#changed.fire(change);
  });

  private get section() {
    return vscode.workspace.getConfiguration('hotpath');
  }

  /** The user's presets, checked; a bad one is reported once per read and left out. */
  get presets(): LoadPreset[] {
    try {
      return checkPresets(this.section.get('presets'));
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Hotpath settings: ${error instanceof Error ? error.message : String(error)}`,
      );
      return [];
    }
  }

  get defaultPreset(): string {
    return this.section.get<string>('defaultPreset') || DEFAULTS.preset;
  }

  get samplingIntervalUs(): number {
    return this.section.get<number>('samplingInterval') ?? DEFAULTS.samplingIntervalUs;
  }

  /** Loads per run (1–20): more give comparisons an interval that takes load-to-load variation in. */
  get repeat(): number {
    return this.section.get<number>('repeat') ?? 1;
  }

  get outputFolder(): string {
    return this.section.get<string>('outputFolder') || DEFAULTS.outDir;
  }

  /** The `node` for the sample service and the load; empty: the editor's own Node runtime. */
  get nodePath(): string | undefined {
    return this.section.get<string>('nodePath') || undefined;
  }

  /** The command that starts the user's service, and where it answers; undefined when unset. */
  get service(): { command: string; url: string } | undefined {
    const command = this.section.get<string>('service.command')?.trim();
    if (!command) return undefined;
    return { command, url: this.section.get<string>('service.url') || 'http://127.0.0.1:3000' };
  }

  /** The user's endpoints for the endpoint pick; malformed entries are left out. */
  get endpoints(): ConfiguredEndpoint[] {
    const raw = this.section.get<unknown>('endpoints');
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((e): ConfiguredEndpoint[] => {
      if (typeof e !== 'object' || e === null) return [];
      const { method, path, body } = e as Record<string, unknown>;
      if (typeof path !== 'string' || !path.startsWith('/')) return [];
      return [
        {
          method: typeof method === 'string' ? method.toUpperCase() : 'GET',
          path,
          ...(typeof body === 'string' ? { body } : {}),
        },
      ];
    });
  }

  get showRouteLens(): boolean {
    return this.section.get<boolean>('showRouteCodeLens') ?? true;
  }

  get showCodeLens(): boolean {
    return this.section.get<boolean>('showCodeLens') ?? true;
  }

  get showHotLines(): boolean {
    return this.section.get<boolean>('showHotLines') ?? true;
  }

  /** Lines below this share of the run's time get no heat. */
  get hotLineThreshold(): number {
    return this.section.get<number>('hotLineThreshold') ?? 0.002;
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#changed.dispose();
  }
}
