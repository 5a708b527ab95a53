/**
 * The flamegraph renderer: browser code shared by the VS Code panel and the CLI's HTML report.
 * Canvas drawing of the compact tree in `FlameData`; flame (root at the bottom) and icicle
 * layouts; hover tooltip, click to zoom, breadcrumb, search with the share of matching time,
 * keyboard navigation, theme colours from CSS variables (redrawn when the theme changes), frame
 * text in whichever of the theme's text colours reads on the frame, crisp on HiDPI screens.
 *
 * Strings from the profile reach the page only through canvas text and `textContent`.
 */
import type { FlameCategory, FlameData } from '../src/protocol/flame';
import type { OpenSourceRequest } from '../src/protocol/webview';
import { highContrast, onThemeChange, pageBackground, readableOn, toRgb } from './theme';

export interface FlameOptions {
  /** Called when the user asks to open a frame's source (double-click, or Enter on a selection's o). */
  onOpenSource?: (request: OpenSourceRequest) => void;
  layout?: 'flame' | 'icicle';
}

export interface FlameView {
  /** Zooms to a frame; -1 resets. */
  zoom(frame: number): void;
  /** Focuses the heaviest frame of a function by name and file (the CodeLens' "show in flamegraph"). */
  focusFunction(name: string, file?: string): boolean;
  search(text: string): number;
  setLayout(layout: 'flame' | 'icicle'): void;
  /** In a comparison, leaves idle out of the widths (what waited is not what worked). */
  setHideIdle(hide: boolean): void;
  /** Frames drawn in the last paint (frames narrower than a pixel are skipped). */
  readonly drawnFrames: number;
  dispose(): void;
}

const FRAME_HEIGHT = 18;
const FONT = '12px system-ui, -apple-system, "Segoe UI", sans-serif';

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

const CATEGORY_LABELS: Record<FlameCategory, string> = {
  user: 'your code',
  node_modules: 'package',
  node: 'Node.js',
  v8: 'V8',
  program: 'V8 (program)',
  idle: 'idle',
  gc: 'garbage collector',
  root: 'root',
  hotpath: 'Hotpath agent',
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatAmount(value: number, unit: FlameData['unit']): string {
  if (unit === 'share') return `${(value * 100).toFixed(1)} %`;
  const suffix = unit === 'us-per-request' ? ' per request' : '';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} s${suffix}`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} ms${suffix}`;
  return `${value.toFixed(0)} µs${suffix}`;
}

