/** Where things are, as a person reads it: a file relative to the folder at hand, a function's line. */
import * as path from 'node:path';
import type { AnalyzedFunction } from '../profile/analyze';
import { GENERATED_WORDS, generatedLabel } from '../profile/breakdown';
import { scriptPath } from '../profile/sourcemaps';
import { packageRoot } from '../vocabulary/paths';

/** A file as a person reads it: relative to the current folder when inside it. */
export function displayPath(
  file: string,
  cwd = process.cwd(),
  hotpathRoot = hotpathRootOrNone(),
): string {
  if (file.startsWith('file://')) file = scriptPath(file) ?? file;
  if (!path.isAbsolute(file)) return file;
  const inside = (root: string) => {
    const relative = path.relative(root, file);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative)
      ? relative
      : undefined;
  };
  const here = inside(cwd);
  if (here) return here;
  // A dependency, wherever its project is: from its node_modules folder on.
  const modules = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (modules >= 0) return file.slice(modules + 1);
  // Hotpath's own files (the sample service's sources) from where Hotpath is installed.
  const own = hotpathRoot && inside(hotpathRoot);
  return own ? path.join('hotpath', own) : file;
}

function hotpathRootOrNone(): string | undefined {
  try {
    return packageRoot();
  } catch {
    return undefined;
  }
}

/** Where a function is, for people: its original file:line, else its script's. */
export function functionLocation(
  f: Pick<AnalyzedFunction, 'name' | 'generated' | 'original'>,
  cwd = process.cwd(),
): string {
  // A regular expression runs in V8's engine: its frame has a pattern, not a place.
  if (f.generated.url === '' && f.name.startsWith('RegExp: ')) return "V8's regex engine";
  return f.original
    ? `${displayPath(f.original.source, cwd)}:${f.original.line}`
    : `${displayPath(scriptPath(f.generated.url) ?? f.generated.url, cwd)}:${f.generated.line}`;
}

/**
 * Where a function is, or, when its profile names no script for it, what it is: never an empty
 * cell. V8's own entries (`(garbage collector)`, `(V8 API)`) are V8's work; a script without a
 * URL but with a line is generated code (`eval`, `new Function`), in the breakdown's words; a
 * frame with neither (a `node --heap-prof` file has them: V8 writes no URL or line for a script
 * it no longer holds) says so rather than guess.
 */
export function functionPlace(
  f: Pick<AnalyzedFunction, 'name' | 'generated' | 'original'>,
  cwd = process.cwd(),
): string {
  if (f.generated.url || f.original || f.name.startsWith('RegExp: '))
    return functionLocation(f, cwd);
  if (/^\(.+\)$/.test(f.name) && f.name !== '(anonymous)') return "V8's own work";
  if (f.generated.line > 0)
    return `${generatedLabel(GENERATED_WORDS.eval)}, line ${f.generated.line}`;
  return NO_PLACE;
}

/** A frame's place when its profile gives neither a script URL nor a line. */
export const NO_PLACE = 'no script URL or line in the profile';
