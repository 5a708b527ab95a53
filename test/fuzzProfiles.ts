/**
 * Generated profiles for fuzz tests: valid small profiles, and the ways a file can be broken
 * (wrong types, dangling ids, cycles, huge numbers, NaN, negative deltas, empty arrays).
 */
import fc from 'fast-check';

export type Json = unknown;

/** A small valid profile: a random tree, samples and position ticks. */
export const validProfile = fc
  .record({
    parents: fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
    samples: fc.array(fc.nat(), { maxLength: 60 }),
    deltas: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 60, maxLength: 60 }),
    lines: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 31, maxLength: 31 }),
  })
  .map(({ parents, samples, deltas, lines }) => {
    const count = parents.length + 1;
    const nodes = Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      callFrame: {
        functionName: i === 0 ? '(root)' : `f${i % 7}`,
        scriptId: String(i % 3),
        url: i === 0 ? '' : `file:///app/m${i % 3}.js`,
        lineNumber: i === 0 ? -1 : lines[i],
        columnNumber: 0,
      },
      hitCount: 0,
      children: [] as number[],
      positionTicks: i === 0 ? [] : [{ line: lines[i] + 1, ticks: 1 + (i % 3) }],
    }));
    for (let i = 1; i < count; i++) nodes[parents[i - 1] % i].children.push(i + 1);
    const ids = samples.map((s) => (s % count) + 1);
    const timeDeltas = deltas.slice(0, ids.length);
    const startTime = 5_000_000;
    return {
      nodes,
      startTime,
      endTime: startTime + timeDeltas.reduce((a, b) => a + b, 0) + 100,
      samples: ids,
      timeDeltas,
    } as Record<string, Json>;
  });

/** Values that do not belong where they land. */
const hostile = fc.constantFrom<Json>(
  null,
  undefined,
  'x',
  '',
  true,
  [],
  {},
  [[]],
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e308,
  -1e308,
  -5,
  -1,
  0,
  2 ** 53 + 2,
  0.5,
  999_999,
  '<img src=x onerror=alert(1)>',
);

/** A place in a profile: a path of keys and indices, resolved against the profile at hand. */
const place = fc.record({
  top: fc.constantFrom(
    'nodes',
    'samples',
    'timeDeltas',
    'startTime',
    'endTime',
    'node',
    'node',
    'node',
    'node',
  ),
  index: fc.nat(),
  field: fc.constantFrom(
    'id',
    'callFrame',
    'callFrame.functionName',
    'callFrame.url',
    'callFrame.lineNumber',
    'callFrame.columnNumber',
    'callFrame.scriptId',
    'children',
    'children.0',
    'positionTicks',
    'positionTicks.0',
    'positionTicks.0.line',
    'positionTicks.0.ticks',
    'hitCount',
  ),
});

export type Mutation =
  | { kind: 'set'; at: { top: string; index: number; field: string }; value: Json }
  | { kind: 'cycle'; from: number; to: number }
  | { kind: 'dangling'; index: number; id: number }
  | { kind: 'empty'; what: 'nodes' | 'samples' | 'timeDeltas' | 'children' }
  | { kind: 'duplicate'; index: number }
  | { kind: 'negativeDelta'; index: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: place, value: hostile }),
  fc.record({ kind: fc.constant('cycle' as const), from: fc.nat(), to: fc.nat() }),
  fc.record({
    kind: fc.constant('dangling' as const),
    index: fc.nat(),
    id: fc.integer({ min: -3, max: 10_000 }),
  }),
  fc.record({
    kind: fc.constant('empty' as const),
    what: fc.constantFrom(
      'nodes' as const,
      'samples' as const,
      'timeDeltas' as const,
      'children' as const,
    ),
  }),
  fc.record({ kind: fc.constant('duplicate' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('negativeDelta' as const), index: fc.nat() }),
);

function setPath(target: Json, path: string[], value: Json): void {
  if (typeof target !== 'object' || target === null) return;
  let at = target as Record<string, Json>;
  for (const key of path.slice(0, -1)) {
    const next = at?.[key];
    if (typeof next !== 'object' || next === null) return;
    at = next as Record<string, Json>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
}

export function apply(profile: Record<string, Json>, m: Mutation): void {
  const nodes = Array.isArray(profile.nodes) ? (profile.nodes as Record<string, Json>[]) : [];
  const pickNode = (i: number) => {
    const node = nodes.length > 0 ? nodes[i % nodes.length] : undefined;
    return typeof node === 'object' && node !== null && !Array.isArray(node) ? node : undefined;
  };
  switch (m.kind) {
    case 'set': {
      // A copy: the hostile values are shared constants, and later mutations change what they land in.
      const value = structuredClone(m.value);
      if (m.at.top === 'node') {
        const node = pickNode(m.at.index);
        if (node) setPath(node, m.at.field.split('.'), value);
      } else if (m.at.top === 'samples' || m.at.top === 'timeDeltas') {
        const list = profile[m.at.top];
        if (Array.isArray(list) && list.length > 0 && m.at.index % 2 === 0)
          list[m.at.index % list.length] = value;
        else profile[m.at.top] = value;
      } else setPath(profile, [m.at.top], value);
      break;
    }
    case 'cycle': {
      // A child pointing back up (or at itself): the tree becomes a graph.
      const from = pickNode(m.from);
      const to = pickNode(m.to);
      if (from && to && Array.isArray(from.children)) from.children.push(to.id);
      break;
    }
    case 'dangling': {
      const node = pickNode(m.index);
      if (m.index % 2 === 0 && node && Array.isArray(node.children)) node.children.push(m.id);
      else if (Array.isArray(profile.samples)) profile.samples.push(m.id);
      break;
    }
    case 'empty':
      if (m.what === 'children') for (const node of nodes) node.children = [];
      else profile[m.what] = [];
      break;
    case 'duplicate': {
      const node = pickNode(m.index);
      if (node) nodes.push(structuredClone(node));
      break;
    }
    case 'negativeDelta': {
      const deltas = profile.timeDeltas;
      if (Array.isArray(deltas) && deltas.length > 0) deltas[m.index % deltas.length] = -1000;
      break;
    }
  }
}
