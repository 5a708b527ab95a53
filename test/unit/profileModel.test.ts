import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type CpuProfile, ProfileError, parseProfile } from '../../src/profile/cpuprofile';
import { buildModel, CATEGORIES, categorize, type ProfileModel } from '../../src/profile/model';
import { cpuProfile, headFormat, repeated } from '../helpers';

interface Spec {
  id: number;
  name: string;
  url?: string;
  line?: number;
  children?: number[];
  ticks?: [number, number][];
}

/** A profile in the modern format from a compact description. */
function profile(
  specs: Spec[],
  samples: number[],
  deltas: number[],
  tail = 0,
): Record<string, unknown> {
  const start = 1_000_000;
  const end = start + deltas.reduce((a, b) => a + b, 0) + tail;
  return {
    nodes: specs.map((s) => ({
      id: s.id,
      callFrame: {
        functionName: s.name,
        scriptId: '1',
        url: s.url ?? '',
        lineNumber: s.line ?? -1,
        columnNumber: 0,
      },
      hitCount: 0,
      children: s.children ?? [],
      ...(s.ticks ? { positionTicks: s.ticks.map(([line, ticks]) => ({ line, ticks })) } : {}),
    })),
    startTime: start,
    endTime: end,
    samples,
    timeDeltas: deltas,
  };
}

const APP = '/srv/app.js';
const fn = (model: ProfileModel, name: string) => {
  const found = model.functions.find((f) => f.name === name);
  assert.ok(found, `function ${name}`);
  return found;
};

describe('buildModel on hand-built profiles', () => {
  // (root) -> main -> { a, b }, (root) -> (idle)
  const main = { name: 'main', url: APP, line: 9 };
  // Samples at +100, +110, +130, +160, +200; end at +250: spans 10, 20, 30, 40, 50.
  // a's ticks (line 21 once, 22 twice) are not its samples (two): V8's need not match.
  const model = buildModel(
    parseProfile(
      cpuProfile(
        [
          { stack: [main, { name: 'a', url: APP, line: 19 }], us: 10, line: 21 },
          { stack: [main, { name: 'a', url: APP, line: 19 }], us: 20, line: 22, ticks: 2 },
          { stack: [main, { name: 'b', url: APP, line: 29 }], us: 30 },
          { stack: [main], us: 40 },
          { stack: ['(idle)'], us: 50 },
        ],
        { startTime: 1_000_000, leadUs: 100 },
      ),
    ),
  );

  test('sample i lasts until sample i+1, the last until endTime', () => {
    assert.equal(model.durationUs, 150);
    assert.equal(fn(model, 'a').selfUs, 30);
    assert.equal(fn(model, 'b').selfUs, 30);
    assert.equal(fn(model, 'main').selfUs, 40);
    assert.equal(fn(model, '(idle)').selfUs, 50);
    assert.equal(model.sampleCount, 5);
    assert.equal(model.meanIntervalUs, 25);
  });

  test('total time includes the callees', () => {
    assert.equal(fn(model, 'main').totalUs, 100);
    assert.equal(fn(model, 'a').totalUs, 30);
    assert.equal(fn(model, '(root)').totalUs, 150);
  });

  test('lines take their share of position ticks; a node without ticks has no line (0)', () => {
    const line = (n: number) => model.lines.find((l) => l.url === APP && l.line === n)?.selfUs;
    assert.equal(line(21), 10);
    assert.equal(line(22), 20);
    const noLine = model.lines.filter((l) => l.line === 0);
    assert.deepEqual(
      noLine.map((l) => [model.functions[l.functionId].name, l.selfUs]).sort(),
      [
        ['b', 30],
        ['main', 40],
      ],
      'b and main, no ticks: no line, never their declaration line',
    );
    assert.equal(line(30), undefined, 'not the declaration line of b (lineNumber 29 is 0-based)');
    assert.equal(fn(model, 'a').line, 20, 'lines are shown 1-based');
  });

  test('categories add up to the duration', () => {
    assert.equal(model.categories.user, 100);
    assert.equal(model.categories.idle, 50);
    assert.equal(
      CATEGORIES.reduce((sum, c) => sum + model.categories[c], 0),
      model.durationUs,
    );
  });

  test('the merged tree is heaviest first', () => {
    const main = model.tree.children.find((c) => model.functions[c.functionId].name === 'main');
    assert.ok(main);
    assert.equal(main.totalUs, 100);
    assert.deepEqual(
      model.tree.children.map((c) => model.functions[c.functionId].name),
      ['main', '(idle)'],
    );
  });

  test('recursion is counted once in total time', () => {
    // (root) -> f -> g -> f(again, same function) ; samples: 10 in inner f, 10 in g
    const [f, g] = [
      { name: 'f', url: APP, line: 1 },
      { name: 'g', url: APP, line: 5 },
    ];
    const recursive = buildModel(
      parseProfile(
        cpuProfile([
          { stack: [f, g, f], us: 10 },
          { stack: [f, g], us: 10 },
        ]),
      ),
    );
    assert.equal(fn(recursive, 'f').totalUs, 20, 'not 30');
    assert.equal(fn(recursive, 'f').selfUs, 10);
    assert.equal(fn(recursive, 'g').totalUs, 20);
  });

  test('siblings of one function are merged in the tree', () => {
    const h = { name: 'h', url: APP, line: 3 };
    const raw = cpuProfile(repeated(2, [h], 5));
    // Two nodes of one function below one parent, as V8 may write: the second sample on a twin.
    raw.nodes.push({ ...raw.nodes[1], id: 3 });
    raw.nodes[0].children.push(3);
    raw.samples[1] = 3;
    const split = buildModel(parseProfile(raw));
    assert.equal(split.tree.children.length, 1);
    assert.equal(split.tree.children[0].totalUs, 10);
  });
});

