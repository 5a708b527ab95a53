/** The `hotpath` settings, read through one typed object. */
import * as vscode from 'vscode';
import { checkPresets, DEFAULTS, type LoadPreset } from '../runner/options';

export class Config {
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

  get outputFolder(): string {
    return this.section.get<string>('outputFolder') || DEFAULTS.outDir;
  }

  /** The `node` for the sample service and the load; empty: the editor's own Node runtime. */
  get nodePath(): string | undefined {
    return this.section.get<string>('nodePath') || undefined;
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

  static affects(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration('hotpath');
  }
}
