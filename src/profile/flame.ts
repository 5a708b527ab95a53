/** From an analysis (or a comparison) to the renderer's compact `FlameData`. Pure. */
import type { FlameData } from '../protocol/flame';
import type { Analysis } from './analyze';
import type { Comparison, DiffNode } from './compare';

export function flameData(analysis: Analysis, title: string): FlameData {
  const names: string[] = [];
  const files: string[] = [];
  const lines: number[] = [];
  const categories: FlameData['functions']['categories'] = [];
  for (const f of analysis.functions) {
    names.push(f.name);
    files.push(f.original?.source ?? f.generated.url);
    lines.push(f.original?.line ?? f.generated.line);
    categories.push(f.category);
  }
  // The model's frames are in the renderer's order already: pre-order, heaviest child first.
  const merged = analysis.model.frames;
  const frames: FlameData['frames'] = {
    fn: Array.from(merged.fn),
    parent: Array.from(merged.parent),
    self: Array.from(merged.self),
    total: Array.from(merged.total),
  };
  return {
    version: 1,
    title,
    mode: 'time',
    unit: 'us',
    functions: { names, files, lines, categories },
    frames,
  };
}

/** The differential tree of a comparison: widths are the later run's, colours the change. */
export function diffFlameData(comparison: Comparison, title: string): FlameData {
  const names: string[] = [];
  const files: string[] = [];
  const lines: number[] = [];
  const categories: FlameData['functions']['categories'] = [];
  const ids = new Map<string, number>();
  const frames: Required<FlameData['frames']> = {
    fn: [],
    parent: [],
    self: [],
    total: [],
    before: [],
  };
  const stack: [DiffNode, number][] = [[comparison.tree, -1]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop() as [DiffNode, number];
    let fn = ids.get(node.key);
    if (fn === undefined) {
      fn = names.length;
      ids.set(node.key, fn);
      names.push(node.name);
      files.push(node.file);
      lines.push(node.line);
      categories.push(node.category);
    }
    const index = frames.fn.length;
    const childrenAfter = node.children.reduce((sum, c) => sum + c.after, 0);
    frames.fn.push(fn);
    frames.parent.push(parent);
    frames.total.push(node.after);
    frames.self.push(Math.max(0, node.after - childrenAfter));
    frames.before.push(node.before);
    for (let c = node.children.length - 1; c >= 0; c--) {
      if (node.children[c].after > 0 || node.children[c].before > 0)
        stack.push([node.children[c], index]);
    }
  }
  return {
    version: 1,
    title,
    mode: 'diff',
    unit: comparison.unit,
    functions: { names, files, lines, categories },
    frames,
  };
}