describe('parseProfile', () => {
  const good = () =>
    cpuProfile(
      [
        { stack: [{ name: 'x', url: APP }], us: 1 },
        { stack: [{ name: 'x', url: APP }], us: 0 },
      ],
      { leadUs: 1 },
    );

  test('every inconsistency is a ProfileError naming the field', () => {
    // biome-ignore lint/suspicious/noExplicitAny: the cases break the profile on purpose
    type Raw = Record<string, any>;
    const cases: [(p: Raw) => unknown, RegExp][] = [
      [() => 'not json {', /\(file\) is not JSON/],
      [() => '[]', /\(profile\) must be an object/],
      [(p) => ({ ...p, nodes: 3 }), /nodes must be an array/],
      [(p) => ({ ...p, nodes: [] }), /nodes must not be empty/],
      [
        (p) => {
          p.nodes[1].id = 'x';
        },
        /nodes\[1\]\.id must be a finite number/,
      ],
      [
        (p) => {
          p.nodes[1].id = 1;
        },
        /nodes\[1\]\.id repeats id 1/,
      ],
      [
        (p) => {
          p.nodes[0].children = [9];
        },
        /nodes\[0\]\.children\[0\] names no node \(id 9\)/,
      ],
      [
        (p) => {
          p.nodes[1].children = [1];
        },
        /gives node 1 a second parent|form a cycle/,
      ],
      [
        (p) => {
          p.nodes[1].children = [2];
        },
        /nodes\[1\]\.children\[0\] makes node 2 its own child/,
      ],
      [
        (p) => {
          p.nodes[1].callFrame.url = 5;
        },
        /nodes\[1\]\.callFrame\.url must be a string/,
      ],
      [
        (p) => {
          p.nodes[1].callFrame = null;
        },
        /nodes\[1\]\.callFrame must be an object/,
      ],
      [
        (p) => {
          p.nodes[1].positionTicks = [{ line: 1, ticks: -1 }];
        },
        /positionTicks\[0\]\.ticks must not be negative/,
      ],
      [
        (p) => {
          p.samples = [2, 7];
        },
        /samples\[1\] names no node \(id 7\)/,
      ],
      [
        (p) => {
          p.timeDeltas = [1];
        },
        /timeDeltas has 1 entries for 2 samples/,
      ],
      [
        (p) => {
          p.timeDeltas = [1, Number.NaN];
        },
        /timeDeltas\[1\] must be a finite number/,
      ],
      [
        (p) => {
          p.startTime = '0';
        },
        /startTime must be a finite number/,
      ],
      [(p) => ({ ...p, endTime: p.startTime - 1 }), /endTime is before startTime/],
      [
        (p) => {
          p.nodes.push(
            { id: 3, callFrame: {}, children: [4] },
            { id: 4, callFrame: {}, children: [3] },
          );
        },
        /cycle/,
      ],
    ];
    for (const [mutate, message] of cases) {
      const raw = good();
      const input = mutate(raw) ?? raw;
      assert.throws(
        () => parseProfile(typeof input === 'string' ? input : JSON.stringify(input)),
        (error: unknown) => error instanceof ProfileError && message.test(error.message),
        String(message),
      );
    }
  });

  test('optional fields are tolerated: no positionTicks, no hitCount, no children', () => {
    const raw = good();
    const { id, callFrame } = raw.nodes[1];
    const parsed = parseProfile({ ...raw, nodes: [raw.nodes[0], { id, callFrame }] });
    assert.deepEqual(parsed.nodes[1].positionTicks, []);
    assert.deepEqual(parsed.nodes[1].children, []);
  });

  test('samples out of order (negative deltas) are sorted by time, as DevTools does', () => {
    // Deltas +10, +10, -5, then 20 to the end.
    const [x, y] = [
      { name: 'x', url: APP },
      { name: 'y', url: APP },
    ];
    const parsed = parseProfile(
      cpuProfile(
        [
          { stack: [x], us: 10 },
          { stack: [y], us: -5 },
          { stack: [x], us: 20 },
        ],
        { leadUs: 10 },
      ),
    );
    assert.deepEqual(parsed.samples, [2, 2, 3]);
    assert.ok(parsed.timeDeltas.every((d) => d >= 0));
    assert.equal(buildModel(parsed).durationUs, 25, 'from the first sample (+10) to the end (+35)');
  });

  test('the old nested format (head, seconds, timestamps, 1-based lines) is converted', () => {
    // From 100 s: samples at +0.5 ms and +1.5 ms, the end at +3 ms.
    const frame = { name: 'work', url: 'http://x/app.js', line: 11, column: 2 };
    const old = headFormat(
      cpuProfile(
        [
          { stack: [frame], us: 1000 },
          { stack: [frame], us: 1500 },
        ],
        { startTime: 100_000_000, leadUs: 500 },
      ),
    );
    const model = buildModel(parseProfile(old));
    const work = model.functions.find((f) => f.name === 'work');
    assert.equal(work?.line, 12);
    assert.equal(work?.column, 3);
    assert.equal(model.durationUs, 2500);
  });
});

