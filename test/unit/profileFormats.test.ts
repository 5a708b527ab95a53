/**
 * Every format `readAnyProfile` opens, into the same model: the old `.cpuprofile` (a hand-made
 * file as Chrome wrote it), Chrome trace-event JSON (one thread and several, an array and
 * `{traceEvents}`, gzipped), and what it refuses by name (unknown JSON, a heap snapshot, a heap
 * profile, a gzip bomb). Broken traces, generated, end in a result or a ProfileError that names
 * the field, never a crash. Frames without a URL are named for what they are in the breakdown.
 *
 * HOTPATH_FUZZ_RUNS sets the number of fuzz cases (default 10,000; the trace cases a fifth).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { analyze } from '../../src/profile/analyze';
import { breakdown } from '../../src/profile/breakdown';
import { ProfileError, parseProfile } from '../../src/profile/cpuprofile';
import { isHeapProfileStart, readAnyProfile } from '../../src/profile/formats/detect';
import { gzipCap, MAX_BYTES } from '../../src/profile/formats/gzip';
import { TraceReader } from '../../src/profile/formats/traceEvents';
import { buildModel } from '../../src/profile/model';
import { packProfile } from '../../src/profile/packedProfile';
import { isHeapProfileFile } from '../../src/runs/profileFolder';
import { validProfile } from '../fuzzProfiles';
import { cpuProfile, fixture, type ProfileJson, repeated, tempFolder } from '../helpers';
import { traceEventsOf } from '../traceEvents';

const RUNS = Number(process.env.HOTPATH_FUZZ_RUNS) || 10_000;
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const APP = 'file:///srv/app.js';

/** The heaviest function by self time, and the total. */
function top(input: Uint8Array) {
  const read = readAnyProfile(input);
  const model = buildModel(read.profile);
  const f = [...model.functions].sort((a, b) => b.selfUs - a.selfUs)[0];
  return { read, model, top: f.name };
}

const workerProfile = cpuProfile(
  [
    ...repeated(4, [{ name: 'handle', url: APP, line: 3 }], 1000, 5),
    ...repeated(
      9,
      [
        { name: 'handle', url: APP, line: 3 },
        { name: 'hashRows', url: APP, line: 20 },
      ],
      1000,
      22,
    ),
    ...repeated(2, ['(idle)'], 1000),
  ],
  { startTime: 10_000_000 },
);
const mainProfile = cpuProfile(
  [
    ...repeated(6, [{ name: 'render', url: APP, line: 40 }], 500, 41),
    ...repeated(4, ['(idle)'], 500),
  ],
  { startTime: 10_000_000 },
);

describe('the old .cpuprofile', () => {
  test('a hand-made file as Chrome wrote it (head, 1-based lines, one timestamp more than samples) reads, parseRows on top', () => {
    const file = fs.readFileSync(fixture('profiles/legacy-chrome.cpuprofile'));
    const { read, model, top: name } = top(file);
    assert.equal(read.format, 'cpuprofile');
    assert.equal(name, 'parseRows');
    assert.equal(model.sampleCount, 13);
    const parseRows = model.functions.find((f) => f.name === 'parseRows');
    // 1-based line 30 in the old format is V8's 0-based 29, the model's 1-based 30.
    assert.equal(parseRows?.line, 30);
    assert.equal(parseRows?.selfUs, 600);
    assert.deepEqual(
      model.lines.filter((l) => l.functionId === parseRows?.id).map((l) => l.line),
      [33, 35],
    );
  });

  test('timestamps two more than samples are refused, naming the field', () => {
    const old = JSON.parse(fs.readFileSync(fixture('profiles/legacy-chrome.cpuprofile'), 'utf8'));
    old.timestamps.push(1431251500);
    assert.throws(
      () => readAnyProfile(bytes(old)),
      /invalid profile: timestamps has 15 entries for 13 samples \(one per sample, or one more for the end\)/,
    );
  });
});

