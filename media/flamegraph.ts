/**
 * The flamegraph renderer: browser code shared by the VS Code panel and the CLI's HTML report.
 * Canvas drawing of the compact tree in `FlameData`; flame (root at the bottom) and icicle
 * layouts; hover tooltip, click to zoom, breadcrumb, search with the share of matching time,
 * keyboard navigation, theme colours from CSS variables (redrawn when the theme changes), frame
 * text in whichever of the theme's text colours reads on the frame, crisp on HiDPI screens.
 *
 * This file is the view: its state and what each input does to it. Its parts, one concern a
 * file: `flameTree` (the tree in words and numbers), `flameLayout` (where frames go, and which
 * is under the pointer), `flamePaint` (the canvas), `flameColours` (the theme's colours),
 * `flameDom` (the elements around the canvas), `flameKeys` (the keyboard).
 *
 * Strings from the profile reach the page only through canvas text and `textContent`.
 */
import type { FlameData } from '../src/protocol/flame';
import type { OpenSourceRequest } from '../src/protocol/webview';
import { Palette } from './flameColours';
import { buildFlameDom, renderCrumbs, showTooltip } from './flameDom';
import { keyAction } from './flameKeys';
import { type FlameLayout, FRAME_HEIGHT, FrameRects } from './flameLayout';
import { FlamePainter, type PaintState } from './flamePaint';
import { FlameTree } from './flameTree';
import { onThemeChange } from './theme';

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

export function mountFlamegraph(
  container: HTMLElement,
  data: FlameData,
  options: FlameOptions = {},
): FlameView {
  const tree = new FlameTree(data);
  const dom = buildFlameDom(container, data, options.onOpenSource !== undefined);
  const { canvas, search, tooltip } = dom;
  const painter = new FlamePainter(canvas, tree);
  const palette = new Palette(container, tree);
  const rects = new FrameRects();
  const state: PaintState & { zoomed: number } = {
    layout: options.layout ?? 'icicle',
    zoomed: 0,
    selected: -1,
    hovered: -1,
    matched: undefined,
  };
  let drawnFrames = 0;
  let paintPending = false;
  /** A frame to bring into view once it is laid out (a lens's "find it in the flamegraph"). */
  let reveal = -1;

  /** Scrolls the page so that `frame`'s row is in view, when it is drawn and out of view. */
  function scrollToFrame(frame: number): void {
    for (let r = 0; r < rects.count; r++) {
      if (rects.frame[r] !== frame) continue;
      const top = canvas.getBoundingClientRect().top + rects.yOf(rects.depth[r], state.layout);
      if (top < 0 || top + FRAME_HEIGHT > window.innerHeight) {
        window.scrollBy({ top: top - window.innerHeight / 3 });
      }
      return;
    }
  }

  /**
   * Lays out and paints, and leaves on the canvas how long it took and when it ended
   * (`data-paint-ms`, `data-painted-at`, performance.now() of the page): what the benchmark
   * reads to say whether an interaction answers within one frame.
   */
  function paint(): void {
    const started = performance.now();
    paintPending = false;
    const width = Math.max(100, container.clientWidth || 800);
    rects.layOut(tree, state.zoomed, width);
    drawnFrames = rects.count;
    painter.paint(rects, width, state, palette);
    if (reveal >= 0) {
      scrollToFrame(reveal);
      reveal = -1;
    }
    const path = [...rects.ancestors, state.zoomed].map((frame) => ({
      frame,
      label: tree.labelOf(frame),
    }));
    renderCrumbs(dom, path, (frame) => view.zoom(frame), state.layout);
    const ended = performance.now();
    canvas.dataset.paintMs = (ended - started).toFixed(2);
    canvas.dataset.paintedAt = ended.toFixed(2);
  }

  function schedulePaint(): void {
    if (paintPending) return;
    paintPending = true;
    requestAnimationFrame(paint);
  }

  function frameAt(clientX: number, clientY: number): number {
    const box = canvas.getBoundingClientRect();
    return rects.frameAt(clientX - box.left, clientY - box.top, state.layout);
  }

  function announce(frame: number): void {
    dom.status.textContent = frame >= 0 ? tree.describe(frame).join(', ') : '';
  }

  function openSource(frame: number): void {
    const source = tree.sourceOf(frame);
    if (source && options.onOpenSource) options.onOpenSource(source);
  }

  const onMove = (event: MouseEvent) => {
    const frame = frameAt(event.clientX, event.clientY);
    if (frame !== state.hovered) {
      state.hovered = frame;
      schedulePaint();
    }
    if (frame >= 0) showTooltip(dom, container, tree.describe(frame), event.clientX, event.clientY);
    else tooltip.hidden = true;
  };
  const onLeave = () => {
    state.hovered = -1;
    tooltip.hidden = true;
    schedulePaint();
  };
  const onClick = (event: MouseEvent) => {
    const frame = frameAt(event.clientX, event.clientY);
    if (frame >= 0) {
      state.selected = frame;
      view.zoom(frame);
      announce(frame);
    }
  };
  const onDoubleClick = (event: MouseEvent) => {
    const frame = frameAt(event.clientX, event.clientY);
    if (frame >= 0) openSource(frame);
  };
  const onKey = (event: KeyboardEvent) => {
    const current = state.selected >= 0 ? state.selected : state.zoomed;
    const action = keyAction(event.key, current, tree, state.layout);
    if (!action) return;
    if (action.kind === 'zoom') view.zoom(action.frame);
    else if (action.kind === 'open') openSource(action.frame);
    else if (action.kind === 'search') search.focus();
    event.preventDefault();
    if (action.kind === 'select' && action.frame >= 0) {
      state.selected = action.frame;
      announce(action.frame);
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
  dom.reset.addEventListener('click', () => view.zoom(0));
  dom.layoutButton.addEventListener('click', () =>
    view.setLayout(state.layout === 'icicle' ? 'flame' : 'icicle'),
  );
  dom.idleButton.addEventListener('click', () => view.setHideIdle(!tree.hideIdle), { signal });
  const resize = new ResizeObserver(() => schedulePaint());
  resize.observe(container);
  // A theme switch repaints in the new theme's colours.
  const theme = onThemeChange(() => {
    palette.reread();
    schedulePaint();
  });

  const view: FlameView = {
    zoom(frame) {
      state.zoomed = frame >= 0 && frame < tree.count ? frame : 0;
      schedulePaint();
    },
    focusFunction(name, file) {
      const best = tree.heaviest(name, file);
      if (best < 0) return false;
      state.selected = best;
      reveal = best;
      view.zoom(tree.frames.parent[best] >= 0 ? tree.frames.parent[best] : best);
      announce(best);
      return true;
    },
    search(text) {
      const needle = text.trim().toLowerCase();
      if (!needle) {
        state.matched = undefined;
        dom.matches.textContent = '';
        schedulePaint();
        return 0;
      }
      const { matched, share } = tree.match(needle);
      state.matched = matched;
      dom.matches.textContent = `${(share * 100).toFixed(1)} % of the time matches`;
      schedulePaint();
      return share;
    },
    setLayout(next: FlameLayout) {
      state.layout = next;
      schedulePaint();
    },
    setHideIdle(hide) {
      tree.hideIdle = hide;
      dom.idleButton.setAttribute('aria-pressed', String(hide));
      dom.idleButton.textContent = hide ? 'Show idle' : 'Hide idle';
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
