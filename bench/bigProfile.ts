/**
 * Makes a large .cpuprofile that looks like a real one: many scripts and functions, deep
 * stacks, a few hot paths, position ticks, millions of samples. Deterministic (seeded).
 */
import * as fs from 'node:fs';
import { seededRandom as random } from '../test/helpers';

export interface BigProfileShape {
  nodes: number;
  samples: number;
  functions: number;
  scripts: number;
  seed?: number;
}

/** Writes the profile to `file` and returns its size in bytes. */
export function writeBigProfile(file: string, shape: BigProfileShape): number {
  const rand = random(shape.seed ?? 42);
  const pick = (n: number) => Math.floor(rand() * n);
  const functions = Array.from({ length: shape.functions }, (_, i) => {
    const script = pick(shape.scripts);
    const inModules = script % 3 === 0;
    const url = inModules
      ? `file:///srv/app/node_modules/pkg${script % 97}/lib/module${script}.js`
      : `file:///srv/app/src/feature${script % 41}/file${script}.js`;
    return {
      functionName: `fn${i}_${script.toString(36)}`,
      url,
      lineNumber: pick(2000),
      columnNumber: pick(80),
    };
  });
  const meta = [
    { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 },
    { functionName: '(program)', url: '', lineNumber: -1, columnNumber: -1 },
    { functionName: '(idle)', url: '', lineNumber: -1, columnNumber: -1 },
    { functionName: '(garbage collector)', url: '', lineNumber: -1, columnNumber: -1 },
  ];
  // The tree: mostly deep chains (real stacks run 30–150 frames deep), with branching.
  const parent = new Int32Array(shape.nodes).fill(-1);
  const depth = new Int32Array(shape.nodes);
  const frame: number[] = [0];
  const children: number[][] = [[]];
  for (let i = 1; i < shape.nodes; i++) {
    let p: number;
    // The first four are (root)'s own children; the fifth has no other node above it yet.
    if (i <= 4) p = 0;
    else if (rand() < 0.7 && depth[i - 1] < 140) p = i - 1;
    else p = 4 + pick(i - 4);
    parent[i] = p;
    depth[i] = depth[p] + 1;
    children[p].push(i);
    children.push([]);
    frame.push(i < 4 ? i : 4 + pick(shape.functions));
  }
  // Samples: a few hot leaves get most of them.
  const leaves = [...Array(shape.nodes).keys()].filter((i) => children[i].length === 0);
  const hot = Array.from({ length: 50 }, () => leaves[pick(leaves.length)]);
  const samples = new Int32Array(shape.samples);
  const deltas = new Int32Array(shape.samples);
  const hits = new Int32Array(shape.nodes);
  for (let s = 0; s < shape.samples; s++) {
    const r = rand();
    const node =
      r < 0.5 ? hot[pick(hot.length)] : r < 0.55 ? 2 : r < 0.57 ? 3 : leaves[pick(leaves.length)];
    samples[s] = node + 1;
    deltas[s] = 900 + pick(600);
    hits[node]++;
  }
  const out = fs.openSync(file, 'w');
  let size = 0;
  const write = (text: string) => {
    size += Buffer.byteLength(text);
    fs.writeSync(out, text);
  };
  write('{"nodes":[');
  for (let i = 0; i < shape.nodes; i++) {
    const f = frame[i] < 4 ? meta[frame[i]] : functions[frame[i] - 4];
    const node: Record<string, unknown> = {
      id: i + 1,
      callFrame: { ...f, scriptId: String(frame[i] < 4 ? 0 : 1 + (frame[i] % shape.scripts)) },
      hitCount: hits[i],
      children: children[i].map((c) => c + 1),
    };
    if (hits[i] > 0 && f.url) {
      const line = f.lineNumber + 1;
      node.positionTicks =
        hits[i] > 3
          ? [
              { line: line + 1, ticks: Math.ceil(hits[i] / 2) },
              { line: line + 3, ticks: Math.floor(hits[i] / 2) },
            ]
          : [{ line: line + 1, ticks: hits[i] }];
    }
    write(`${i > 0 ? ',' : ''}${JSON.stringify(node)}`);
  }
  const start = 1_000_000_000;
  let total = 0;
  for (const d of deltas) total += d;
  write(`],"startTime":${start},"endTime":${start + total + 1000},"samples":[`);
  const chunk = 100_000;
  for (let s = 0; s < shape.samples; s += chunk) {
    write(`${s > 0 ? ',' : ''}${Array.from(samples.subarray(s, s + chunk)).join(',')}`);
  }
  write('],"timeDeltas":[');
  for (let s = 0; s < shape.samples; s += chunk) {
    write(`${s > 0 ? ',' : ''}${Array.from(deltas.subarray(s, s + chunk)).join(',')}`);
  }
  write(']}');
  fs.closeSync(out);
  return size;
}