export function mountFlamegraph(
  container: HTMLElement,
  data: FlameData,
  options: FlameOptions = {},
): FlameView {
  const { frames, functions } = data;
  const count = frames.fn.length;
  const depth = new Int32Array(count);
  const children: number[][] = Array.from({ length: count }, () => []);
  for (let i = 1; i < count; i++) {
    depth[i] = depth[frames.parent[i]] + 1;
    children[frames.parent[i]].push(i);
  }
  const rootTotal = frames.total[0] || 1;

  // DOM: toolbar, canvas, tooltip. Text only through textContent.
  container.classList.add('hotpath-flame');
  const toolbar = el('div', 'hotpath-flame-toolbar');
  const crumbs = el('div', 'hotpath-flame-crumbs');
  const reset = el('button', 'hotpath-flame-reset', 'Reset zoom');
  reset.type = 'button';
  const layoutButton = el('button', 'hotpath-flame-layout');
  layoutButton.type = 'button';
  const search = el('input', 'hotpath-flame-search');
  search.type = 'search';
  search.placeholder = 'Search functions or files (/)';
  search.setAttribute('aria-label', 'Search functions or files');
  const matches = el('span', 'hotpath-flame-matches');
  matches.setAttribute('aria-live', 'polite');
  // A comparison's widths are the later run's time per request, idle included: it can be left out.
  const idleButton = el('button', 'hotpath-flame-idle', 'Hide idle');
  idleButton.type = 'button';
  idleButton.setAttribute('aria-pressed', 'false');
  idleButton.hidden = data.mode !== 'diff';
  toolbar.append(reset, layoutButton, idleButton, search, matches);
  const canvas = el('canvas', 'hotpath-flame-canvas');
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute(
    'aria-label',
    `Flamegraph: ${data.title}. Arrow keys move, Enter zooms, Escape resets.`,
  );
  const tooltip = el('div', 'hotpath-flame-tooltip');
  tooltip.setAttribute('role', 'tooltip');
  tooltip.hidden = true;
  const status = el('div', 'hotpath-flame-status');
  status.setAttribute('aria-live', 'polite');
  container.append(toolbar, crumbs, canvas, status, tooltip);
  if (options.onOpenSource) {
    // Nothing else on screen says that a frame opens its source.
    container.append(
      el(
        'div',
        'hotpath-flame-hint',
        'Double-click a frame (or select it and press o) to open its source.',
      ),
    );
  }

  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  const ctx = context;

  let layout: 'flame' | 'icicle' = options.layout ?? 'icicle';
  let zoomed = 0;
  let selected = -1;
  let hovered = -1;
  let matched: Uint8Array | undefined;
  let drawnFrames = 0;
  // Hit testing: the rectangles of the last paint.
  let rectFrame: Int32Array = new Int32Array(0);
  let rectX: Float32Array = new Float32Array(0);
  let rectW: Float32Array = new Float32Array(0);
  let rectDepth: Int32Array = new Int32Array(0);
  let rectCount = 0;
  let paintPending = false;
  const textWidths = new Map<string, number>();

  /** Each frame's idle time, its own and its callees' (frames are in pre-order: children after). */
  let idleUnder: Float64Array | undefined;
  let hideIdle = false;
  function widthOf(frame: number): number {
    if (!hideIdle) return frames.total[frame];
    if (!idleUnder) {
      idleUnder = new Float64Array(count);
      for (let i = count - 1; i >= 0; i--) {
        if (functions.categories[frames.fn[i]] === 'idle') idleUnder[i] = frames.total[i];
        const parent = frames.parent[i];
        if (parent >= 0) idleUnder[parent] += idleUnder[i];
      }
    }
    return Math.max(0, frames.total[frame] - idleUnder[frame]);
  }

  /** The theme's colours, read again when the theme changes. */
  function readColours() {
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
  let colours = readColours();
  /** The text colour of each fill, worked out once a theme. */
  const textOn = new Map<string, string>();
  function textFor(fill: string): string {
    let text = textOn.get(fill);
    if (text === undefined) {
      const rgb = toRgb(fill, colours.page);
      text = rgb ? readableOn(rgb, colours.texts) : colours.texts[0];
      textOn.set(fill, text);
    }
    return text;
  }

  function measure(text: string): number {
    let width = textWidths.get(text);
    if (width === undefined) {
      width = ctx.measureText(text).width;
      if (textWidths.size > 20_000) textWidths.clear();
      textWidths.set(text, width);
    }
    return width;
  }

  function fillFor(frame: number): string {
    if (data.mode === 'diff' && frames.before) {
      const before = frames.before[frame];
      const after = frames.total[frame];
      const change = (after - before) / Math.max(after, before, 1e-12);
      if (Math.abs(change) < 0.05) return colours.byCategory.v8;
      return change > 0 ? colours.slower : colours.faster;
    }
    return colours.byCategory[functions.categories[frames.fn[frame]]] ?? colours.byCategory.v8;
  }

  function labelOf(frame: number): string {
    return functions.names[frames.fn[frame]] || '(anonymous)';
  }

  function locationOf(frame: number): string {
    const fn = frames.fn[frame];
    const file = functions.shown?.[fn] || functions.files[fn];
    return file ? `${file}:${functions.lines[fn]}` : CATEGORY_LABELS[functions.categories[fn]];
  }

  /** Lays out and draws; frames narrower than one pixel are skipped with their subtrees. */
  /**
   * Paints, and leaves on the canvas how long it took and when it ended (`data-paint-ms`,
   * `data-painted-at`, performance.now() of the page): what the benchmark reads to say whether an
   * interaction answers within one frame.
   */
  function paint(): void {
    const started = performance.now();
    paintFrames();
    const ended = performance.now();
    canvas.dataset.paintMs = (ended - started).toFixed(2);
    canvas.dataset.paintedAt = ended.toFixed(2);
  }

  function paintFrames(): void {
    paintPending = false;
    const width = Math.max(100, container.clientWidth || 800);
    // Ancestors of the zoomed frame are drawn full width above (or below) it.
    const ancestors: number[] = [];
    for (let f = frames.parent[zoomed]; f >= 0; f = frames.parent[f]) ancestors.unshift(f);
    const zoomTotal = widthOf(zoomed) || 1;
    const scale = width / zoomTotal;

    const capacity = Math.max(1024, rectFrame.length);
    if (rectFrame.length < capacity) {
      rectFrame = new Int32Array(capacity);
      rectX = new Float32Array(capacity);
      rectW = new Float32Array(capacity);
      rectDepth = new Int32Array(capacity);
    }
    rectCount = 0;
    const push = (frame: number, x: number, w: number, d: number) => {
      if (rectCount === rectFrame.length) {
        const grow = (a: Int32Array | Float32Array) => {
          const next = new (a.constructor as Int32ArrayConstructor | Float32ArrayConstructor)(
            a.length * 2,
          );
          next.set(a);
          return next;
        };
        rectFrame = grow(rectFrame) as Int32Array;
        rectX = grow(rectX) as Float32Array;
        rectW = grow(rectW) as Float32Array;
        rectDepth = grow(rectDepth) as Int32Array;
      }
      rectFrame[rectCount] = frame;
      rectX[rectCount] = x;
      rectW[rectCount] = w;
      rectDepth[rectCount] = d;
      rectCount++;
    };
    ancestors.forEach((frame, d) => {
      push(frame, 0, width, d);
    });
    let maxDepth = ancestors.length;
    const stack: [number, number, number][] = [[zoomed, 0, ancestors.length]];
    while (stack.length > 0) {
      const [frame, x, d] = stack.pop() as [number, number, number];
      const w = widthOf(frame) * scale;
      if (w < 1) continue;
      push(frame, x, w, d);
      if (d > maxDepth) maxDepth = d;
      let offset = x;
      for (const child of children[frame]) {
        const cw = widthOf(child) * scale;
        if (cw >= 1) stack.push([child, offset, d + 1]);
        offset += cw;
      }
    }
    drawnFrames = rectCount;

    const height = (maxDepth + 1) * FRAME_HEIGHT;
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    if (
      canvas.width !== Math.round(width * ratio) ||
      canvas.height !== Math.round(height * ratio)
    ) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (colours.background !== 'transparent') {
      ctx.fillStyle = colours.background;
      ctx.fillRect(0, 0, width, height);
    }
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    for (let r = 0; r < rectCount; r++) {
      const frame = rectFrame[r];
      const x = rectX[r];
      const w = rectW[r];
      const y = yOf(rectDepth[r], maxDepth);
      const isAncestor = r < ancestors.length;
      ctx.globalAlpha = isAncestor || (matched && !matched[frame]) ? 0.35 : 1;
      const fill = matched?.[frame] ? colours.match : fillFor(frame);
      ctx.fillStyle = fill;
      ctx.fillRect(x, y, Math.max(0.5, w - 0.5), FRAME_HEIGHT - 1);
      if (colours.border && w >= 3) {
        ctx.strokeStyle = colours.border;
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, Math.max(1, w - 1.5), FRAME_HEIGHT - 2);
      }
      if (w > 28) {
        const label = fitText(labelOf(frame), w - 6);
        if (label) {
          ctx.fillStyle = textFor(fill);
          ctx.fillText(label, x + 3, y + FRAME_HEIGHT / 2);
        }
      }
      if (frame === selected || frame === hovered) {
        ctx.globalAlpha = 1;
        ctx.strokeStyle = colours.focus;
        ctx.lineWidth = frame === selected ? 2 : 1;
        ctx.strokeRect(x + 0.5, y + 0.5, Math.max(1, w - 1.5), FRAME_HEIGHT - 2);
      }
    }
    ctx.globalAlpha = 1;
    lastMaxDepth = maxDepth;
    renderCrumbs(ancestors);
  }
  let lastMaxDepth = 0;

  function yOf(d: number, maxDepth: number): number {
    return layout === 'icicle' ? d * FRAME_HEIGHT : (maxDepth - d) * FRAME_HEIGHT;
  }

  function fitText(text: string, room: number): string {
    if (measure(text) <= room) return text;
    // Binary search on the length that fits with an ellipsis.
    let low = 0;
    let high = text.length;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (measure(`${text.slice(0, mid)}…`) <= room) low = mid;
      else high = mid - 1;
    }
    return low > 0 ? `${text.slice(0, low)}…` : '';
  }

  function renderCrumbs(ancestors: number[]): void {
    crumbs.replaceChildren();
    const path = [...ancestors, zoomed];
    path.forEach((frame, i) => {
      const crumb = el('button', 'hotpath-flame-crumb', labelOf(frame));
      crumb.type = 'button';
      crumb.addEventListener('click', () => view.zoom(frame));
      if (i > 0) crumbs.append(el('span', 'hotpath-flame-crumb-separator', '›'));
      crumbs.append(crumb);
    });
    reset.disabled = zoomed === 0;
    layoutButton.textContent = layout === 'icicle' ? 'Flame layout' : 'Icicle layout';
  }

  function schedulePaint(): void {
    if (paintPending) return;
    paintPending = true;
    requestAnimationFrame(paint);
  }

  function frameAt(clientX: number, clientY: number): number {
    const box = canvas.getBoundingClientRect();
    const x = clientX - box.left;
    const y = clientY - box.top;
    for (let r = rectCount - 1; r >= 0; r--) {
      const top = yOf(rectDepth[r], lastMaxDepth);
      if (y >= top && y < top + FRAME_HEIGHT && x >= rectX[r] && x < rectX[r] + rectW[r])
        return rectFrame[r];
    }
    return -1;
  }

  function describe(frame: number): string[] {
    const self = frames.self[frame];
    const total = frames.total[frame];
    const lines = [
      labelOf(frame),
      locationOf(frame),
      `self ${formatAmount(self, data.unit)} (${((self / rootTotal) * 100).toFixed(1)} %)`,
      `total ${formatAmount(total, data.unit)} (${((total / rootTotal) * 100).toFixed(1)} %)`,
    ];
    if (data.mode === 'diff' && frames.before) {
      lines.push(
        `before ${formatAmount(frames.before[frame], data.unit)} → after ${formatAmount(total, data.unit)}`,
      );
    }
    return lines;
  }

  function showTooltip(frame: number, clientX: number, clientY: number): void {
    tooltip.replaceChildren(
      ...describe(frame).map((line, i) =>
        el('div', i === 0 ? 'hotpath-flame-tooltip-name' : '', line),
      ),
    );
    tooltip.hidden = false;
    const box = container.getBoundingClientRect();
    const left = Math.min(
      clientX - box.left + 12,
      Math.max(0, container.clientWidth - tooltip.offsetWidth - 4),
    );
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${clientY - box.top + 14}px`;
  }

  function announce(frame: number): void {
    status.textContent = frame >= 0 ? describe(frame).join(', ') : '';
  }

  function openSource(frame: number): void {
    const fn = frames.fn[frame];
    const file = functions.files[fn];
    if (file && options.onOpenSource) options.onOpenSource({ file, line: functions.lines[fn] });
  }

  const onMove = (event: MouseEvent) => {
    const frame = frameAt(event.clientX, event.clientY);
    if (frame !== hovered) {
      hovered = frame;
      schedulePaint();
    }
    if (frame >= 0) showTooltip(frame, event.clientX, event.clientY);
    else tooltip.hidden = true;
  };
  const onLeave = () => {
    hovered = -1;
    tooltip.hidden = true;
    schedulePaint();
  };
  const onClick = (event: MouseEvent) => {
    const frame = frameAt(event.clientX, event.clientY);
    if (frame >= 0) {
      selected = frame;
      view.zoom(frame);
      announce(frame);
    }
  };
  const onDoubleClick = (event: MouseEvent) => {
    const frame = frameAt(event.clientX, event.clientY);
    if (frame >= 0) openSource(frame);
  };
  const onKey = (event: KeyboardEvent) => {
    const current = selected >= 0 ? selected : zoomed;
    const parent = frames.parent[current];
    const siblings = parent >= 0 ? children[parent] : [current];
    const at = siblings.indexOf(current);
    const towardRoot = layout === 'icicle' ? 'ArrowUp' : 'ArrowDown';
    const towardLeaves = layout === 'icicle' ? 'ArrowDown' : 'ArrowUp';
    let next = -2;
    switch (event.key) {
      case towardRoot:
        next = parent >= 0 ? parent : current;
        break;
      case towardLeaves:
        next = children[current][0] ?? current;
        break;
      case 'ArrowLeft':
        next = siblings[Math.max(0, at - 1)];
        break;
      case 'ArrowRight':
        next = siblings[Math.min(siblings.length - 1, at + 1)];
        break;
      case 'Enter':
        view.zoom(current);
        break;
      case 'Escape':
        view.zoom(0);
        break;
      case 'o':
        openSource(current);
        break;
      case '/':
        search.focus();
        break;
      default:
        return;
    }
    event.preventDefault();
    if (next >= 0) {
      selected = next;
      announce(next);
      schedulePaint();
    }
  };
  const onSearch = () => view.search(search.value);
  const onSearchKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      search.value = '';
      view.search('');
      canvas.focus();
    }
  };

  // One signal ends every listener of the view on dispose.
  const listening = new AbortController();
  const { signal } = listening;
  canvas.addEventListener('mousemove', onMove, { signal });
  canvas.addEventListener('mouseleave', onLeave, { signal });
  canvas.addEventListener('click', onClick, { signal });
  canvas.addEventListener('dblclick', onDoubleClick, { signal });
  canvas.addEventListener('keydown', onKey, { signal });
  search.addEventListener('input', onSearch, { signal });
  search.addEventListener('keydown', onSearchKey, { signal });
  reset.addEventListener('click', () => view.zoom(0));
  layoutButton.addEventListener('click', () =>
    view.setLayout(layout === 'icicle' ? 'flame' : 'icicle'),
  );
  idleButton.addEventListener('click', () => view.setHideIdle(!hideIdle), { signal });
  const resize = new ResizeObserver(() => schedulePaint());
  resize.observe(container);
  // A theme switch repaints in the new theme's colours.
  const theme = onThemeChange(() => {
    colours = readColours();
    textOn.clear();
    schedulePaint();
  });

  const view: FlameView = {
    zoom(frame) {
      zoomed = frame >= 0 && frame < count ? frame : 0;
      schedulePaint();
    },
    focusFunction(name, file) {
      let best = -1;
      for (let i = 0; i < count; i++) {
        const fn = frames.fn[i];
        if (functions.names[fn] !== name || (file !== undefined && functions.files[fn] !== file))
          continue;
        if (best < 0 || frames.total[i] > frames.total[best]) best = i;
      }
      if (best < 0) return false;
      selected = best;
      view.zoom(frames.parent[best] >= 0 ? frames.parent[best] : best);
      announce(best);
      return true;
    },
    search(text) {
      const needle = text.trim().toLowerCase();
      if (!needle) {
        matched = undefined;
        matches.textContent = '';
        schedulePaint();
        return 0;
      }
      const hit = new Uint8Array(functions.names.length);
      functions.names.forEach((name, fn) => {
        if (
          name.toLowerCase().includes(needle) ||
          (functions.shown?.[fn] ?? functions.files[fn]).toLowerCase().includes(needle)
        )
          hit[fn] = 1;
      });
      matched = new Uint8Array(count);
      // The share of matching time: frames that match, counted once where a matching frame calls another.
      let matchedTotal = 0;
      const covered = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const parent = frames.parent[i];
        const inside = parent >= 0 && (covered[parent] === 1 || matched[parent] === 1);
        if (hit[frames.fn[i]]) {
          matched[i] = 1;
          if (!inside) matchedTotal += frames.total[i];
        }
        covered[i] = inside || matched[i] === 1 ? 1 : 0;
      }
      const share = matchedTotal / rootTotal;
      matches.textContent = `${(share * 100).toFixed(1)} % of the time matches`;
      schedulePaint();
      return share;
    },
    setLayout(next) {
      layout = next;
      schedulePaint();
    },
    setHideIdle(hide) {
      hideIdle = hide;
      idleButton.setAttribute('aria-pressed', String(hide));
      idleButton.textContent = hide ? 'Show idle' : 'Hide idle';
      schedulePaint();
    },
    get drawnFrames() {
      return drawnFrames;
    },
    dispose() {
      resize.disconnect();
      theme.dispose();
      listening.abort();
      container.replaceChildren();
    },
  };
  paint();
  return view;
}
