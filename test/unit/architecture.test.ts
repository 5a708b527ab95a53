/**
 * docs/ARCHITECTURE.md says what the code is, and stays true: its floors table is test/layering.ts'
 * rules (each folder, what it may import, and its floor: one above the highest floor it imports),
 * and its list of files over 500 lines is exactly the files of src/ and media/ over 500 lines,
 * each with its reason. That list is the cap: a file that grows past 500 lines fails here until it
 * is split by concern, or listed with a reason a reviewer accepts; a file that shrinks back under
 * the cap must leave the list.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { MAY_IMPORT } from '../layering';

const root = path.resolve(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(root, 'docs', 'ARCHITECTURE.md'), 'utf8');
const MAX_LINES = 500;

/** The text of the section under `heading`, up to the next heading of its level or above. */
function section(heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `ARCHITECTURE.md has "${heading}"`);
  const rest = doc.slice(start + heading.length + 2);
  const end = rest.search(/\n## /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The layer a floors-table folder cell names: `src/report/` → report, `media/` → media. */
function layerOfCell(cell: string): string {
  const folder = /`([^`]+)`/.exec(cell)?.[1] ?? '';
  return folder === 'media/' ? 'media' : folder.replace(/^src\//, '').replace(/(\/|\.ts)$/, '');
}

/**
 * A layer's floor: 0 when it imports nothing of Hotpath's, else one above the highest floor it
 * imports; '–' for the programs of their own (the sample service, the webview's page).
 */
function floorOf(layer: string): string {
  if (layer === 'sampleService' || layer === 'media') return '–';
  const below = MAY_IMPORT[layer].filter((l) => l in MAY_IMPORT).map((l) => Number(floorOf(l)));
  return String(below.length === 0 ? 0 : Math.max(...below) + 1);
}

/** A "may import" cell as MAY_IMPORT writes it: layer names, or a file in backticks. */
function importsOfCell(cell: string): string[] {
  if (cell.trim() === 'nothing') return [];
  return cell
    .replace(/\([^)]*\)/g, '')
    .split(',')
    .map((name) => name.trim().replaceAll('`', ''))
    .filter(Boolean);
}

test("ARCHITECTURE.md's floors table is the layering rules, with floors that follow from them", () => {
  const rows = section('## Floors, bottom up')
    .split('\n')
    .filter((line) => /^\| [0-9–]/.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  const said = rows.map(([, floor, folder, , imports]) => {
    const layer = layerOfCell(folder);
    return { layer, floor, imports: importsOfCell(imports) };
  });
  const expected = Object.keys(MAY_IMPORT).map((layer) => ({
    layer,
    floor: floorOf(layer),
    imports: [...MAY_IMPORT[layer]],
  }));
  const byLayer = (a: { layer: string }, b: { layer: string }) => a.layer.localeCompare(b.layer);
  assert.deepEqual([...said].sort(byLayer), [...expected].sort(byLayer));
  // Bottom up: a row's floor is never below the row before it.
  const floors = said.map((s) => s.floor).filter((f) => f !== '–');
  assert.deepEqual(
    floors,
    [...floors].sort((a, b) => Number(a) - Number(b)),
  );
});

function lines(file: string): number {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  return text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

test(`ARCHITECTURE.md lists every file of src/ and media/ over ${MAX_LINES} lines, each with its reason`, () => {
  const files = ['src', 'media'].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .map((file) => `${dir}/${file.split(path.sep).join('/')}`)
      .filter((file) => fs.statSync(path.join(root, file)).isFile()),
  );
  assert.ok(files.includes('src/cli.ts'), 'the sources were found');
  const over = files.filter((file) => lines(file) > MAX_LINES).sort();
  const listed = section(`## Files over ${MAX_LINES} lines`)
    .split('\n- ')
    .slice(1)
    .map((item) => {
      const match = /^`([^`]+)` \(about (\d+)\): (.+)/s.exec(item);
      assert.ok(match, `a listed file reads "\`path\` (about N): why": ${item}`);
      const [, file, about, why] = match;
      assert.ok(why.trim().length > 20, `${file}: its reason is written out`);
      assert.ok(
        Math.abs(Number(about) - lines(file)) <= 25,
        `${file} has ${lines(file)} lines; the list says about ${about}`,
      );
      return file;
    })
    .sort();
  assert.deepEqual(listed, over, 'the files over the cap: split them by concern, or list them');
});
