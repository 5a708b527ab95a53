/**
 * Allocations, pure: the `.heapprofile` reader (strict: every bad field named; generated broken
 * files end in a result or a ProfileError), bytes per function (self, total with recursion once,
 * by owner), the merge of slices and threads (bytes and samples kept, one node per stack, the
 * cap), the Poisson interval of a comparison (covers the true ratio about 95 % of the time), and
 * the GC words that name the allocating function.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { analyze } from '../../src/profile/analyze';
import { compareAllocations, poissonRatio } from '../../src/profile/compareAllocations';
import { ProfileError, parseProfile } from '../../src/profile/cpuprofile';
import { diagnose } from '../../src/profile/diagnosis';
import {
  allocationWords,
  analyzeAllocations,
  parseHeapProfile,
} from '../../src/profile/heapprofile';
import type { HeapProfileNode, RawHeapProfile } from '../../src/record/heap';
import { allocationFigures } from '../../src/report/allocationFigures';
import { NO_PLACE } from '../../src/report/places';
import { HeapProfileMerger, mergeHeapProfiles } from '../../src/runner/agent/mergeHeapProfiles';
import { cpuProfile, repeated, seededRandom } from '../helpers';

const APP = 'file:///srv/app/server.js';
let nextId = 1;

/** A node: `name@line` of the app's script, or V8's own `(root)`. */
function node(name: string, selfSize: number, children: HeapProfileNode[] = []): HeapProfileNode {
  const [fn, line] = name.split('@');
  return {
    callFrame: {
      functionName: fn,
      scriptId: line ? '1' : '0',
      url: line ? APP : '',
      lineNumber: line ? Number(line) - 1 : -1,
      columnNumber: line ? 10 : -1,
    },
    selfSize,
    id: nextId++,
    children,
  };
}

/** Samples of `size` bytes for a node, `count` of them. */
function samplesOf(n: HeapProfileNode, count: number, from = 0) {
  return Array.from({ length: count }, (_, i) => ({ size: 64, nodeId: n.id, ordinal: from + i }));
}

