/**
 * The README says what the code does: its presets table is the code's presets (names, order,
 * descriptions) and its settings list is the extension's contributed settings and colours.
 * docs/DEVELOPMENT.md's table of bundles is what esbuild.mjs builds, and every file the README
 * and docs/ point to is in the repository.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DEFAULTS } from '../../src/vocabulary/defaults';
import { PRESETS } from '../../src/vocabulary/presets';

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

test("DEVELOPMENT.md's table of bundles is every entry point of esbuild.mjs", () => {
  const build = fs.readFileSync(path.join(root, 'esbuild.mjs'), 'utf8');
  const built: string[] = [];
  // An ES module's bundle says its extension just before its entry points.
  const blocks =
    /(?:outExtension:\s*\{\s*'\.js':\s*'(\.\w+)'\s*\},\s*)?entryPoints:\s*\{([^}]*)\}/g;
  for (const [, extension = '.js', points] of build.matchAll(blocks))
    for (const [, quoted, bare] of points.matchAll(/(?:'([^']+)'|(\w+)):\s*'/g))
      built.push(`dist/${quoted ?? bare}${extension}`);
  assert.ok(built.length >= 10, `entry points read from esbuild.mjs: ${built.join(', ')}`);
  const development = fs.readFileSync(path.join(root, 'docs', 'DEVELOPMENT.md'), 'utf8');
  const listed = [...development.matchAll(/^\| `(dist\/[^`]+)`/gm)].map((m) => m[1]);
  assert.deepEqual([...listed].sort(), [...built].sort());
});

test('every file the README, the CHANGELOG and docs/ link to or name is in the repository', () => {
  const pages = [
    'README.md',
    'CHANGELOG.md',
    ...fs
      .readdirSync(path.join(root, 'docs'))
      .filter((file) => file.endsWith('.md'))
      .map((file) => `docs/${file}`),
  ];
  const missing: string[] = [];
  for (const page of pages) {
    const text = fs.readFileSync(path.join(root, page), 'utf8');
    // Markdown links and images to relative paths: [text](path) and ![alt](path), anchors cut.
    for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      if (!fs.existsSync(path.resolve(root, path.dirname(page), target)))
        missing.push(`${page} → ${target}`);
    }
    // A named page that is not linked, such as `docs/DESIGN.md` or `ARCHITECTURE.md`.
    for (const [name] of text.matchAll(/\b[A-Z][A-Z_]+\.md\b/g)) {
      const found = [path.join(root, name), path.join(root, 'docs', name)].some((f) =>
        fs.existsSync(f),
      );
      if (!found) missing.push(`${page} names ${name}`);
    }
  }
  assert.deepEqual(missing, []);
});

test("the README's links within itself go to one of its headings", () => {
  // GitHub's anchors: the heading in lower case, without punctuation, spaces as hyphens.
  const slug = (heading: string) =>
    heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replaceAll(' ', '-');
  const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
  const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length > 0, 'the README links within itself');
  assert.deepEqual(
    links.filter((link) => !anchors.has(link)),
    [],
  );
});
