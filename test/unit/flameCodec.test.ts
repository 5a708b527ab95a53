import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CATEGORIES } from '../../src/profile/model';
import type { FlameData, ReportData } from '../../src/protocol/flame';
import {
  packFlame,
  packReport,
  plainReport,
  unpackFlame,
  unpackReport,
} from '../../src/protocol/flameCodec';

const flame = (mode: FlameData['mode']): FlameData => ({
  version: 1,
  title: 't',
  mode,
  unit: 'us',
  functions: {
    names: ['(root)', 'a', 'b'],
    files: ['', 'a.js', 'b.js'],
    lines: [0, 1, 2],
    categories: ['root', 'user', 'user'],
  },
  frames: {
    fn: [0, 1, 2],
    parent: [-1, 0, 1],
    self: [0, 5.5, 10],
    total: [15.5, 15.5, 10],
    ...(mode === 'diff' ? { before: [20, 4, 16] } : {}),
  },
});

const report = (mode: FlameData['mode']): ReportData => ({
  title: 'GET /x',
  subtitle: '',
  rows: [],
  diagnosis: { verdict: 'mixed', summary: '' },
  hotFunctions: [],
  hotLines: [],
  flame: flame(mode),
  waits: { library: 'async-mutex', rows: [], flame: flame('time') },
});

test('the tree travels as two typed arrays and comes back the same', () => {
  for (const mode of ['time', 'diff'] as const) {
    const packed = packReport(report(mode));
    assert.ok(packed.flame.ints instanceof Int32Array);
    assert.ok(packed.flame.floats instanceof Float64Array);
    assert.equal(packed.flame.ints.length, 6);
    assert.equal(packed.flame.floats.length, mode === 'diff' ? 9 : 6);
    assert.ok(!('frames' in packed.flame), 'no JSON columns beside the binary');
    const back = unpackReport(packed);
    assert.deepEqual(plainReport(back), report(mode), mode);
    assert.ok(back.flame.frames.total instanceof Float64Array, 'views over the buffer, no copy');
  }
});

test('a report that was never packed passes through; the saved state is plain JSON', () => {
  const plain = report('time');
  assert.equal(unpackReport(plain), plain);
  const state = JSON.parse(JSON.stringify(plainReport(unpackReport(packReport(plain)))));
  assert.deepEqual(state, plain);
});

test('function names and files of any text travel as one string and come back the same', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          name: fc.string({ unit: 'binary' }),
          file: fc.string({ unit: 'grapheme' }),
          line: fc.nat(),
          category: fc.constantFrom(...CATEGORIES),
        }),
      ),
      (functions) => {
        const data = flame('time');
        data.functions = {
          names: functions.map((f) => f.name),
          files: functions.map((f) => f.file),
          lines: functions.map((f) => f.line),
          categories: functions.map((f) => f.category),
        };
        const packed = packFlame(data);
        assert.equal(typeof packed.functions.text, 'string', 'one string, not one per name');
        assert.deepEqual(unpackFlame(structuredClone(packed)).functions, data.functions);
      },
    ),
  );
});

test('the files as shown travel beside the files that open', () => {
  const base = flame('time');
  const shown: FlameData = {
    ...base,
    functions: { ...base.functions, shown: ['', 'src/a.js', 'hotpath/b.js'] },
  };
  assert.deepEqual(unpackFlame(packFlame(shown)).functions, shown.functions);
  assert.equal(unpackFlame(packFlame(base)).functions.shown, undefined, 'none given, none made');
});
