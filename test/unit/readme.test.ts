/**
 * The README says what the code does: its presets table is the code's presets (names, order,
 * descriptions) and its settings list is the extension's contributed settings and colours.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DEFAULTS, PRESETS } from '../../src/runner/options';

const root = path.resolve(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, unknown> }; colors: { id: string }[] };
};

/** The text of the README section under `heading`, up to the next heading. */
function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `the README has "${heading}"`);
  const rest = readme.slice(start + heading.length + 2);
  return rest.slice(0, rest.search(/\n#{1,3} /) >>> 0 || rest.length);
}

test("the README's presets table is the code's presets, in order, with their descriptions", () => {
  const rows = section('### Load presets and shapes')
    .split('\n')
    .filter((l) => /^\| `/.test(l))
    .map((l) => l.split('|').map((cell) => cell.trim()));
  const said = rows.map(([, name, load]) => ({
    name: (/^`([^`]+)`/.exec(name) ?? [])[1],
    isDefault: name.includes('(default)'),
    // Backticks are the README's typography, not a difference in what it says.
    description: load.replaceAll('`', ''),
  }));
  assert.deepEqual(
    said,
    PRESETS.map((p) => ({
      name: p.name,
      isDefault: p.name === DEFAULTS.preset,
      description: p.description,
    })),
  );
});

test("the README's settings list is the extension's settings and colours, in order", () => {
  const lead = 'Settings (`hotpath.*`):';
  assert.ok(readme.includes(lead), `the README has "${lead}"`);
  const paragraph = readme.slice(readme.indexOf(lead) + lead.length);
  const [settings, colours] = paragraph
    .slice(0, paragraph.indexOf('\n\n'))
    .split('; theme colours');
  assert.ok(colours, 'the settings are followed by the theme colours');
  const names = [...settings.matchAll(/`([^`*]+)`/g)].map((m) => `hotpath.${m[1]}`);
  assert.deepEqual(names, Object.keys(manifest.contributes.configuration.properties));
  // The colours: a range written `hotpath.heat1`…`hotpath.heat5`, and single ones.
  const said: string[] = [];
  for (const m of colours.matchAll(/`([^`]+)`(…`([^`]+)`)?/g)) {
    const [, first, , last] = m;
    if (!last) said.push(first);
    else {
      const stem = first.replace(/\d+$/, '');
      for (let i = Number(first.slice(stem.length)); i <= Number(last.slice(stem.length)); i++)
        said.push(`${stem}${i}`);
    }
  }
  assert.deepEqual(
    said,
    manifest.contributes.colors.map((c) => c.id),
  );
});
