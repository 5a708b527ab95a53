/**
 * pprof read into the model: CPU and wall samples as weighted stacks without a timeline (or with
 * one, when every sample carries an end timestamp), inlined frames in order, lines as line time;
 * allocation profiles refused by name; broken references named by field; and random damage to a
 * valid pprof's bytes ends in a result or a ProfileError, never a crash.
 *
 * HOTPATH_FUZZ_RUNS sets the number of fuzz cases (default 10,000; these a fifth).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  Function as Fn,
  Label,
  Line,
  Location,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { analyze } from '../../src/profile/analyze';
import { ProfileError, parseProfile } from '../../src/profile/cpuprofile';
import { readAnyProfile } from '../../src/profile/formats/detect';
import { readPprof } from '../../src/profile/formats/pprof';
import { encodePprof, pprofFile } from '../../src/profile/formats/pprofWrite';
import { oneThread } from '../../src/profile/formats/threads';
import { buildModel } from '../../src/profile/model';
import { packProfile } from '../../src/profile/packedProfile';
import { cpuProfile, repeated } from '../helpers';

const RUNS = Number(process.env.HOTPATH_FUZZ_RUNS) || 10_000;
const APP = '/srv/app.js';

/**
 * A pprof of `types` with samples given as [stack of function names leaf first, values, end ns?,
 * labels?] (a label's value a string, or a number).
 */
function pprof(
  types: [string, string][],
  samples: [string[], number[], number?, Record<string, string | number>?][],
): Uint8Array {
  const strings = new StringTable();
  const s = (t: string) => strings.dedup(t) as number;
  const fns = new Map<string, number>();
  const fn: Fn[] = [];
  const loc: Location[] = [];
  const locOf = (name: string) => {
    let id = fns.get(name);
    if (id === undefined) {
      id = fn.length + 1;
      fns.set(name, id);
      fn.push(new Fn({ id, name: s(name), filename: s(APP), startLine: 10 * id }));
      // `outer+inner` in one location: inner inlined into outer (pprof lists the leaf first).
      const parts = name.split('+');
      loc.push(
        new Location({
          id,
          line: parts
            .reverse()
            .map(
              (_, k) => new Line({ functionId: id as number, line: 10 * (id as number) + k + 1 }),
            ),
        }),
      );
    }
    return id;
  };
  const endKey = s('end_timestamp_ns');
  return new Profile({
    sampleType: types.map(([t, u]) => new ValueType({ type: s(t), unit: s(u) })),
    sample: samples.map(
      ([stack, value, end, labels]) =>
        new Sample({
          locationId: stack.map(locOf),
          value,
          label: [
            ...(end === undefined ? [] : [new Label({ key: endKey, num: end })]),
            ...Object.entries(labels ?? {}).map(([key, v]) =>
              typeof v === 'number'
                ? new Label({ key: s(key), num: v })
                : new Label({ key: s(key), str: s(v) }),
            ),
          ],
        }),
    ),
    function: fn,
    location: loc,
    stringTable: strings,
  }).encode();
}