describe('parseHeapProfile', () => {
  test('names the field at fault', () => {
    const cases: [unknown, RegExp][] = [
      ['{', /^invalid profile: \(file\) is not JSON/],
      [{}, /^invalid profile: head must be an object/],
      [
        { head: { ...node('(root)', 0), selfSize: -1 } },
        /head\.selfSize must be a number not below 0/,
      ],
      [
        { head: { ...node('(root)', 0), children: [7] } },
        /head\.children\[0\] must be an object, got 7/,
      ],
      [
        {
          head: node('(root)', 0, [node('a@3', 1)]),
          samples: [{ size: 1, nodeId: 999, ordinal: 'x' }],
        },
        /samples\[0\]\.ordinal must be a whole number/,
      ],
      [
        {
          head: {
            ...node('(root)', 0),
            children: [{ ...node('a@3', 1), callFrame: { ...node('a@3', 1).callFrame, url: 5 } }],
          },
        },
        /head\.children\[0\]\.callFrame\.url must be a string, got 5/,
      ],
    ];
    for (const [input, message] of cases) {
      assert.throws(
        () => parseHeapProfile(typeof input === 'string' ? input : JSON.stringify(input)),
        (error: unknown) => error instanceof ProfileError && message.test(error.message),
        String(message),
      );
    }
    const twice = node('a@3', 1);
    assert.throws(
      () => parseHeapProfile({ head: node('(root)', 0, [twice, { ...twice }]) }),
      /head\.children\[1\]\.id repeats id/,
    );
  });

  test('a file without Hotpath\'s note is "unknown": allocated or live, not recorded', () => {
    const head = node('(root)', 0, [node('a@3', 100)]);
    assert.equal(parseHeapProfile({ head }).mode, 'unknown');
    assert.equal(
      parseHeapProfile({
        head,
        hotpath: { mode: 'allocated', samplingIntervalBytes: 524288, droppedSamples: 0 },
      }).mode,
      'allocated',
    );
  });

  /** A random valid heap profile: a tree of app functions with bytes and samples. */
  const validHeap = fc
    .array(
      fc.record({
        parent: fc.nat(),
        name: fc.constantFrom('a@3', 'b@7', 'c@11', 'a@3'),
        self: fc.nat(10_000),
        samples: fc.nat(3),
      }),
      { maxLength: 30 },
    )
    .map((rows) => {
      const root = node('(root)', 0);
      const all = [root];
      const samples: { size: number; nodeId: number; ordinal: number }[] = [];
      for (const row of rows) {
        const child = node(row.name, row.self);
        all[row.parent % all.length].children.push(child);
        all.push(child);
        samples.push(...samplesOf(child, row.samples, samples.length));
      }
      return { head: root, samples } as RawHeapProfile;
    });

  /** Every way a field can be broken, applied to a node or a sample found by a path of numbers. */
  const breakage = fc.record({
    at: fc.nat(),
    field: fc.constantFrom(
      'selfSize',
      'id',
      'children',
      'callFrame',
      'functionName',
      'nodeId',
      'size',
      'ordinal',
      'lineNumber',
    ),
    value: fc.constantFrom(-1, Number.NaN, 1e300, '7', null, [], {}, 0.5, undefined),
  });

  test('generated broken files end in a result or a ProfileError; valid ones add up', () => {
    fc.assert(
      fc.property(validHeap, fc.array(breakage, { maxLength: 3 }), (valid, breaks) => {
        const p = structuredClone(valid) as unknown as {
          head: Record<string, unknown>;
          samples: Record<string, unknown>[];
        };
        const nodes: Record<string, unknown>[] = [];
        const walk = [p.head];
        while (walk.length > 0) {
          const n = walk.pop() as Record<string, unknown>;
          nodes.push(n);
          walk.push(...((n.children as Record<string, unknown>[]) ?? []));
        }
        for (const b of breaks) {
          const onSample = ['nodeId', 'size', 'ordinal'].includes(b.field);
          if (onSample && p.samples.length > 0)
            p.samples[b.at % p.samples.length][b.field] = b.value;
          else if (['functionName', 'lineNumber'].includes(b.field)) {
            const frame = nodes[b.at % nodes.length].callFrame;
            if (typeof frame === 'object' && frame !== null)
              (frame as Record<string, unknown>)[b.field] = b.value;
          } else nodes[b.at % nodes.length][b.field] = b.value;
        }
        try {
          const a = analyzeAllocations(parseHeapProfile(p));
          for (const f of a.functions) {
            assert.ok(Number.isFinite(f.selfBytes) && Number.isFinite(f.totalBytes));
            assert.ok(f.selfBytes <= f.totalBytes + 1e-6 && f.totalBytes <= a.totalBytes + 1e-6);
          }
          if (breaks.length === 0) {
            const selfSum = a.functions.reduce((sum, f) => sum + f.selfBytes, 0);
            assert.equal(selfSum, a.totalBytes, "the functions' own bytes are all the bytes");
            assert.equal(a.samples, valid.samples?.length ?? 0);
          }
        } catch (error) {
          if (!(error instanceof ProfileError)) throw error;
          assert.match(error.message, /^invalid profile: \S+ /, 'the error names the field');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('analyzeAllocations', () => {
  test('self and total bytes per function; recursion counted once; by owner', () => {
    const inner = node('walk@5', 300);
    const lib = node('copy@1', 50);
    lib.callFrame.url = 'file:///srv/app/node_modules/lodash/copy.js';
    const outer = node('walk@5', 200, [inner, lib]);
    const head = node('(root)', 0, [node('handler@20', 10, [outer]), node('other@30', 440)]);
    const a = analyzeAllocations(parseHeapProfile({ head, samples: samplesOf(inner, 3) }));
    const walk = a.functions.find((f) => f.name === 'walk');
    assert.equal(walk?.selfBytes, 500);
    assert.equal(walk?.totalBytes, 550, 'the inner walk is inside the outer: counted once');
    assert.equal(walk?.selfSamples, 3);
    assert.equal(walk?.generated.line, 5, "1-based, the function's own line");
    assert.equal(a.functions.find((f) => f.name === 'handler')?.totalBytes, 560);
    assert.equal(a.totalBytes, 1000);
    assert.deepEqual(
      a.parts.map((p) => [p.kind, p.owner, p.bytes]),
      [
        ['user', undefined, 950],
        ['package', 'lodash', 50],
      ],
    );
    const words = allocationWords(a, 10);
    assert.deepEqual(
      words?.top.map((t) => [t.name, t.share, t.perResponseBytes]),
      [
        ['walk', 0.5, 50],
        ['other', 0.44, 44],
      ],
    );
  });
});

describe('where an allocating function is', () => {
  test('a frame with no script URL says what it is, never an empty cell', () => {
    // As `node --heap-prof` writes a script V8 no longer holds: its id, no URL, no line.
    const unplaced = (name: string, line = 0) => {
      const n = node(name, 100);
      n.callFrame = { ...n.callFrame, scriptId: '81', url: '', lineNumber: line - 1 };
      return n;
    };
    const head = node('(root)', 0, [
      unplaced('makeRecords'),
      unplaced(''),
      unplaced('compiled', 3),
      node('(V8 API)', 100),
      node('handler@20', 100),
    ]);
    const figures = allocationFigures(
      analyzeAllocations(parseHeapProfile({ head, samples: [] })),
      undefined,
      undefined,
      { rows: 10, visibleShare: 0 },
      '/srv/app',
    );
    const where = Object.fromEntries(figures.rows.map((r) => [r.name, r.where]));
    assert.deepEqual(where, {
      makeRecords: NO_PLACE,
      '(anonymous)': NO_PLACE,
      compiled: 'generated code: eval, no script URL, line 3',
      '(V8 API)': "V8's own work",
      handler: 'server.js:20',
    });
  });

  test("a script without a URL is JavaScript of its own, not native code; two such scripts' functions stay two", () => {
    const unplaced = (name: string, scriptId: string, bytes: number) => {
      const n = node(name, bytes);
      n.callFrame = { ...n.callFrame, scriptId, url: '', lineNumber: -1, columnNumber: -1 };
      return n;
    };
    const head = node('(root)', 0, [
      unplaced('work', '81', 700),
      unplaced('work', '90', 200),
      node('(V8 API)', 100),
    ]);
    const analysis = analyzeAllocations(parseHeapProfile({ head, samples: [] }));
    assert.deepEqual(
      analysis.functions.filter((f) => f.name === 'work').map((f) => f.selfBytes),
      [700, 200],
    );
    const parts = Object.fromEntries(analysis.parts.map((p) => [p.kind, p.bytes]));
    assert.deepEqual(parts, { script: 900, native: 100 });
  });
});

describe('merging heap profiles', () => {
  test('slices and threads: one node per stack, bytes and samples kept, the cap counted', () => {
    const slice = (bytes: number, samples: number): RawHeapProfile => {
      const leaf = node('loop@4', bytes);
      return {
        head: node('(root)', 0, [node('handler@2', 0, [leaf])]),
        samples: samplesOf(leaf, samples),
      };
    };
    const merged = mergeHeapProfiles([slice(1000, 2), slice(3000, 5), slice(500, 1)], 524288, 100);
    const a = analyzeAllocations(parseHeapProfile(merged));
    assert.equal(a.mode, 'allocated');
    assert.equal(a.totalBytes, 4500);
    assert.equal(a.samples, 8);
    assert.equal(merged.head.children.length, 1, 'the same stack is one node');
    const ordinals = merged.samples?.map((s) => s.ordinal);
    assert.deepEqual(ordinals, [1, 2, 3, 4, 5, 6, 7, 8], 'renumbered in the order they came');

    const capped = new HeapProfileMerger(3);
    capped.add(slice(1000, 2));
    capped.add(slice(1000, 2));
    const result = capped.result(524288);
    assert.equal(result.samples?.length, 3);
    assert.equal(result.hotpath?.droppedSamples, 1);
    assert.equal(analyzeAllocations(parseHeapProfile(result)).totalBytes, 2000, 'bytes all kept');
  });
});

describe('comparing allocations', () => {
  /** A Poisson draw (Knuth's method; rates here are small). */
  const poisson = (random: () => number, rate: number): number => {
    const limit = Math.exp(-rate);
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    return k;
  };

  test('the interval from the sample counts covers the true ratio about 95 % of the time', () => {
    const random = seededRandom(28);
    const trials = 2000;
    let covered = 0;
    for (let i = 0; i < trials; i++) {
      const [ra, rb] = [40, 20]; // samples expected before and after: the true ratio is 0.5
      const [na, nb] = [poisson(random, ra), poisson(random, rb)];
      const interval = poissonRatio(na, nb, nb / Math.max(na, 0.5));
      if (interval.low <= 0.5 && 0.5 <= interval.high) covered++;
    }
    const coverage = covered / trials;
    assert.ok(coverage > 0.92 && coverage < 0.99, `covered ${coverage}`);
  });

  test('bytes per request before → after, and the functions that changed', () => {
    const profileWith = (bytes: number, samples: number) => {
      const leaf = node('loop@4', bytes);
      return analyzeAllocations(
        parseHeapProfile({
          head: node('(root)', 0, [leaf]),
          samples: samplesOf(leaf, samples),
          hotpath: { mode: 'allocated', samplingIntervalBytes: 524288, droppedSamples: 0 },
        }),
      );
    };
    const change = compareAllocations(profileWith(1e9, 2000), 100, profileWith(1e6, 4), 50);
    assert.ok(change);
    assert.equal(change.before, 1e7);
    assert.equal(change.after, 2e4);
    assert.equal(change.ratio.estimate, 0.002);
    assert.ok(change.ratio.high < 1 && change.ratio.low > 0);
    assert.deepEqual(
      change.functions.map((f) => [f.name, f.before, f.after]),
      [['loop', 1e7, 2e4]],
    );
    // A foreign file's bytes may be the live ones only: not compared per request.
    const foreign = analyzeAllocations(
      parseHeapProfile({ head: node('(root)', 0, [node('a@1', 5)]) }),
    );
    assert.equal(compareAllocations(foreign, 10, profileWith(1e6, 4), 10), undefined);
  });
});

describe('the GC words name the allocating function', () => {
  test('a CPU-bound verdict with GC says who allocates, its share and bytes per request', () => {
    const stacks = [
      ...repeated(900, [{ name: 'copyLoop', url: APP, line: 11, column: 0, scriptId: '1' }], 100),
      ...repeated(100, ['(garbage collector)'], 100),
    ];
    const analysis = analyze(parseProfile(cpuProfile(stacks)));
    const leaf = node('copyLoop@12', 3 * 1024 * 1024);
    const allocations = analyzeAllocations(
      parseHeapProfile({ head: node('(root)', 0, [leaf, node('other@40', 100)]) }),
    );
    const diagnosis = diagnose(analysis, {
      metrics: { cpuUserMs: 1000, cpuSystemMs: 0, cpuShare: 1 },
      allocations: allocationWords(allocations, 3),
    });
    assert.match(
      diagnosis.summary,
      /allocation adds to it; copyLoop \(server\.js:12\) allocates 100 % of the bytes, 1\.0 MB per request\./,
      diagnosis.summary,
    );
  });
});
