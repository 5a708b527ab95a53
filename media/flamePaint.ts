/**
 * Paints the laid-out frames on the canvas, crisp on HiDPI screens: fills, outlines, the focus
 * ring of the selected and hovered frames, and each name cut to fit its frame.
 */
import type { Palette } from './flameColours';
import { type FlameLayout, FRAME_HEIGHT, type FrameRects } from './flameLayout';
import type { FlameTree } from './flameTree';

const FONT = '12px system-ui, -apple-system, "Segoe UI", sans-serif';

/** What a paint shows besides the layout: the layout's direction, focus and search. */
export interface PaintState {
  layout: FlameLayout;
  selected: number;
  hovered: number;
  matched: Uint8Array | undefined;
}

export class FlamePainter {
  readonly #ctx: CanvasRenderingContext2D;
  readonly #textWidths = new Map<string, number>();

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly tree: FlameTree,
  ) {
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas');
    this.#ctx = context;
  }

  /** Sizes the canvas to the layout, `width` CSS pixels wide, and draws every rectangle. */
  paint(rects: FrameRects, width: number, state: PaintState, palette: Palette): void {
    const { canvas, tree } = this;
    const ctx = this.#ctx;
    const { colours } = palette;
    const { matched, selected, hovered, layout } = state;
    const height = (rects.maxDepth + 1) * FRAME_HEIGHT;
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
    for (let r = 0; r < rects.count; r++) {
      const frame = rects.frame[r];
      const x = rects.x[r];
      const w = rects.w[r];
      const y = rects.yOf(rects.depth[r], layout);
      const isAncestor = r < rects.ancestors.length;
      ctx.globalAlpha = isAncestor || (matched && !matched[frame]) ? 0.35 : 1;
      const fill = matched?.[frame] ? colours.match : palette.fillFor(frame);
      ctx.fillStyle = fill;
      ctx.fillRect(x, y, Math.max(0.5, w - 0.5), FRAME_HEIGHT - 1);
      if (colours.border && w >= 3) {
        ctx.strokeStyle = colours.border;
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, Math.max(1, w - 1.5), FRAME_HEIGHT - 2);
      }
      if (w > 28) {
        const label = this.#fitText(tree.labelOf(frame), w - 6);
        if (label) {
          ctx.fillStyle = palette.textFor(fill);
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
  }

  #measure(text: string): number {
    let width = this.#textWidths.get(text);
    if (width === undefined) {
      width = this.#ctx.measureText(text).width;
      if (this.#textWidths.size > 20_000) this.#textWidths.clear();
      this.#textWidths.set(text, width);
    }
    return width;
  }

  #fitText(text: string, room: number): string {
    if (this.#measure(text) <= room) return text;
    // Binary search on the length that fits with an ellipsis.
    let low = 0;
    let high = text.length;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.#measure(`${text.slice(0, mid)}…`) <= room) low = mid;
      else high = mid - 1;
    }
    return low > 0 ? `${text.slice(0, low)}…` : '';
  }
}
