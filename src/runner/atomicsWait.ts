/**
 * A thread blocked in `Atomics.wait` is idle, but V8's sampler sees the JavaScript frame that
 * called it and charges the wait to that function's line: a piscina thread waiting for its next
 * task showed as `atomicsWaitLoop` at 17.6 % of the window, "piscina" as a fifth of the work.
 * This moves such samples to `(idle)`: those of a frame whose line ticks are (almost) all on a
 * line of its script that calls `Atomics.wait(`.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RawProfile } from './mergeProfiles';

/** The share of a frame's line ticks that must be on `Atomics.wait(` lines for it to be a wait. */
const WAIT_LINE_SHARE = 0.9;
const WAIT_CALL = /\bAtomics\.wait\s*\(/;

/** The text of a script's lines, from its `file://` URL or path; undefined when unreadable. */
export type ReadLines = (url: string) => string[] | undefined;

export function readScriptLines(url: string): string[] | undefined {
  try {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    if (!file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file)) return undefined;
    return fs.readFileSync(file, 'utf8').split('\n');
  } catch {
    return undefined;
  }
}

/**
 * The profile with the samples of frames waiting in `Atomics.wait` moved to an `(idle)` node
 * under the root; the number of samples moved. The profile is changed in place.
 */
export function idleAtomicsWaits(
  profile: RawProfile,
  readLines: ReadLines = readScriptLines,
): { profile: RawProfile; moved: number } {
  const cache = new Map<string, string[] | undefined>();
  const lines = (url: string) => {
    if (!cache.has(url)) cache.set(url, readLines(url));
    return cache.get(url);
  };
  const waiting = new Set<number>();
  for (const node of profile.nodes) {
    const ticks = node.positionTicks ?? [];
    const total = ticks.reduce((sum, t) => sum + t.ticks, 0);
    if (total === 0 || !node.callFrame.url) continue;
    const text = lines(node.callFrame.url);
    if (!text) continue;
    const onWait = ticks
      .filter((t) => WAIT_CALL.test(text[t.line - 1] ?? ''))
      .reduce((sum, t) => sum + t.ticks, 0);
    if (onWait >= total * WAIT_LINE_SHARE) waiting.add(node.id);
  }
  const samples = profile.samples ?? [];
  if (waiting.size === 0 || samples.length === 0) return { profile, moved: 0 };
  const children = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  const root = profile.nodes.find((n) => !children.has(n.id));
  if (!root) return { profile, moved: 0 };
  let idle = profile.nodes.find(
    (n) => n.callFrame.functionName === '(idle)' && root.children?.includes(n.id),
  );
  if (!idle) {
    idle = {
      id: Math.max(...profile.nodes.map((n) => n.id)) + 1,
      callFrame: {
        functionName: '(idle)',
        scriptId: '0',
        url: '',
        lineNumber: -1,
        columnNumber: -1,
      },
      hitCount: 0,
    };
    profile.nodes.push(idle);
    root.children = [...(root.children ?? []), idle.id];
  }
  let moved = 0;
  for (let i = 0; i < samples.length; i++) {
    if (!waiting.has(samples[i])) continue;
    samples[i] = idle.id;
    moved++;
  }
  for (const node of profile.nodes) {
    if (!waiting.has(node.id)) continue;
    node.hitCount = 0;
    delete node.positionTicks;
  }
  idle.hitCount = (idle.hitCount ?? 0) + moved;
  return { profile, moved };
}
