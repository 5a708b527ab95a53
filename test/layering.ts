/**
 * The never-rules of Hotpath's layers, declared once: which folder may import which, and who may
 * import `vscode`. `test/unit/layering.test.ts` checks every source file against them, and checks
 * that these same functions catch a wrong import (no copy of the rule is tested instead).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The layer of a file: its folder under src/ (or `media`), or the entry point's own name. */
export function layerOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] === 'media') return 'media';
  if (parts[0] !== 'src') return undefined;
  if (parts.length === 2) return parts[1].replace(/\.ts$/, ''); // extension, cli
  return parts[1];
}

/**
 * What each layer may import of Hotpath's own code, besides itself. Floors, bottom up: record and
 * protocol (types) and vocabulary (the words and data every floor shares: errors, paths, presets,
 * defaults, options); profile, runner and routes (pure or process code, never each other);
 * report (no runner: its words come from vocabulary); runs; views and commands; the entry points.
 * sampleService is a program of its own.
 */
export const MAY_IMPORT: Record<string, readonly string[]> = {
  record: [],
  protocol: [],
  vocabulary: ['record'],
  profile: ['vocabulary', 'record', 'protocol'],
  runner: ['vocabulary', 'record'],
  routes: [],
  sampleService: [],
  report: ['profile', 'vocabulary', 'record', 'protocol'],
  runs: ['report', 'profile', 'vocabulary', 'record', 'protocol'],
  views: ['report', 'runs', 'profile', 'runner', 'vocabulary', 'record', 'protocol', 'routes'],
  commands: [
    'views',
    'runs',
    'report',
    'profile',
    'runner',
    'vocabulary',
    'record',
    'protocol',
    'routes',
    'src/sampleService/routes.ts', // the sample's route list, as data
  ],
  cli: ['runs', 'report', 'profile', 'runner', 'vocabulary', 'record', 'protocol'],
  extension: ['commands', 'views'],
  media: ['protocol'],
};

/** The only layers that may import `vscode`. */
export const VSCODE_LAYERS: readonly string[] = ['extension', 'commands', 'views'];

/** Layers that hold types (and constant names) only: no function, no class, type-only imports. */
export const TYPES_ONLY: readonly string[] = ['src/record/', 'src/protocol/webview.ts'];

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*\s{},]*?\s+from\s+)?['"]([^'"]+)['"]|(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The module specifiers a source file imports (static, dynamic, require, re-export). */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT)) found.push(match[1] ?? match[2]);
  return found;
}

export interface SourceFile {
  /** Relative to the repository, with forward slashes: src/profile/model.ts. */
  file: string;
  source: string;
}

/** Every broken rule in `files`, one line each, such as "src/profile/x.ts imports vscode". */
export function violations(files: readonly SourceFile[]): string[] {
  const broken: string[] = [];
  for (const { file, source } of files) {
    const layer = layerOf(file);
    if (layer === undefined) continue;
    const allowed = MAY_IMPORT[layer];
    if (!allowed) {
      broken.push(`${file}: the layer "${layer}" has no rule (add it to MAY_IMPORT)`);
      continue;
    }
    for (const specifier of importsOf(source)) {
      if (specifier === 'vscode') {
        if (!VSCODE_LAYERS.includes(layer)) broken.push(`${file} imports vscode`);
        continue;
      }
      if (!specifier.startsWith('.')) continue; // node: builtins and packages
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const targetFile =
        target.endsWith('.ts') || target.endsWith('.css') ? target : `${target}.ts`;
      const targetLayer = layerOf(target);
      if (targetLayer === layer) continue;
      if (targetLayer !== undefined && allowed.includes(targetLayer)) continue;
      if (allowed.includes(targetFile)) continue;
      broken.push(`${file} (${layer}) imports ${targetFile} (${targetLayer ?? 'outside src'})`);
    }
    if (TYPES_ONLY.some((prefix) => file.startsWith(prefix))) {
      for (const line of source.split('\n')) {
        if (/^\s*(export\s+)?(async\s+)?(function|class)\b/.test(line))
          broken.push(`${file} is types only, but declares: ${line.trim()}`);
        if (/^\s*import\s+(?!type\b)/.test(line))
          broken.push(`${file} is types only, but imports a value: ${line.trim()}`);
      }
    }
  }
  return broken;
}

/** Every TypeScript source of src/ and media/ under `root`, as `violations` takes them. */
export function sourceFiles(root: string): SourceFile[] {
  return ['src', 'media'].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(ts|js|mts|cts)$/.test(file))
      .map((file) => {
        const relative = `${dir}/${file.split(path.sep).join('/')}`;
        return { file: relative, source: fs.readFileSync(path.join(root, relative), 'utf8') };
      }),
  );
}
