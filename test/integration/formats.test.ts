/** Profiles Hotpath did not make: `node --cpu-prof` output, read and analysed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyze, hotFunctions } from '../../src/profile/analyze';
import { parseProfile } from '../../src/profile/cpuprofile';
import { readTextFile } from '../../src/runs/runFolder';
import { tempFolder } from '../helpers';

test('a node --cpu-prof profile is read, and its hot function found', () => {
  const dir = tempFolder('cpu-prof');
  try {
    const script = path.join(dir, 'spin.js');
    fs.writeFileSync(
      script,
      'function spin() {\n  let x = 0;\n  for (let i = 0; i < 3e7; i++) x += Math.sqrt(i);\n  return x;\n}\nfor (let r = 0; r < 5; r++) spin();\n',
    );
    const result = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, script], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    assert.ok(file, 'node wrote a profile');
    const analysis = analyze(parseProfile(fs.readFileSync(path.join(dir, file), 'utf8')), {
      readFile: readTextFile,
    });
    const [top] = hotFunctions(analysis, 1);
    assert.equal(top.name, 'spin');
    assert.equal(top.generated.line, 1);
    assert.ok(
      top.selfUs / analysis.model.durationUs > 0.5,
      `spin has ${top.selfUs / analysis.model.durationUs} of the time`,
    );
    assert.ok(
      analysis.lines.some((l) => l.file === script && l.line === 3),
      'the loop line is hot',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
