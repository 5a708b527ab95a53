/**
 * Where each frame goes: the rectangles of the last layout (frames narrower than a pixel are
 * skipped with their subtrees), kept for painting and for hit testing.
 */
import type { FlameTree } from './flameTree';

export const FRAME_HEIGHT = 18;

export type FlameLayout = 'flame' | 'icicle';

export class FrameRects {
  frame: Int32Array = new Int32Array(0);
  x: Float32Array = new Float32Array(0);
  w: Float32Array = new Float32Array(0);
  depth: Int32Array = new Int32Array(0);
  count = 0;
  /** The zoomed frame's ancestors, drawn full width above (or below) it: the first rectangles. */
  ancestors: number[] = [];
  maxDepth = 0;

  /** Lays the tree out from the zoomed frame, `width` pixels wide. */
  layOut(tree: FlameTree, zoomed: number, width: number): void {
    const { frames, children } = tree;
    const ancestors: number[] = [];
    for (let f = frames.parent[zoomed]; f >= 0; f = frames.parent[f]) ancestors.unshift(f);
    const zoomTotal = tree.widthOf(zoomed) || 1;
    const scale = width / zoomTotal;

    const capacity = Math.max(1024, this.frame.length);
    if (this.frame.length < capacity) {
      this.frame = new Int32Array(capacity);
      this.x = new Float32Array(capacity);
      this.w = new Float32Array(capacity);
      this.depth = new Int32Array(capacity);
    }
    this.count = 0;
    ancestors.forEach((frame, d) => {
      this.#push(frame, 0, width, d);
    });
    let maxDepth = ancestors.length;
    const stack: [number, number, number][] = [[zoomed, 0, ancestors.length]];
    while (stack.length > 0) {
      const [frame, x, d] = stack.pop() as [number, number, number];
      const w = tree.widthOf(frame) * scale;
      if (w < 1) continue;
      this.#push(frame, x, w, d);
      if (d > maxDepth) maxDepth = d;
      let offset = x;
      for (const child of children[frame]) {
        const cw = tree.widthOf(child) * scale;
        if (cw >= 1) stack.push([child, offset, d + 1]);
        offset += cw;
      }
    }
    this.ancestors = ancestors;
    this.maxDepth = maxDepth;
  }

  #push(frame: number, x: number, w: number, d: number): void {
    if (this.count === this.frame.length) {
      const grow = (a: Int32Array | Float32Array) => {
        const next = new (a.constructor as Int32ArrayConstructor | Float32ArrayConstructor)(
          a.length * 2,
        );
        next.set(a);
        return next;
      };
      this.frame = grow(this.frame) as Int32Array;
      this.x = grow(this.x) as Float32Array;
      this.w = grow(this.w) as Float32Array;
      this.depth = grow(this.depth) as Int32Array;
    }
    this.frame[this.count] = frame;
    this.x[this.count] = x;
    this.w[this.count] = w;
    this.depth[this.count] = d;
    this.count++;
  }

  /** The top of a row of depth `d`: the root at the top (icicle) or at the bottom (flame). */
  yOf(d: number, layout: FlameLayout): number {
    return layout === 'icicle' ? d * FRAME_HEIGHT : (this.maxDepth - d) * FRAME_HEIGHT;
  }

  /** The frame under a point of the canvas (in CSS pixels from its corner); -1 when none. */
  frameAt(x: number, y: number, layout: FlameLayout): number {
    for (let r = this.count - 1; r >= 0; r--) {
      const top = this.yOf(this.depth[r], layout);
      if (y >= top && y < top + FRAME_HEIGHT && x >= this.x[r] && x < this.x[r] + this.w[r])
        return this.frame[r];
    }
    return -1;
  }
}