describe('pprof', () => {
  test('CPU samples: weighted stacks, no timeline, the heaviest on top', () => {
    const bytes = pprof(
      [
        ['samples', 'count'],
        ['cpu', 'nanoseconds'],
      ],
      [
        [
          ['parse', 'handle'],
          [3, 3_000_000],
        ],
        [['handle'], [1, 1_000_000]],
        [
          ['parse', 'handle'],
          [2, 2_000_000],
        ],
      ],
    );
    const read = readAnyProfile(bytes);
    assert.equal(read.format, 'pprof');
    const model = buildModel(read.profile);
    assert.equal(model.noTimeline, true);
    assert.equal(model.meanIntervalUs, 0, 'no interval is made up');
    assert.match(analyze(read.profile).notes[0] ?? '', /^no timeline in this file/);
    assert.equal(model.durationUs, 6000);
    const byName = Object.fromEntries(model.functions.map((f) => [f.name, [f.selfUs, f.totalUs]]));
    assert.deepEqual(byName.parse, [5000, 5000]);
    assert.deepEqual(byName.handle, [1000, 6000]);
    assert.equal(byName.handle[1], 6000);
  });

  test('wall time when there is no CPU value; end timestamps on every sample give a timeline', () => {
    const wall = pprof(
      [
        ['sample', 'count'],
        ['wall', 'microseconds'],
      ],
      [
        [['wait'], [1, 700]],
        [['work'], [1, 300]],
      ],
    );
    assert.equal(buildModel(readPprof(wall)).durationUs, 1000);
    const timed = pprof(
      [['wall', 'nanoseconds']],
      [
        [['b'], [1_000_000], 5_000_000],
        [['a'], [1_000_000], 3_000_000],
      ],
    );
    const profile = readPprof(timed);
    assert.equal(profile.noTimeline, undefined);
    assert.equal(profile.startTime, 2000);
    assert.equal(profile.endTime, 5000);
    // In time order: a, then b.
    assert.deepEqual(
      [...profile.samples].map((n) => profile.names[profile.nameOf[n]]),
      ['a', 'b'],
    );
  });

  test('allocation profiles are refused by name, as are broken references', () => {
    const heap = pprof(
      [
        ['alloc_objects', 'count'],
        ['alloc_space', 'bytes'],
      ],
      [[['make'], [1, 64]]],
    );
    assert.throws(
      () => readAnyProfile(heap),
      /invalid profile: sample_type is allocation \(alloc_objects\/count, alloc_space\/bytes\): an allocation profile, not CPU time/,
    );
    const p = Profile.decode(pprof([['cpu', 'nanoseconds']], [[['f'], [1]]]));
    p.sample[0].locationId = [99];
    assert.throws(
      () => readPprof(p.encode()),
      /invalid profile: sample\[0\]\.location_id\[0\] names no location \(99\)/,
    );
    const q = Profile.decode(
      pprof(
        [
          ['samples', 'count'],
          ['cpu', 'nanoseconds'],
        ],
        [[['f'], [1, 5]]],
      ),
    );
    q.sample[0].value = [1];
    assert.throws(
      () => readPprof(q.encode()),
      /sample\[0\]\.value has 1 values for 2 sample types/,
    );
  });

  test('inlined frames in a location are a stack, the caller above, the leaf line its time', () => {
    const strings = new StringTable();
    const s = (t: string) => strings.dedup(t) as number;
    const bytes = new Profile({
      sampleType: [new ValueType({ type: s('cpu'), unit: s('nanoseconds') })],
      function: [
        new Fn({ id: 1, name: s('outer'), filename: s(APP), startLine: 1 }),
        new Fn({ id: 2, name: s('inner'), filename: s(APP), startLine: 20 }),
      ],
      // pprof lists a location's lines leaf first: inner (inlined) at 22, called from outer at 3.
      location: [
        new Location({
          id: 7,
          line: [new Line({ functionId: 2, line: 22 }), new Line({ functionId: 1, line: 3 })],
        }),
      ],
      sample: [new Sample({ locationId: [7], value: [4000] })],
      stringTable: strings,
    }).encode();
    const model = buildModel(readPprof(bytes));
    const [outer] = model.tree.children;
    assert.equal(model.functions[outer.functionId].name, 'outer');
    assert.equal(model.functions[outer.children[0].functionId].name, 'inner');
    assert.deepEqual(
      model.lines.map((l) => [l.line, l.selfUs]),
      [[22, 4]],
    );
  });

  test("Hotpath's own pprof of a profile reads back to the same functions and times", () => {
    const original = cpuProfile([
      ...repeated(
        5,
        [
          { name: 'route', url: `file://${APP}`, line: 2 },
          { name: 'hash', url: `file://${APP}`, line: 9 },
        ],
        1000,
        11,
      ),
      ...repeated(3, [{ name: 'route', url: `file://${APP}`, line: 2 }], 1000, 4),
      ...repeated(2, ['(idle)'], 1000),
    ]);
    const model = buildModel(packProfile(parseProfile(structuredClone(original))));
    const back = buildModel(
      readAnyProfile(pprofFile(packProfile(parseProfile(structuredClone(original))))).profile,
    );
    const self = (m: typeof model) =>
      m.functions
        .filter((f) => f.selfUs > 0)
        .map((f) => [f.name, f.line, Math.round(f.selfUs)])
        .sort();
    assert.deepEqual(self(back), self(model));
    assert.deepEqual(
      back.lines.map((l) => [l.line, Math.round(l.selfUs)]).sort(),
      model.lines.map((l) => [l.line, Math.round(l.selfUs)]).sort(),
    );
  });

  test("@datadog/pprof's thread labels ('thread name', 'thread id') and pid: a frame per thread", () => {
    const main = { 'thread name': 'Main Event Loop', 'thread id': '0', pid: 42 };
    const worker = { 'thread name': 'Worker #1 Event Loop', 'thread id': '1', pid: 42 };
    const wall: [string, string][] = [['wall', 'nanoseconds']];
    const bytes = pprof(wall, [
      [['parse', 'handle'], [3_000_000], undefined, main],
      [['hash', 'work'], [5_000_000], undefined, worker],
      [['handle'], [1_000_000], undefined, main],
    ]);
    const profile = readAnyProfile(bytes).profile;
    const analysis = analyze(profile);
    assert.deepEqual(
      analysis.threads?.map((t) => [t.label, t.samples, t.totalUs]),
      [
        ['Main Event Loop (pid 42)', 2, 4000],
        ['Worker #1 Event Loop (pid 42)', 1, 5000],
      ],
    );
    const hash = analysis.functions.find((f) => f.name === 'hash');
    assert.equal(hash?.thread, 1);
    // Chosen by a word of its name: that thread's stacks and weights alone.
    const one = buildModel(oneThread(profile, 'Worker'));
    assert.equal(one.durationUs, 5000);
    assert.deepEqual(
      one.functions.filter((f) => f.selfUs > 0).map((f) => f.name),
      ['hash'],
    );
    // One thread's labels only: no frame for it.
    const single = analyze(
      readAnyProfile(pprof(wall, [[['handle'], [1_000_000], undefined, main]])).profile,
    );
    assert.equal(single.threads, undefined);
    assert.equal(single.model.tree.children.length, 1);
  });

  test('a recursive stack (a→b→a→b) exports locations that read back to the same totals', () => {
    const a = { name: 'a', url: `file://${APP}`, line: 3 };
    const b = { name: 'b', url: `file://${APP}`, line: 7 };
    const original = cpuProfile([
      ...repeated(4, [a, b, a, b], 1000),
      ...repeated(2, [a, b, a], 1000),
      ...repeated(3, [a], 1000),
    ]);
    const model = buildModel(packProfile(parseProfile(structuredClone(original))));
    const decoded = Profile.decode(
      encodePprof(packProfile(parseProfile(structuredClone(original)))),
    );
    const str = decoded.stringTable.strings;
    const fnName = new Map(decoded.function.map((f) => [Number(f.id), str[Number(f.name)]]));
    const locName = new Map(
      decoded.location.map((l) => [Number(l.id), fnName.get(Number(l.line[0].functionId))]),
    );
    // The deepest stack, leaf first: b, a, b, a — each location resolves to its function.
    const stacks = decoded.sample.map((x) => x.locationId.map((id) => locName.get(Number(id))));
    assert.ok(
      stacks.some((st) => st.join(',') === 'b,a,b,a'),
      JSON.stringify(stacks),
    );
    assert.ok(stacks.some((st) => st.join(',') === 'a,b,a'));
    // One function per name, one location per (function, line).
    assert.equal(decoded.function.length, 2);
    const back = buildModel(
      readAnyProfile(encodePprof(packProfile(parseProfile(original)))).profile,
    );
    const totals = (m: typeof model) =>
      m.functions
        .filter((f) => f.name === 'a' || f.name === 'b')
        .map((f) => [f.name, Math.round(f.selfUs), Math.round(f.totalUs)])
        .sort();
    // Recursion is not counted twice: a is in every sample, b in six.
    assert.deepEqual(totals(model), [
      ['a', 3000 + 2000, 9000],
      ['b', 4000, 6000],
    ]);
    assert.deepEqual(totals(back), totals(model));
  });

  test(`${Math.ceil(RUNS / 5)} damaged pprofs: a result or a ProfileError`, () => {
    const valid = encodePprof(
      packProfile(
        parseProfile(
          cpuProfile([
            ...repeated(
              4,
              [
                { name: 'a', url: APP, line: 1 },
                { name: 'b', url: APP, line: 5 },
              ],
              100,
              7,
            ),
            ...repeated(2, [{ name: 'c', url: APP, line: 9 }], 100),
          ]),
        ),
      ),
      { labels: { endpoint: 'GET /x' }, comments: ['fuzz'] },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (flips, cut) => {
          const bytes = Uint8Array.from(valid);
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          for (const input of [bytes, bytes.subarray(0, Math.floor(bytes.length * cut))]) {
            try {
              const analysis = analyze(readAnyProfile(input).profile);
              for (const f of analysis.functions)
                assert.ok(Number.isFinite(f.selfUs) && Number.isFinite(f.totalUs));
            } catch (error) {
              if (!(error instanceof ProfileError)) throw error;
              assert.match(error.message, /^invalid profile: \S+ /);
            }
          }
        },
      ),
      { numRuns: Math.ceil(RUNS / 5) },
    );
  });
});
