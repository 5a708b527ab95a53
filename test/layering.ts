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

/** A module specifier of `file` as a file of `files`, when it names one of Hotpath's own. */
function resolveImport(
  file: string,
  specifier: string,
  names: ReadonlySet<string>,
): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  return [target, `${target}.ts`, `${target}/index.ts`].find((candidate) => names.has(candidate));
}

/**
 * Every import circle among `files` (type-only imports count: a circle of types is still two
 * files that cannot be read one without the other), each as the files in it, sorted.
 */
export function importCircles(files: readonly SourceFile[]): string[][] {
  const names = new Set(files.map((f) => f.file));
  const graph = new Map(
    files.map(({ file, source }) => [
      file,
      importsOf(source).flatMap((s) => resolveImport(file, s, names) ?? []),
    ]),
  );
  // Tarjan's strongly connected components: a component of two or more files is a circle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) as number, index.get(next) as number));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) circles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return circles;
}

/**
 * The extension's state, each piece with the one file that may assign it: everyone else asks the
 * owner or listens to its events. `running`: the profile being taken (the context, from the
 * run's events); `service`: the sample service started by hand; `lastError` and
 * `lastRunMessage`: what the user was told, as the test API records it from the context's events.
 */
export const STATE_OWNERS: Readonly<Record<string, string>> = {
  running: 'src/commands/context.ts',
  service: 'src/commands/sampleService.ts',
  lastError: 'src/commands/testApi.ts',
  lastRunMessage: 'src/commands/testApi.ts',
};

const ASSIGNMENT = new RegExp(
  `(?<!\\b(?:const|let|var)\\s+)(?:[.#]|\\b)(${Object.keys(STATE_OWNERS).join('|')})\\s*(?:\\?\\?|\\|\\||&&)?=(?![=>])`,
);

/** Every assignment of a piece of `STATE_OWNERS`' state outside its owner's file, one line each. */
export function stateAssignedElsewhere(files: readonly SourceFile[]): string[] {
  const broken: string[] = [];
  for (const { file, source } of files) {
    source.split('\n').forEach((line, i) => {
      const match = ASSIGNMENT.exec(line);
      if (match && STATE_OWNERS[match[1]] !== file)
        broken.push(`${file}:${i + 1} assigns ${match[1]}, which ${STATE_OWNERS[match[1]]} owns`);
    });
  }
  return broken;
}

/**
 * The analysis: what reads, analyses, slices, diagnoses or compares a profile, and builds the
 * report's figures from it. It runs on the analysis worker's side (and in the CLI); the extension
 * host receives its figures and never runs it (a large profile would hold typing and every
 * other extension).
 */
export const ANALYSIS_FUNCTIONS: readonly string[] = [
  'readProfile',
  'buildModel',
  'analyze',
  'sliceProfile',
  'diagnose',
  'analyzeWaits',
  'parseHeapProfile',
  'analyzeAllocations',
  'compareRuns',
  'reportData',
  'comparisonReportData',
  'loadRun',
  'loadRampSteps',
  'loadHeapProfile',
  'heapReportData',
];

/**
 * The analysis functions that an unminified bundle defines (esbuild keeps their names, adding a
 * number when two collide; it leaves out what nothing calls).
 */
export function analysisIn(bundle: string): string[] {
  return ANALYSIS_FUNCTIONS.filter((name) => new RegExp(`\\bfunction ${name}\\d*\\(`).test(bundle));
}
