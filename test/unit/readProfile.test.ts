/**
 * The two ways into a profile give the same answer: the byte scanner (fast, typed arrays) and
 * the checked parser (JSON.parse and a field-by-field check). Valid profiles written every way
 * JSON allows (any whitespace, key order, escapes, unknown keys, number spellings) are scanned
 * and model the same; broken ones give the same ProfileError by either way.
 *
 * HOTPATH_FUZZ_RUNS sets the number of cases (default 10,000).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseProfile } from '../../src/profile/cpuprofile';
import { buildModel, type ProfileModel } from '../../src/profile/model';
import { packProfile } from '../../src/profile/packedProfile';
import { readProfile, scanProfile } from '../../src/profile/readProfile';
import { apply, type Json, mutation, validProfile } from '../fuzzProfiles';
import { cpuProfile, headFormat, seededRandom as random } from '../helpers';

const RUNS = Number(process.env.HOTPATH_FUZZ_RUNS) || 10_000;
const bytes = (text: string) => new TextEncoder().encode(text);

/** A model as plain data, tree included (it is made on first read). */
function plain(model: ProfileModel): unknown {
  return JSON.parse(JSON.stringify({ ...model, tree: model.tree }));
}

/** What the checked parser makes of the text: a model, or the error's message. */
function byParser(text: string): unknown {
  try {
    return plain(buildModel(packProfile(parseProfile(text))));
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

function byReader(text: string): unknown {
  try {
    return plain(buildModel(readProfile(bytes(text))));
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** A JSON writer that uses the freedom JSON gives: whitespace, key order, escapes, spellings. */
function write(value: Json, pick: () => number, escapeKeys = false): string {
  const space = () => ['', ' ', '\n', '\t', '\r\n  '][Math.floor(pick() * 5)] ?? '';
  const text = (s: string, escapes = true) => {
    let out = '"';
    for (const ch of s) {
      const code = ch.codePointAt(0) ?? 0;
      if (ch === '"' || ch === '\\' || code < 0x20 || (escapes && code < 0x10000 && pick() < 0.1)) {
        out += `\\u${code.toString(16).padStart(4, '0')}`;
      } else out += ch;
    }
    return `${out}"`;
  };
  // As JSON.stringify: undefined in an array is null.
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'null';
    const r = pick();
    if (Number.isInteger(value) && r < 0.1) return `${value}.0`;
    if (Number.isInteger(value) && value !== 0 && r < 0.2) return `${value / 10}e1`;
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) {
    return `[${space()}${value.map((v) => write(v, pick, escapeKeys)).join(`${space()},${space()}`)}${space()}]`;
  }
  const entries = Object.entries(value as Record<string, Json>).filter(([, v]) => v !== undefined);
  // Shuffled, and now and then a key the reader does not know.
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(pick() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  if (pick() < 0.2) entries.push(['deoptReason', pick() < 0.5 ? '' : [1, { a: null, b: [true] }]]);
  return `{${space()}${entries.map(([k, v]) => `${text(k, escapeKeys)}${space()}:${space()}${write(v, pick, escapeKeys)}`).join(',')}${space()}}`;
}

/** Names that test the string handling: quotes, escapes, non-ASCII, an HTML tag. */
const names = fc.constantFrom(
  'plain',
  'with "quotes"',
  'back\\slash',
  'café',
  '名前',
  '🔥 hot',
  '<img src=x onerror=alert(1)>',
  'tab\there',
  '',
);

describe('the byte scanner and the checked parser agree', () => {
  test(`${RUNS} valid profiles written every way JSON allows: scanned, and the same model`, () => {
    fc.assert(
      fc.property(validProfile, fc.integer(), names, (profile, seed, name) => {
        const p = structuredClone(profile) as { nodes: { callFrame: { functionName: string } }[] };
        p.nodes[p.nodes.length - 1].callFrame.functionName = name;
        const text = write(p, random(seed));
        assert.ok(scanProfile(bytes(text)), `scanned:\n${text.slice(0, 400)}`);
        assert.deepEqual(byReader(text), byParser(text));
        // A key spelled with escapes is left to the parser, with the same result.
        const escaped = write(p, random(seed), true);
        assert.deepEqual(byReader(escaped), byParser(escaped));
      }),
      { numRuns: RUNS },
    );
  });

  test(`${Math.ceil(RUNS / 2)} broken profiles, whole and truncated: the same model or the same error`, () => {
    fc.assert(
      fc.property(
        validProfile,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (valid, ms, seed, cut) => {
          const p = structuredClone(valid);
          for (const m of ms) apply(p, m);
          const text = write(p, random(seed), seed % 2 === 0);
          assert.deepEqual(byReader(text), byParser(text), text);
          const truncated = text.slice(0, Math.floor(text.length * cut));
          assert.deepEqual(byReader(truncated), byParser(truncated));
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  test(`${Math.ceil(RUNS / 2)} profiles damaged at one byte: the same model or the same error`, () => {
    const bytesToUse = fc.constantFrom(
      ',',
      '-',
      '0',
      '00',
      '.',
      'e',
      ']',
      '}',
      '[',
      '{',
      '"',
      '\\',
      ':',
      ' ',
      '1e999',
      'nul',
      '\u0001',
    );
    fc.assert(
      fc.property(
        validProfile,
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        bytesToUse,
        fc.boolean(),
        (valid, seed, where, what, insert) => {
          const text = write(valid, random(seed));
          const at = Math.floor(text.length * where);
          const damaged = text.slice(0, at) + what + text.slice(insert ? at : at + 1);
          assert.deepEqual(byReader(damaged), byParser(damaged));
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  // work ticks line 6 three times in its two samples; a sample of the root between them.
  const work = { name: 'work', url: 'file:///app.js', line: 4, column: 2 };
  const small = cpuProfile(
    [
      { stack: [work], us: 100, line: 6, ticks: 3 },
      { stack: [], us: 100 },
      { stack: [work], us: 90 },
    ],
    { startTime: 100, leadUs: 10 },
  );

  test('what the scanner leaves to the parser is still read: old format, timestamps, big ids, BOM', () => {
    const cases: [string, string][] = [
      ['a byte-order mark', `\ufeff${JSON.stringify(small)}`],
      [
        'timestamps instead of deltas',
        JSON.stringify({ ...small, timeDeltas: undefined, timestamps: [110, 210, 310] }),
      ],
      [
        'ids beyond 32 bits',
        JSON.stringify({
          ...small,
          nodes: [
            { ...small.nodes[0], id: 2 ** 40, children: [2 ** 40 + 1] },
            { ...small.nodes[1], id: 2 ** 40 + 1 },
          ],
          samples: [2 ** 40 + 1, 2 ** 40, 2 ** 40 + 1],
        }),
      ],
      [
        'a key twice (the last wins)',
        JSON.stringify(small).replace('"startTime":100', '"startTime":50,"startTime":100'),
      ],
      ['fractional deltas', JSON.stringify({ ...small, timeDeltas: [10.5, 99.5, 100] })],
      [
        'samples after the deltas, nodes last',
        JSON.stringify({
          timeDeltas: small.timeDeltas,
          samples: small.samples,
          startTime: small.startTime,
          endTime: small.endTime,
          nodes: small.nodes,
        }),
      ],
    ];
    for (const [what, text] of cases) {
      const read = byReader(text);
      // JSON.parse refuses a byte-order mark; a file read as bytes drops it, as editors do.
      assert.deepEqual(read, byParser(text.replace(/^\ufeff/, '')), what);
      assert.ok(!(read as { error?: string }).error, `${what}: ${JSON.stringify(read)}`);
    }
    const f = { name: 'f', url: 'file:///a.js', line: 2 };
    const old = headFormat(
      cpuProfile(
        [
          { stack: [f], us: 500 },
          { stack: [f], us: 999_400 },
        ],
        { startTime: 1_000_000, leadUs: 100 },
      ),
    );
    assert.equal(
      scanProfile(bytes(JSON.stringify(old))),
      undefined,
      'the old format is the parser’s',
    );
    assert.equal(buildModel(readProfile(bytes(JSON.stringify(old)))).functions[1].name, 'f');
  });

  test('JSON is read as strictly as JSON.parse reads it: each spelling it refuses is refused', () => {
    const base = JSON.stringify({ ...small, hitCount: 0 });
    const wrong: [string, string][] = [
      ['[10,100,100]', '[10,100,-]'],
      ['[10,100,100]', '[10,100,-0100]'],
      ['[10,100,100]', '[10,100,0100]'],
      ['[10,100,100]', '[10,100,100.]'],
      ['[10,100,100]', '[10,100,.5]'],
      ['[10,100,100]', '[10,100,1e]'],
      ['[10,100,100]', '[10,100,+100]'],
      ['[10,100,100]', '[10,100,100,]'],
      ['[10,100,100]', '[10,100 100]'],
      ['[10,100,100]', '[10,100,NaN]'],
      ['[10,100,100]', '[10,100,Infinity]'],
      ['"hitCount":0', '"hitCount":01'],
      ['"hitCount":0', '"hitCount":tru'],
      ['"hitCount":0', '"hitCount":nul'],
      ['"hitCount":0', '"hitCount":"\\x"'],
      ['"hitCount":0', '"hitCount":"\\u12"'],
      ['"hitCount":0', '"hitCount":"a\u0001b"'],
      ['"hitCount":0', '"hitCount":{"a" 1}'],
      ['"hitCount":0', '"hitCount":{"a":1,}'],
      ['"hitCount":0', "'hitCount':0"],
      ['"work"', '"wo\nrk"'],
    ];
    for (const [from, to] of wrong) {
      assert.ok(base.includes(from), from);
      const text = base.replace(from, to);
      const read = byReader(text);
      assert.deepEqual(read, byParser(text), to);
      assert.ok((read as { error?: string }).error, `${to} is refused`);
    }
    assert.ok(!(byReader(`${base} `) as { error?: string }).error, 'whitespace after the end');
    assert.ok((byReader(`${base} x`) as { error?: string }).error, 'anything else after the end');
  });

  test('fractional deltas widen the column; whole ones stay 32-bit', () => {
    const whole = scanProfile(bytes(JSON.stringify(small)));
    assert.ok(whole?.timeDeltas instanceof Int32Array);
    const fractional = scanProfile(
      bytes(JSON.stringify({ ...small, timeDeltas: [10, 100, 100.5] })),
    );
    assert.ok(fractional?.timeDeltas instanceof Float64Array);
    assert.deepEqual(Array.from(fractional.timeDeltas), [10, 100, 100.5]);
  });

  test('nesting deeper than the stack in an unknown key: read by the parser, no crash', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const text = JSON.stringify(small).replace('"startTime"', `"extra":${deep},"startTime"`);
    assert.deepEqual(byReader(text), byParser(text));
  });

  test('an error names the field, whichever way it was found', () => {
    const text = JSON.stringify({ ...small, samples: [2, 1, 9] });
    assert.throws(
      () => readProfile(bytes(text)),
      /invalid profile: samples\[2\] names no node \(id 9\)/,
    );
    assert.throws(() => readProfile(bytes('{"nodes": [')), /invalid profile: \(file\) is not JSON/);
  });

  // Found by the fuzz test (a seed of one run): each time is finite, their difference is not,
  // and a function's time came out Infinity.
  test('a window too long to be a duration is an error naming endTime, both ways', () => {
    const text = JSON.stringify({ ...small, startTime: -1e308, endTime: 1e308 });
    assert.throws(
      () => readProfile(bytes(text)),
      /invalid profile: endTime is too far from startTime/,
    );
    assert.throws(() => parseProfile(JSON.parse(text)), /invalid profile: endTime is too far/);
  });

  test('deltas that add up past any number are an error naming timeDeltas, both ways', () => {
    const text = JSON.stringify({
      ...small,
      startTime: 0,
      endTime: 1e308,
      samples: [1, 2, 2],
      timeDeltas: [0, 1e308, 1e308],
    });
    assert.throws(() => readProfile(bytes(text)), /invalid profile: timeDeltas add up to a time/);
    assert.throws(() => parseProfile(JSON.parse(text)), /invalid profile: timeDeltas add up/);
  });
});
