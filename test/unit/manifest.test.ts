/** The extension's manifest: what it promises points at things that exist. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { SAMPLE_LOCUST_ROUTES, sampleLocustfile } from '../../src/vocabulary/paths';

const root = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
/** The manifest's English text, by the `%key%` that stands for it in package.json. */
const nls: Record<string, string> = JSON.parse(
  fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8'),
);
/** A manifest string as VS Code shows it in English: a `%key%` replaced by its text. */
function english(value: string): string {
  const key = /^%(.+)%$/.exec(value)?.[1];
  return key === undefined ? value : nls[key];
}
const commands = new Set<string>(
  manifest.contributes.commands.map((c: { command: string }) => c.command),
);

test('every menu entry and walkthrough button names a contributed command', () => {
  for (const [menu, entries] of Object.entries(manifest.contributes.menus))
    for (const entry of entries as { command: string }[])
      assert.ok(commands.has(entry.command), `${menu}: ${entry.command}`);
  for (const walkthrough of manifest.contributes.walkthroughs)
    for (const step of walkthrough.steps) {
      for (const [, id, args] of english(step.description).matchAll(
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
      [...english(step.description).matchAll(/command:hotpath\.profileEndpoint\?([^)]*)/g)].map(
        (m) => JSON.parse(decodeURIComponent(m[1])).path,
      ),
  );
  assert.deepEqual(paths, ['/read', '/fast', '/cpu', '/cpualloc']);
});

test("the walkthrough's Locust step runs the walk-through's own locustfiles, and says how to install Locust", () => {
  const step = manifest.contributes.walkthroughs[0].steps.find(
    (s: { id: string }) => s.id === 'locust',
  );
  assert.ok(step, 'a Locust step');
  const description = english(step.description);
  const routes = [
    ...description.matchAll(/command:hotpath\.profileSampleWithLocust\?([^)]*)/g),
  ].map((m) => JSON.parse(decodeURIComponent(m[1])).path);
  assert.deepEqual(routes, ['/read', '/fast']);
  for (const route of routes) {
    assert.ok(SAMPLE_LOCUST_ROUTES.includes(route), route);
    assert.ok(fs.existsSync(sampleLocustfile(route)), sampleLocustfile(route));
  }
  // Where Locust is missing, the step itself says how to get it (and the command says it again).
  for (const text of [description, fs.readFileSync(path.join(root, step.media.markdown), 'utf8')]) {
    assert.match(text, /sudo apt install python3-locust/);
    assert.match(text, /pip install locust/);
    assert.match(text, /hotpath\.locustPath/);
  }
  // A button of the walkthrough, not a command of the palette.
  assert.ok(
    manifest.contributes.menus.commandPalette.some(
      (e: { command: string; when: string }) =>
        e.command === 'hotpath.profileSampleWithLocust' && e.when === 'false',
    ),
  );
});

test('every setting has a description and a default', () => {
  for (const [name, setting] of Object.entries(
    manifest.contributes.configuration.properties as Record<string, Record<string, unknown>>,
  )) {
    const description = setting.description ?? setting.markdownDescription;
    assert.ok(typeof description === 'string' && english(description), `${name} has a description`);
    assert.ok('default' in setting, `${name} has a default`);
  }
});

test('untrusted workspaces: the settings that run programs, write files or load another machine are restricted', () => {
  const { untrustedWorkspaces } = manifest.capabilities;
  assert.equal(untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(untrustedWorkspaces.restrictedConfigurations.sort(), [
    'hotpath.locustPath',
    'hotpath.nodePath',
    'hotpath.outputFolder',
    'hotpath.service.allowRemote',
    'hotpath.service.command',
  ]);
});

test("the editor title's buttons show on JavaScript and TypeScript editors only", () => {
  const when = (manifest.contributes.menus['editor/title'] as { when: string }[]).map(
    (e) => e.when,
  );
  assert.ok(when.length > 0);
  for (const clause of when) {
    const match = /resourceLangId =~ \/(.+)\/$/.exec(clause);
    assert.ok(match, clause);
    const language = new RegExp(match[1]);
    for (const id of ['javascript', 'typescript', 'javascriptreact', 'typescriptreact'])
      assert.ok(language.test(id), `${id}: ${clause}`);
    for (const id of ['json', 'markdown', 'plaintext', 'jsonc', 'javascript.x'])
      assert.ok(!language.test(id), `${id}: ${clause}`);
  }
});

test('settings come in order, the service command first; presets and endpoints reject unknown fields', () => {
  const properties = manifest.contributes.configuration.properties as Record<
    string,
    { order?: number; items?: { additionalProperties?: boolean } }
  >;
  const ordered = Object.entries(properties).sort(
    ([, a], [, b]) => (a.order ?? Infinity) - (b.order ?? Infinity),
  );
  assert.equal(ordered[0][0], 'hotpath.service.command');
  assert.ok(
    ordered.every(([, s]) => Number.isInteger(s.order)),
    'every setting has an order',
  );
  assert.equal(new Set(ordered.map(([, s]) => s.order)).size, ordered.length, 'no order twice');
  assert.equal(properties['hotpath.presets'].items?.additionalProperties, false);
  assert.equal(properties['hotpath.endpoints'].items?.additionalProperties, false);
});

test('heat in every theme: opaque overview-ruler marks, an outline drawn in high contrast only', () => {
  const colours = new Map<string, Record<string, string>>(
    manifest.contributes.colors.map((c: { id: string; defaults: Record<string, string> }) => [
      c.id,
      c.defaults,
    ]),
  );
  const alpha = (hex: string) => (hex.length === 9 ? Number.parseInt(hex.slice(7), 16) : 255);
  for (let level = 1; level <= 5; level++) {
    const ruler = colours.get(`hotpath.heatRuler${level}`);
    assert.ok(ruler, `hotpath.heatRuler${level}`);
    for (const theme of ['dark', 'light', 'highContrast', 'highContrastLight'])
      assert.equal(alpha(ruler[theme]), 255, `heatRuler${level} ${theme}: ${ruler[theme]}`);
  }
  const border = colours.get('hotpath.heatBorder');
  assert.ok(border);
  assert.equal(alpha(border.dark), 0);
  assert.equal(alpha(border.light), 0);
  assert.equal(alpha(border.highContrast), 255);
  assert.equal(alpha(border.highContrastLight), 255);
});
