/**
 * The flamegraph's colours: a fill per category (or, in a comparison, per change), the text
 * colour that reads on each fill, the outline of high-contrast themes. Read from the page's theme
 * again when it changes.
 */
import type { FlameCategory } from '../src/protocol/flame';
import type { FlameTree } from './flameTree';
import { highContrast, pageBackground, readableOn, toRgb } from './theme';

/**
 * Theme colours come from CSS variables: the page's own, then VS Code's theme colours (a webview
 * has each as `--vscode-<id>`), then these fallbacks (the HTML report outside VS Code).
 */
const CATEGORY_COLOURS: Record<FlameCategory, string[]> = {
  user: ['--hotpath-flame-user', '--vscode-charts-orange', '#e8743b'],
  node_modules: ['--hotpath-flame-node-modules', '--vscode-charts-yellow', '#c9a227'],
  node: ['--hotpath-flame-node', '--vscode-charts-green', '#5aa469'],
  v8: ['--hotpath-flame-v8', '#8c8c8c'],
  program: ['--hotpath-flame-program', '#a0a0a0'],
  idle: ['--hotpath-flame-idle', '#d0d0d0'],
  gc: ['--hotpath-flame-gc', '--vscode-charts-purple', '#b05fc4'],
  root: ['--hotpath-flame-root', '#6b7b8c'],
  hotpath: ['--hotpath-flame-hotpath', '--vscode-charts-blue', '#4a90c2'],
};

/** The theme's colours, as read from the page's CSS variables. */
function readColours(container: HTMLElement) {
  const style = getComputedStyle(container);
  /** The first of the variables that is set, else the last entry (a colour). */
  const read = (...names: string[]) => {
    for (const name of names.slice(0, -1)) {
      const value = style.getPropertyValue(name).trim();
      if (value) return value;
    }
    return names[names.length - 1];
  };
  const byCategory = {} as Record<FlameCategory, string>;
  for (const [category, names] of Object.entries(CATEGORY_COLOURS)) {
    byCategory[category as FlameCategory] = read(...names);
  }
  const border = read('--hotpath-flame-border', '--vscode-contrastBorder', 'transparent');
  return {
    byCategory,
    /** The theme's text colours; each frame's text is the one that reads on its fill. */
    texts: [
      read('--hotpath-flame-text', '--vscode-editor-foreground', '#1e1e1e'),
      read('--hotpath-flame-text-inverse', '--vscode-editor-background', '#ffffff'),
    ],
    background: read('--hotpath-flame-background', 'transparent'),
    match: read('--hotpath-flame-match', '#e040fb'),
    focus: read('--hotpath-flame-focus', '#0066cc'),
    slower: read('--hotpath-flame-slower', '#d9534f'),
    faster: read('--hotpath-flame-faster', '#3b7dd8'),
    /** An outline around each frame: in high-contrast themes, where fills alone do not part frames. */
    border: highContrast() && border !== 'transparent' ? border : undefined,
    page: pageBackground(),
  };
}

export type FlameColours = ReturnType<typeof readColours>;

/** The colours of the theme in force, read again by `reread` when the theme changes. */
export class Palette {
  colours: FlameColours;
  /** The text colour of each fill, worked out once a theme. */
  readonly #textOn = new Map<string, string>();

  constructor(
    private readonly container: HTMLElement,
    private readonly tree: FlameTree,
  ) {
    this.colours = readColours(container);
  }

  reread(): void {
    this.colours = readColours(this.container);
    this.#textOn.clear();
  }

  textFor(fill: string): string {
    const { colours } = this;
    let text = this.#textOn.get(fill);
    if (text === undefined) {
      const rgb = toRgb(fill, colours.page);
      text = rgb ? readableOn(rgb, colours.texts) : colours.texts[0];
      this.#textOn.set(fill, text);
    }
    return text;
  }

  /** A frame's fill: its category's, or in a comparison whether it got slower or faster. */
  fillFor(frame: number): string {
    const { colours } = this;
    const { data, frames, functions } = this.tree;
    if (data.mode === 'diff' && frames.before) {
      const before = frames.before[frame];
      const after = frames.total[frame];
      const change = (after - before) / Math.max(after, before, 1e-12);
      if (Math.abs(change) < 0.05) return colours.byCategory.v8;
      return change > 0 ? colours.slower : colours.faster;
    }
    return colours.byCategory[functions.categories[frames.fn[frame]]] ?? colours.byCategory.v8;
  }
}
