/**
 * The flamegraph's keyboard: arrows move the selection through the tree (up and down follow the
 * layout), Enter zooms, Escape resets, o opens the source, / goes to the search.
 */
import type { FlameLayout } from './flameLayout';
import type { FlameTree } from './flameTree';

export type KeyAction =
  | { kind: 'select'; frame: number }
  | { kind: 'zoom'; frame: number }
  | { kind: 'open'; frame: number }
  | { kind: 'search' };

/** What a key does from the `current` frame; undefined for a key the flamegraph leaves alone. */
export function keyAction(
  key: string,
  current: number,
  tree: FlameTree,
  layout: FlameLayout,
): KeyAction | undefined {
  const { frames, children } = tree;
  const parent = frames.parent[current];
  const siblings = parent >= 0 ? children[parent] : [current];
  const at = siblings.indexOf(current);
  const towardRoot = layout === 'icicle' ? 'ArrowUp' : 'ArrowDown';
  const towardLeaves = layout === 'icicle' ? 'ArrowDown' : 'ArrowUp';
  switch (key) {
    case towardRoot:
      return { kind: 'select', frame: parent >= 0 ? parent : current };
    case towardLeaves:
      return { kind: 'select', frame: children[current][0] ?? current };
    case 'ArrowLeft':
      return { kind: 'select', frame: siblings[Math.max(0, at - 1)] };
    case 'ArrowRight':
      return { kind: 'select', frame: siblings[Math.min(siblings.length - 1, at + 1)] };
    case 'Enter':
      return { kind: 'zoom', frame: current };
    case 'Escape':
      return { kind: 'zoom', frame: 0 };
    case 'o':
      return { kind: 'open', frame: current };
    case '/':
      return { kind: 'search' };
    default:
      return undefined;
  }
}
