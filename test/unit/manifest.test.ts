/** The extension's manifest: what it promises points at things that exist. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const commands = new Set<string>(
  manifest.contributes.commands.map((c: { command: string }) => c.command),
);

test('every menu entry and walkthrough button names a contributed command', () => {
  for (const [menu, entries] of Object.entries(manifest.contributes.menus))
    for (const entry of entries as { command: string }[])
      assert.ok(commands.has(entry.command), `${menu}: ${entry.command}`);
  for (const walkthrough of manifest.contributes.walkthroughs)
    for (const step of walkthrough.steps) {
      for (const [, id, args] of (step.description as string).matchAll(
        /\(command:([\w.]+)(?:\?([^)]*))?\)/g,
      )) {
        if (!id.startsWith('workbench.')) assert.ok(commands.has(id), `${step.id}: ${id}`);
        if (args) JSON.parse(decodeURIComponent(args)); // arguments are valid JSON
      }
      assert.ok(fs.existsSync(path.join(root, step.media.markdown)), step.media.markdown);
    }
});

test('the walkthrough runs the four steps of the sample service in order', () => {
  const paths = manifest.contributes.walkthroughs[0].steps.flatMap(
    (step: { description: string }) =>
      [...step.description.matchAll(/command:hotpath\.profileEndpoint\?([^)]*)/g)].map(
        (m) => JSON.parse(decodeURIComponent(m[1])).path,
      ),
  );
  assert.deepEqual(paths, ['/read', '/fast', '/cpu', '/cpualloc']);
});

test('every setting has a description and a default', () => {
  for (const [name, setting] of Object.entries(
    manifest.contributes.configuration.properties as Record<string, Record<string, unknown>>,
  )) {
    assert.ok(setting.description || setting.markdownDescription, `${name} has a description`);
    assert.ok('default' in setting, `${name} has a default`);
  }
});

test('untrusted workspaces: the settings that run programs are restricted', () => {
  const { untrustedWorkspaces } = manifest.capabilities;
  assert.equal(untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(untrustedWorkspaces.restrictedConfigurations.sort(), [
    'hotpath.nodePath',
    'hotpath.service.command',
  ]);
});