describe('categorize', () => {
  test('names V8, Node, packages and user code', () => {
    assert.equal(categorize('', '(garbage collector)').category, 'gc');
    assert.equal(categorize('', '(idle)').category, 'idle');
    assert.equal(categorize('', 'parseInt').category, 'v8');
    assert.equal(categorize('node:internal/timers').category, 'node');
    assert.equal(categorize('internal/timers.js').category, 'node');
    assert.equal(categorize('events.js').category, 'node');
    assert.deepEqual(categorize('/app/node_modules/fastify/lib/route.js'), {
      category: 'node_modules',
      packageName: 'fastify',
    });
    assert.deepEqual(categorize('file:///a/node_modules/@fastify/ajv/x.js'), {
      category: 'node_modules',
      packageName: '@fastify/ajv',
    });
    assert.equal(categorize('file:///srv/app/src/handlers.ts').category, 'user');
  });
});

describe('properties of the model on random valid profiles', () => {
  const arbitraryProfile = fc
    .record({
      parents: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
      names: fc.array(
        fc.constantFrom('f', 'g', 'h', '(program)', '(idle)', '(garbage collector)'),
        { minLength: 41, maxLength: 41 },
      ),
      samples: fc.array(fc.nat(), { maxLength: 200 }),
      deltas: fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 200, maxLength: 200 }),
      tail: fc.integer({ min: 0, max: 5000 }),
      ticks: fc.array(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 4 })), {
          maxLength: 3,
        }),
        { minLength: 41, maxLength: 41 },
      ),
    })
    .map(({ parents, names, samples, deltas, tail, ticks }): CpuProfile => {
      const count = parents.length + 1;
      const specs: Spec[] = [{ id: 1, name: '(root)', children: [] }];
      for (let i = 1; i < count; i++) {
        const parent = parents[i - 1] % i;
        const name = names[i];
        const meta = name.startsWith('(');
        specs.push({
          id: i + 1,
          children: [],
          name,
          url: meta ? '' : APP,
          line: meta ? -1 : name.charCodeAt(0),
          ticks: meta ? undefined : ticks[i],
        });
        (specs[parent].children as number[]).push(i + 1);
      }
      const ids = samples.map((s) => (s % count) + 1);
      return parseProfile(profile(specs, ids, deltas.slice(0, ids.length), tail));
    });

  test('self times add up to the duration; total ≥ self; the root holds everything', () => {
    fc.assert(
      fc.property(arbitraryProfile, (parsed) => {
        const model = buildModel(parsed);
        const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
        const selfSum = model.functions.reduce((sum, f) => sum + f.selfUs, 0);
        assert.ok(close(selfSum, model.durationUs), `${selfSum} vs ${model.durationUs}`);
        for (const f of model.functions) assert.ok(f.totalUs + 1e-6 >= f.selfUs, f.name);
        assert.ok(close(model.tree.totalUs, model.durationUs));
        const lineSum = model.lines.reduce((sum, l) => sum + l.selfUs, 0);
        const noLine = model.functions
          .filter((f) => f.url === '')
          .reduce((sum, f) => sum + f.selfUs, 0);
        assert.ok(close(lineSum + noLine, model.durationUs), 'lines + V8 entries = duration');
        const categorySum = CATEGORIES.reduce((sum, c) => sum + model.categories[c], 0);
        assert.ok(close(categorySum, model.durationUs));
      }),
    );
  });
});
