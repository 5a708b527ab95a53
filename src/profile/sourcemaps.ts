/**
 * Source maps: from a position in a script the profile names to the original file and line.
 * Follows each script's `//# sourceMappingURL` (a file beside it or an inline data URL), once
 * per script. A map that is missing or broken leaves the generated position and says so in
 * `notes`; it never throws. The only I/O is the `readFile` the caller gives.
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  decodedMappings,
  type EncodedSourceMap,
  originalPositionFor,
  TraceMap,
} from '@jridgewell/trace-mapping';

export interface OriginalPosition {
  /** An absolute file path when the source is a file; otherwise the source as the map says. */
  source: string;
  /** 1-based. */
  line: number;
  /** 1-based; 0 when the map gives none. */
  column: number;
  name?: string;
}

/** Reads a file as text, or returns undefined when it cannot. */
export type ReadFile = (file: string) => string | undefined;

/**
 * Where a generated line's ticks belong. Position ticks carry no column, so a line is only
 * placed when its mappings keep to one original line (unminified output does).
 * - `line`: one original line;
 * - `spread`: the generated line holds several original lines (tsx writes a module on one
 *   line; a minified build writes many): no line can be named, only the function;
 * - `none`: the script has no source map (plain JavaScript: its lines are the original's) or
 *   no mapping on that line.
 */
export type GeneratedLine =
  | { kind: 'line'; position: OriginalPosition }
  | { kind: 'spread'; how: SpreadHow }
  | { kind: 'none' };

/**
 * Why a script's lines spread: a map held in memory is a loader's (tsx minifies whitespace), a
 * map on disk is a build's (a minified bundle).
 */
export type SpreadHow = 'loader' | 'build';

export interface SourceMapper {
  /**
   * The original of a 1-based line and column of a script (a function's start): the mapping at
   * or before it. With a minified build's map, `name` is the original name of the identifier
   * there (V8's function column points at the parameter list's `(`, just after the name).
   * Given V8's name of a function assigned to a minified object's member (`_.send` for
   * `_.send=function(…)`, `Ce.handle` for `Ce.prototype.handle=function(…)`), `name` is that
   * member of the object's original name (`res.send`): a minified dependency's methods are
   * named as the user's functions are.
   */
  position(
    url: string,
    line: number,
    column: number,
    v8Name?: string,
  ): OriginalPosition | undefined;
  /** The original of a whole generated line (position ticks carry no column). */
  line(url: string, line: number): GeneratedLine;
  /** Whether the script has a source map (held in memory or named by its file). */
  hasMap(url: string): boolean;
  /** How many lines the script has, when its map or its file says; undefined when unknown. */
  lineCount(url: string): number | undefined;
  /** What could not be mapped, once per script. */
  readonly notes: string[];
}

/** The file path of a script URL as V8 reports it (`file:///…` or an absolute path). */
export function scriptPath(url: string): string | undefined {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(url) ? url : undefined;
}

