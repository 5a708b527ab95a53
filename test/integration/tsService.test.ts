/** A TypeScript service run by tsx: its source maps live only in memory; the agent saves them. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { hotFunctions } from '../../src/profile/analyze';
import { SOURCE_MAPS_FILE } from '../../src/record/run';
import { resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { loadRun } from '../../src/runs/runFolder';
import { fixture, freePort, tempFolder } from '../helpers';

test("a tsx service's functions map to their .ts declarations through the maps Node held; its lines, run as one, are a note", async () => {
  const out = tempFolder('ts-service');
  try {
    const port = await freePort();
    const root = path.resolve(__dirname, '..', '..');
    const { folder, record } = await runProfile(
      resolveRunOptions({
        path: '/',
        service: `"${process.execPath}" --import tsx "${fixture('tsServer.ts')}" ${port}`,
        url: `http://127.0.0.1:${port}`,
        cwd: root,
        connections: 2,
        durationSec: 1.5,
        warmupSec: 0.5,
        outDir: out,
      }),
    );
    assert.equal(record.status, 'done', record.error?.message);
    assert.equal(record.locks, undefined, 'a service without async-mutex has no lock report');
    assert.ok(fs.existsSync(path.join(folder, SOURCE_MAPS_FILE)), 'the in-memory maps were saved');
    const source = fs.readFileSync(fixture('tsServer.ts'), 'utf8').split('\n');
    const declared = source.findIndex((l) => l.includes('function busyTs')) + 1;

    const { analysis } = loadRun(folder);
    const busy = analysis.functions.find((f) => f.name === 'busyTs');
    assert.ok(busy?.original, 'busyTs is mapped');
    assert.equal(busy.original.source, fixture('tsServer.ts'));
    assert.equal(busy.original.line, declared);
    assert.equal(hotFunctions(analysis, 1)[0].name, 'busyTs');
    // tsx runs the file as one line: no line of it can be named, least of all the declaration.
    assert.deepEqual(
      analysis.lines.filter((l) => analysis.functions[l.functionId]?.name === 'busyTs'),
      [],
    );
    assert.ok((busy.unplacedUs ?? 0) > 0, 'its time stays with the function');
    assert.ok(
      analysis.notes.some((n) => n.startsWith('line heat unavailable for tsServer.ts: tsx runs')),
      analysis.notes.join('\n'),
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
