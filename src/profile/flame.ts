/** From an analysis (or a comparison) to the renderer's compact `FlameData`. Pure. */
import type { FlameCategory, FlameData } from '../protocol/flame';
import type { Analysis } from './analyze';
import type { Comparison, DiffNode } from './compare';
import type { AllocationAnalysis } from './heapprofile';
import { categorize } from './model';
import type { Waits } from './waits';

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
  return flame(title, 'time', 'us', { names, files, lines, categories }, frames);
}

/** The differential tree of a comparison: widths are the later run's, colours the change. */
export function diffFlameData(comparison: Comparison, title: string): FlameData {
  const names: string[] = [];
  const files: string[] = [];
  const lines: number[] = [];
  const categories: FlameData['functions']['categories'] = [];
  const ids = new Map<string, number>();
  const frames: Record<keyof Required<FlameData['frames']>, number[]> = {
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
  return flame(title, 'diff', comparison.unit, { names, files, lines, categories }, frames);
}

/**
 * Wait time by acquire stack, as a flamegraph (an off-CPU view for locks): the root holds every
 * wait; below it each stack from its outermost caller down to the acquire call, and under that
 * the lock waited for. Widths are total wait time in µs.
 */
export function waitFlameData(waits: Waits, title: string): FlameData {
  const names: string[] = ['(all lock waits)'];
  const files: string[] = [''];
  const lines: number[] = [0];
  const categories: FlameData['functions']['categories'] = ['root'];
  const functionIds = new Map<string, number>();
  const functionOf = (name: string, file: string, line: number, category: FlameCategory) => {
    const key = `${name}\0${file}\0${line}`;
    let id = functionIds.get(key);
    if (id === undefined) {
      id = names.length;
      functionIds.set(key, id);
      names.push(name);
      files.push(file);
      lines.push(line);
      categories.push(category);
    }
    return id;
  };
  interface Node {
    fn: number;
    total: number;
    self: number;
    children: Map<number, Node>;
  }
  const root: Node = { fn: 0, total: 0, self: 0, children: new Map() };
  for (const site of waits.sites) {
    const us = site.waitMs.total * 1000;
    if (!(us > 0)) continue;
    root.total += us;
    let node = root;
    const path = [...site.stack]
      .reverse()
      .map((p) =>
        functionOf(p.functionName || '(anonymous)', p.file, p.line, categorize(p.file).category),
      );
    path.push(
      functionOf(
        `waiting for ${site.name}`,
        site.created?.file ?? '',
        site.created?.line ?? 0,
        'idle',
      ),
    );
    for (const fn of path) {
      let child = node.children.get(fn);
      if (!child) {
        child = { fn, total: 0, self: 0, children: new Map() };
        node.children.set(fn, child);
      }
      child.total += us;
      node = child;
    }
    node.self += us;
  }
  const frames: Record<'fn' | 'parent' | 'self' | 'total', number[]> = {
    fn: [],
    parent: [],
    self: [],
    total: [],
  };
  const stack: [Node, number][] = [[root, -1]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop() as [Node, number];
    const index = frames.fn.length;
    frames.fn.push(node.fn);
    frames.parent.push(parent);
    frames.self.push(node.self);
    frames.total.push(node.total);
    // Heaviest child first in pre-order: pushed lightest first.
    const children = [...node.children.values()].sort((a, b) => a.total - b.total);
    for (const child of children) stack.push([child, index]);
  }
  return flame(title, 'time', 'us', { names, files, lines, categories }, frames);
}

/**
 * Where memory was allocated, as a flamegraph with a bytes scale: the heap profile's call tree,
 * per request when the run counted its requests (and the file says its bytes are allocated ones).
 */
export function allocationFlameData(
  allocations: AllocationAnalysis,
  title: string,
  requests: number | undefined,
): FlameData {
  const { tree } = allocations;
  const per = allocations.mode === 'allocated' && requests ? requests : undefined;
  const scale = (bytes: number) => (per ? bytes / per : bytes);
  return flame(
    title,
    'time',
    per ? 'bytes-per-request' : 'bytes',
    {
      names: tree.functions.map((f) => f.name),
      files: tree.functions.map((f) => f.original?.source ?? f.generated.url),
      lines: tree.functions.map((f) => Math.max(0, f.original?.line ?? f.generated.line)),
      categories: tree.functions.map((f) => f.category),
    },
    {
      fn: tree.fn,
      parent: tree.parent,
      self: tree.self.map(scale),
      total: tree.total.map(scale),
    },
  );
}

/** One shape for every flamegraph Hotpath draws. */
function flame(
  title: string,
  mode: FlameData['mode'],
  unit: FlameData['unit'],
  functions: FlameData['functions'],
  frames: FlameData['frames'],
): FlameData {
  return { version: 1, title, mode, unit, functions, frames };
}