const MAPPING_URL = /\/\/[#@] sourceMappingURL=([^\s'"]+)\s*$/;

/**
 * @param held source maps by script URL that were not on disk (Node held them in memory for a
 *   service run by tsx or ts-node); they are used before the script's own comment.
 */
export function createSourceMapper(
  readFile: ReadFile,
  held: Record<string, unknown> = {},
): SourceMapper {
  const maps = new Map<string, TraceMap | null>();
  const notes: string[] = [];
  const inMemoryMaps = new Set<string>();
  const counts = new Map<string, number | undefined>();
  /** The lines of each script read that has a map, to find a minified method's object. */
  const scriptLines = new Map<string, string[]>();

  function load(url: string): TraceMap | null {
    const cached = maps.get(url);
    if (cached !== undefined) return cached;
    const map = read(url);
    maps.set(url, map);
    return map;
  }

  function read(url: string): TraceMap | null {
    const file = scriptPath(url);
    if (!file) return null;
    // A heap profile names a script by its path where the CPU profile has its file URL.
    const inMemory = held[url] ?? held[pathToFileURL(file).href] ?? held[file];
    if (inMemory !== undefined) {
      try {
        inMemoryMaps.add(url);
        return new TraceMap(inMemory as EncodedSourceMap, pathToFileURL(file).href);
      } catch (error) {
        notes.push(
          `${file}: its source map is broken (${error instanceof Error ? error.message : String(error)})`,
        );
        return null;
      }
    }
    const code = readFile(file);
    counts.set(url, code === undefined ? undefined : lineCountOf(code));
    if (code === undefined) {
      notes.push(`${file}: not readable, positions stay as generated`);
      return null;
    }
    // The comment is the last one of its kind in the file; look near the end first.
    const tail = code.slice(-4096).split('\n').reverse();
    let reference: string | undefined;
    for (const line of tail) {
      const match = MAPPING_URL.exec(line);
      if (match) {
        reference = match[1];
        break;
      }
    }
    if (!reference) {
      const full = code
        .split('\n')
        .reverse()
        .find((line) => MAPPING_URL.test(line));
      reference = full ? MAPPING_URL.exec(full)?.[1] : undefined;
    }
    if (!reference) return null; // plain JavaScript: nothing to map, nothing to say
    scriptLines.set(url, code.split('\n'));
    try {
      let json: string | undefined;
      let mapFile: string;
      if (reference.startsWith('data:')) {
        const comma = reference.indexOf(',');
        const meta = reference.slice(0, comma);
        const data = reference.slice(comma + 1);
        json = meta.endsWith(';base64')
          ? Buffer.from(data, 'base64').toString('utf8')
          : decodeURIComponent(data);
        mapFile = file;
      } else {
        mapFile = path.resolve(path.dirname(file), decodeURIComponent(reference));
        json = readFile(mapFile);
        if (json === undefined) {
          notes.push(
            `${file}: its source map ${mapFile} is not readable, positions stay as generated`,
          );
          return null;
        }
      }
      return new TraceMap(JSON.parse(json) as EncodedSourceMap, pathToFileURL(mapFile).href);
    } catch (error) {
      notes.push(
        `${file}: its source map is broken (${error instanceof Error ? error.message : String(error)}), positions stay as generated`,
      );
      return null;
    }
  }

  function sourcePath(source: string | null): string | undefined {
    if (!source) return undefined;
    return source.startsWith('file://') ? (scriptPath(source) ?? source) : source;
  }

  return {
    notes,
    position(url, line, column, v8Name) {
      const map = load(url);
      if (!map || line < 1) return undefined;
      const found = originalPositionFor(map, { line, column: Math.max(0, column - 1) });
      const source = sourcePath(found.source);
      if (!source || found.line === null) return undefined;
      const name =
        found.name ??
        (v8Name
          ? memberName(map, scriptLines.get(url)?.[line - 1], line, column, v8Name)
          : undefined);
      return {
        source,
        line: found.line,
        column: (found.column ?? -1) + 1,
        ...(name ? { name } : {}),
      };
    },
    line(url, line) {
      const map = load(url);
      if (!map || line < 1) return { kind: 'none' };
      const segments = decodedMappings(map)[line - 1];
      let found: OriginalPosition | undefined;
      for (const segment of segments ?? []) {
        if (segment.length < 4) continue;
        const [, sourceIndex, originalLine, originalColumn] = segment as [
          number,
          number,
          number,
          number,
        ];
        const source = sourcePath(map.resolvedSources[sourceIndex]);
        if (!source) continue;
        if (!found) found = { source, line: originalLine + 1, column: originalColumn + 1 };
        // A statement may wrap over a line or two of the original; more is minified code.
        else if (found.source !== source || Math.abs(found.line - (originalLine + 1)) > 2)
          return { kind: 'spread', how: inMemoryMaps.has(url) ? 'loader' : 'build' };
      }
      return found ? { kind: 'line', position: found } : { kind: 'none' };
    },
    hasMap(url) {
      return load(url) !== null;
    },
    lineCount(url) {
      const map = load(url);
      // A map has an entry per generated line up to its last mapping: a floor, as good as exact
      // for the question asked ("is this line beyond the script?") only when there is no file.
      if (counts.has(url)) return counts.get(url);
      if (!map) return undefined;
      const count = decodedMappings(map).length;
      counts.set(url, count);
      return count;
    },
  };
}

function lineCountOf(code: string): number {
  let count = 1;
  for (let at = code.indexOf('\n'); at >= 0; at = code.indexOf('\n', at + 1)) count++;
  return count;
}

const IDENTIFIER = /^[\w$]+$/;

/**
 * A minified method's name from the map: V8 names `_.send=function(e){…}` after the object it is
 * assigned to ("_.send"; `Ce.prototype.handle=…` is "Ce.handle"), and the map names that object
 * where it stands (`res`, `Router`). Undefined unless the generated code just before the
 * function (1-based `column`, at its parameters) is that assignment.
 */
function memberName(
  map: TraceMap,
  text: string | undefined,
  line: number,
  column: number,
  v8Name: string,
): string | undefined {
  const dot = v8Name.lastIndexOf('.');
  const object = v8Name.slice(0, dot);
  const member = v8Name.slice(dot + 1);
  if (!text || dot <= 0 || !IDENTIFIER.test(object) || !IDENTIFIER.test(member)) return undefined;
  const before = text.slice(Math.max(0, column - 1 - 300), column - 1);
  const assigned = new RegExp(
    `(?:^|[^\\w$.])(${escaped(object)})(?:\\.prototype)?\\.${escaped(member)}\\s*=\\s*(?:async\\s*)?(?:function\\s*\\*?\\s*[\\w$]*\\s*)?$`,
  ).exec(before);
  if (!assigned) return undefined;
  const at = Math.max(0, column - 1 - 300) + assigned.index + assigned[0].indexOf(object);
  const original = originalPositionFor(map, { line, column: at }).name;
  return original && original !== object ? `${original}.${member}` : undefined;
}

function escaped(identifier: string): string {
  return identifier.replace(/\$/g, '\\$');
}
