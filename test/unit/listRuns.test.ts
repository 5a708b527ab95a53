/** The runs a runs folder lists (Open Run…, Compare With…): the ones that can be shown, newest first. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { listRuns } from '../../src/runs/savedRuns';
import { tempFolder } from '../helpers';

function saveRun(
  out: string,
  name: string,
  run: { path: string; startedAt: string; profile?: string | null; profileMissing?: boolean },
): string {
  const folder = path.join(out, name);
  fs.mkdirSync(folder, { recursive: true });
  const file = run.profile === undefined ? 'profile.cpuprofile' : run.profile;
  fs.writeFileSync(
    path.join(folder, 'run.json'),
    JSON.stringify({
      schema: 1,
      id: name,
      status: file ? 'done' : 'cancelled',
      endpoint: { method: 'GET', path: run.path },
      preset: 'quick',
      profile: file ? { file } : { file: null, why: 'the run was cancelled' },
      timings: { startedAt: run.startedAt },
    }),
  );
  if (file && !run.profileMissing) fs.writeFileSync(path.join(folder, file), '{}');
  return folder;
}

test('lists the runs that have a profile, newest first, and nothing else', async () => {
  const out = tempFolder('list-runs');
  try {
    const older = saveRun(out, 'a', { path: '/read', startedAt: '2025-01-01T10:00:00.000Z' });
    const newer = saveRun(out, 'b', { path: '/fast', startedAt: '2025-01-01T10:05:00.000Z' });
    saveRun(out, 'cancelled', {
      path: '/cpu',
      startedAt: '2025-01-01T10:06:00.000Z',
      profile: null,
    });
    saveRun(out, 'gone', {
      path: '/cpu',
      startedAt: '2025-01-01T10:07:00.000Z',
      profileMissing: true,
    });
    fs.mkdirSync(path.join(out, 'not-json'));
    fs.writeFileSync(path.join(out, 'not-json', 'run.json'), '{"schema": 1,');
    fs.mkdirSync(path.join(out, 'empty'));
    fs.writeFileSync(path.join(out, 'stray.txt'), 'x');
    const runs = await listRuns(out);
    assert.deepEqual(
      runs.map((r) => [r.folder, r.record.endpoint.path]),
      [
        [newer, '/fast'],
        [older, '/read'],
      ],
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('a runs folder that is not there has no runs', async () => {
  assert.deepEqual(await listRuns(path.join(tempFolder('no-runs'), 'missing')), []);
});