describe('Chrome trace-event JSON', () => {
  const one = traceEventsOf([{ pid: 7, tid: 7, name: 'CrRendererMain', profile: workerProfile }]);

  test('one thread, as an array and as {traceEvents}: the same model as the .cpuprofile it came from', () => {
    const expected = buildModel(packProfile(parseProfile(structuredClone(workerProfile))));
    for (const input of [one, { traceEvents: one, metadata: { source: 'DevTools' } }]) {
      const { read, model, top: name } = top(bytes(input));
      assert.equal(read.format, 'trace events');
      assert.equal(name, 'hashRows');
      assert.equal(model.durationUs, expected.durationUs);
      assert.equal(model.sampleCount, expected.sampleCount);
      const self = (m: typeof model) => m.functions.map((f) => [f.name, f.selfUs]).sort();
      assert.deepEqual(self(model), self(expected));
      // The per-sample lines become the lines' ticks.
      assert.deepEqual(
        model.lines
          .filter((l) => l.url === APP)
          .map((l) => [l.line, l.selfUs])
          .sort(),
        [
          [22, 9000],
          [5, 4000],
        ].sort(),
      );
    }
  });

  test('a profile begun but never sampled (a Profile event alone) is left out, not an error', () => {
    const extra = {
      name: 'Profile',
      ph: 'P',
      id: '0x9',
      pid: 7,
      tid: 8,
      ts: 1,
      args: { data: { startTime: 1 } },
    };
    const read = readAnyProfile(bytes([...one, extra]));
    assert.equal(read.threads?.length, 1);
    assert.equal(top(bytes([...one, extra])).top, 'hashRows');
  });

  test('the closing bracket of an array may be missing (Chrome writes traces so)', () => {
    const text = JSON.stringify(one).slice(0, -1);
    assert.equal(top(new TextEncoder().encode(text)).top, 'hashRows');
  });

  test('several threads: each keeps its functions under a frame of its own, the whole their sum', () => {
    const trace = traceEventsOf([
      { pid: 7, tid: 7, name: 'CrRendererMain', profile: mainProfile },
      { pid: 7, tid: 9, name: 'DedicatedWorker thread', profile: workerProfile },
    ]);
    const { read, model } = top(bytes({ traceEvents: trace }));
    assert.deepEqual(
      read.threads?.map((t) => t.label),
      ['CrRendererMain (pid 7)', 'DedicatedWorker thread (pid 7)'],
    );
    const threadFrames = model.tree.children.map((c) => [
      model.functions[c.functionId].name,
      c.totalUs,
    ]);
    assert.deepEqual(threadFrames.sort(), [
      ['(thread CrRendererMain (pid 7))', 5000],
      ['(thread DedicatedWorker thread (pid 7))', 15000],
    ]);
    assert.equal(model.durationUs, 20000);
    assert.equal(model.categories.root, 0, 'the thread frames hold no time of their own');
  });

  test('gzipped, the same', () => {
    const { read, top: name } = top(gzipSync(bytes(one)));
    assert.equal(read.gzipped, true);
    assert.equal(name, 'hashRows');
  });

  test('read from chunks of any size, the same profile', () => {
    const whole = bytes({ traceEvents: one });
    for (const size of [1, 7, 64, 1000]) {
      const reader = new TraceReader();
      for (let at = 0; at < whole.length; at += size) reader.push(whole.subarray(at, at + size));
      const [thread] = reader.threads();
      assert.equal(
        buildModel(thread.profile).sampleCount,
        workerProfile.samples.length,
        `chunks of ${size}`,
      );
    }
  });

  test('broken ones name the event and the field', () => {
    const broken = structuredClone(one) as { args: { data: Record<string, unknown> } }[];
    const chunk = broken.findIndex((e) => (e as { name?: string }).name === 'ProfileChunk');
    const data = broken[chunk].args.data as { cpuProfile: { nodes: { parent?: number }[] } };
    data.cpuProfile.nodes[1].parent = 999;
    assert.throws(
      () => readAnyProfile(bytes(broken)),
      new RegExp(
        `invalid profile: traceEvents\\[${chunk}\\]\\.args\\.data\\.cpuProfile\\.nodes\\[1\\]\\.parent names no node \\(id 999\\)`,
      ),
    );
    const deltas = structuredClone(one) as { args: { data: { timeDeltas?: number[] } } }[];
    deltas[chunk].args.data.timeDeltas?.pop();
    assert.throws(
      () => readAnyProfile(bytes(deltas)),
      new RegExp(
        `traceEvents\\[${chunk}\\]\\.args\\.data\\.timeDeltas has 2 entries for 3 samples`,
      ),
    );
    assert.throws(
      () =>
        readAnyProfile(
          bytes([{ name: 'thread_name', ph: 'M', pid: 1, tid: 1, args: { name: 'x' } }]),
        ),
      /traceEvents hold no CPU profile \(no Profile or ProfileChunk event among 1\): record with the disabled-by-default-v8.cpu_profiler category/,
    );
  });

  test(`${Math.ceil(RUNS / 5)} broken traces: a result or a ProfileError naming the field`, () => {
    const junk = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.constant([]),
      fc.constant({}),
    );
    fc.assert(
      fc.property(
        validProfile,
        fc.array(fc.tuple(fc.nat(), junk), { minLength: 1, maxLength: 3 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (valid, breaks, cut) => {
          const events = traceEventsOf(
            [{ pid: 1, tid: 1, name: 'main', profile: valid as unknown as ProfileJson }],
            4,
          );
          // Each break replaces (or deletes) one value somewhere in the events.
          for (const [at, value] of breaks) {
            const slots: [Record<string, unknown> | unknown[], string | number][] = [];
            const walk = (v: unknown) => {
              if (Array.isArray(v))
                v.forEach((item, i) => {
                  slots.push([v, i]);
                  walk(item);
                });
              else if (v && typeof v === 'object')
                for (const [k, item] of Object.entries(v)) {
                  slots.push([v as Record<string, unknown>, k]);
                  walk(item);
                }
            };
            walk(events);
            const [holder, key] = slots[at % slots.length];
            (holder as Record<string | number, unknown>)[key] = value;
          }
          const text = JSON.stringify(events);
          for (const input of [text, text.slice(0, Math.floor(text.length * cut))]) {
            try {
              const read = readAnyProfile(new TextEncoder().encode(input));
              const analysis = analyze(read.profile);
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

describe('what is refused, by name', () => {
  test('unknown JSON names the keys it found', () => {
    assert.throws(
      () => readAnyProfile(bytes({ version: 3, frames: [] })),
      /invalid profile: \(file\) is of an unknown format: a JSON object with keys version, frames \(a \.cpuprofile has nodes, a trace has traceEvents\)/,
    );
  });

  test('a heap snapshot and a heap profile are named', () => {
    assert.throws(
      () => readAnyProfile(bytes({ snapshot: { meta: {} }, nodes: [] })),
      /a V8 heap snapshot/,
    );
    const heap = {
      head: { callFrame: { functionName: '(root)' }, selfSize: 0, id: 1, children: [] },
      samples: [],
    };
    assert.throws(() => readAnyProfile(bytes(heap)), /a sampling heap profile \(\.heapprofile\)/);
  });

  test('a heap profile is told by its bytes, whatever its name, gzipped or not', () => {
    const heapText = fs.readFileSync(fixture('profiles/node-heap-prof/node-heap-prof.heapprofile'));
    assert.equal(isHeapProfileStart(heapText), true);
    // Neither CPU format is one: the old one's head is first too, with hitCount where a heap
    // profile has selfSize.
    const legacy = fs.readFileSync(fixture('profiles/legacy-chrome.cpuprofile'));
    assert.equal(legacy.subarray(0, 40).toString().includes('"head"'), true);
    assert.equal(isHeapProfileStart(legacy), false);
    assert.equal(isHeapProfileStart(bytes(cpuProfile(repeated(3, ['a'], 100)))), false);
    assert.equal(isHeapProfileStart(bytes([{ name: 'Profile' }])), false);
    const dir = tempFolder('heap-json');
    try {
      const at = (name: string, content: Uint8Array) => {
        fs.writeFileSync(path.join(dir, name), content);
        return path.join(dir, name);
      };
      assert.equal(isHeapProfileFile(at('saved.json', heapText)), true);
      assert.equal(isHeapProfileFile(at('saved.json.gz', gzipSync(heapText))), true);
      assert.equal(isHeapProfileFile(at('legacy.json', legacy)), false);
      assert.equal(isHeapProfileFile(at('legacy.json.gz', gzipSync(legacy))), false);
      // By its name, even broken: its reader names the fault.
      assert.equal(isHeapProfileFile(at('broken.heapprofile', bytes({}))), true);
      assert.equal(isHeapProfileFile(path.join(dir, 'missing.json')), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('binary that is not pprof names its first bytes', () => {
    assert.throws(
      () => readAnyProfile(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2])),
      /unknown format: bytes that are not JSON, gzip or pprof \(they begin ".PNG/,
    );
  });

  test('a gzip bomb hits the cap, by name; a profile of a real ratio does not', () => {
    const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x20));
    assert.ok(
      bomb.length * 200 < 80 * 1024 * 1024,
      `a bomb's ratio: ${bomb.length} compressed bytes`,
    );
    assert.throws(
      () => readAnyProfile(bomb),
      /invalid profile: \(gzip\) expands beyond 64 MB .*refused as a gzip bomb/,
    );
    // A large real-looking file: text at a ratio a profile has passes both bounds.
    assert.equal(
      gzipCap(50 * 1024 * 1024),
      MAX_BYTES,
      'a 500 MB trace gzipped to 50 MB may expand to the absolute bound',
    );
    assert.ok(MAX_BYTES > 500 * 1024 * 1024);
  });
});

describe('frames without a URL', () => {
  test('are in the breakdown as generated code, named for what they are, with their line', () => {
    const profile = cpuProfile([
      ...repeated(6, [{ name: 'crunch', url: '', line: 4, scriptId: '12' }], 1000),
      ...repeated(3, [{ name: 'snip', url: 'snippet:///Script%20snippet%20%231', line: 1 }], 1000),
      ...repeated(2, [{ name: 'inVm', url: 'evalmachine.<anonymous>', line: 0 }], 1000),
      ...repeated(
        1,
        [
          { name: 'route', url: APP, line: 3 },
          { name: 'compiled', url: '', line: 9, scriptId: '13' },
        ],
        1000,
      ),
    ]);
    const rows = breakdown(analyze(parseProfile(profile))).filter((r) => r.kind === 'generated');
    const byOwner = Object.fromEntries(rows.map((r) => [r.owner, r.names.map((n) => n.name)]));
    assert.deepEqual(byOwner, {
      'eval, no script URL': ['crunch (line 5)'],
      'a DevTools snippet': ['snip (line 2)'],
      'node:vm (evalmachine)': ['inVm (line 1)'],
      'your code': ['compiled'],
    });
  });
});
