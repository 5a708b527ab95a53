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

export interface SourceMapper {
  /** The original of a 1-based line and column of a script (a function's start). */
  position(url: string, line: number, column: number): OriginalPosition | undefined;
  /**
   * The original of a whole generated line (position ticks carry no column): the first mapping
   * on that line. Unminified bundles keep each generated line to one original line.
   */
  line(url: string, line: number): OriginalPosition | undefined;
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
    const inMemory = held[url];
    if (inMemory !== undefined) {
      try {
        return new TraceMap(inMemory as EncodedSourceMap, pathToFileURL(file).href);
      } catch (error) {
        notes.push(
          `${file}: its source map is broken (${error instanceof Error ? error.message : String(error)})`,
        );
        return null;
      }
    }
    const code = readFile(file);
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
    position(url, line, column) {
      const map = load(url);
      if (!map || line < 1) return undefined;
      const found = originalPositionFor(map, { line, column: Math.max(0, column - 1) });
      const source = sourcePath(found.source);
      if (!source || found.line === null) return undefined;
      return {
        source,
        line: found.line,
        column: (found.column ?? -1) + 1,
        ...(found.name ? { name: found.name } : {}),
      };
    },
    line(url, line) {
      const map = load(url);
      if (!map || line < 1) return undefined;
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
        // Minified code (tsx writes a module on one line): a tick's line says nothing exact.
        else if (found.source !== source || Math.abs(found.line - (originalLine + 1)) > 2)
          return undefined;
      }
      return found;
    },
  };
}
