/**
 * The source maps of an attached service's scripts compiled in memory (tsx, ts-node): nowhere on
 * disk, so read from the process over its inspector once the window's profile is back, for the
 * profile's scripts only, and kept in the run's `sourcemaps.json` as the preloaded agent keeps
 * them (agent/sourceMaps.ts). First the maps Node holds (`findSourceMap`: tsx turns Node's source
 * maps on); then, for a TypeScript file still without one (ts-node keeps its maps to itself), the
 * inline map V8 saw in the script's `sourceMappingURL`, read from the Debugger domain's
 * `scriptParsed` events with the debugger on for as long as that takes.
 */
import { pathToFileURL } from 'node:url';
import type { InspectorSession } from './session';

/** What reading the maps with the debugger on did to the service: said in the run. */
export function debuggerEffects(ms: number, scripts: number): string {
  return (
    `the service's debugger was on for ${Math.round(ms)} ms after the window (the Debugger domain enabled, pauses skipped, and disabled again; ` +
    `its thread busy meanwhile reporting its ${scripts} scripts), to read the source maps of its TypeScript compiled in memory, which ts-node keeps from Node`
  );
}

/** A script compiled in memory from a file Node cannot run as it is on disk. */
const TYPESCRIPT = /\.[cm]?tsx?$/;

interface ScriptParsed {
  url?: string;
  sourceMapURL?: string;
}

/**
 * The in-memory maps of the profile's scripts, by the URL the profile names them with, and
 * how long the debugger was on for them, if it had to be.
 */
export async function attachedSourceMaps(
  session: InspectorSession,
  profile: unknown,
): Promise<{ maps: Record<string, unknown>; debugger?: { ms: number; scripts: number } }> {
  const urls = scriptUrls(profile);
  if (urls.length === 0) return { maps: {} };
  const held = (await session.evaluate(heldMaps(urls))) as Record<string, unknown> | null;
  const maps: Record<string, unknown> = { ...held };
  const missing = urls.filter((url) => maps[url] === undefined && TYPESCRIPT.test(url));
  if (missing.length === 0) return { maps };
  const inline = await inlineMaps(session, missing);
  for (const [url, map] of Object.entries(inline.maps)) maps[url] = map;
  return { maps, debugger: { ms: inline.ms, scripts: inline.scripts } };
}

/** The profile's scripts that are files (not Node's own, not eval'd code), each once. */
function scriptUrls(profile: unknown): string[] {
  const nodes = (profile as { nodes?: { callFrame?: { url?: string } }[] }).nodes ?? [];
  const urls = new Set<string>();
  for (const node of nodes) {
    const url = node.callFrame?.url;
    if (url && (url.startsWith('file:') || url.startsWith('/') || /^[A-Za-z]:[\\/]/.test(url)))
      urls.add(url);
  }
  return [...urls];
}

/**
 * The maps Node holds for `urls`, evaluated in the service: `findSourceMap` takes a path or a
 * file URL (a CommonJS script is profiled by its path). `require` is the command line's, for a
 * Node before 20.16 (no `process.getBuiltinModule`).
 */
function heldMaps(urls: string[]): string {
  return `(() => {
  const module = globalThis.process?.getBuiltinModule?.('node:module') ?? require('node:module');
  const { pathToFileURL } = globalThis.process?.getBuiltinModule?.('node:url') ?? require('node:url');
  const maps = {};
  for (const url of ${JSON.stringify(urls)}) {
    try {
      const map = module.findSourceMap(url) ?? (url.startsWith('file:') ? undefined : module.findSourceMap(pathToFileURL(url).href));
      if (map?.payload) maps[url] = map.payload;
    } catch {}
  }
  return maps;
})()`;
}

/**
 * The inline maps V8 saw for `urls`: the debugger on reports every script already compiled
 * (`scriptParsed`, before its answer to `Debugger.enable`), with its `sourceMappingURL`. Pauses
 * are skipped from the start (the command goes with the enable, before any code can run), so a
 * `debugger` statement cannot stop the service; the debugger goes off again at once. A map given
 * as a file (not a data: URL) is on disk, where the analysis reads it.
 */
async function inlineMaps(
  session: InspectorSession,
  urls: string[],
): Promise<{ maps: Record<string, unknown>; ms: number; scripts: number }> {
  const wanted = new Map<string, string>();
  for (const url of urls) wanted.set(url.startsWith('file:') ? url : fileUrlOf(url), url);
  const found: Record<string, string> = {};
  let scripts = 0;
  const onParsed = (message: { params: unknown }) => {
    scripts++;
    const { url, sourceMapURL } = message.params as ScriptParsed;
    const asked = url === undefined ? undefined : (wanted.get(url) ?? wanted.get(fileUrlOf(url)));
    if (asked !== undefined && sourceMapURL?.startsWith('data:')) found[asked] = sourceMapURL;
  };
  session.on('Debugger.scriptParsed', onParsed);
  const started = performance.now();
  let ms = 0;
  try {
    const enabled = session.send('Debugger.enable');
    const skipping = session.send('Debugger.setSkipAllPauses', { skip: true });
    await Promise.all([enabled, skipping]);
  } finally {
    session.off('Debugger.scriptParsed', onParsed);
    await session.send('Debugger.disable').catch(() => undefined);
    ms = performance.now() - started;
  }
  const maps: Record<string, unknown> = {};
  for (const [url, dataUrl] of Object.entries(found)) {
    try {
      // Node's fetch reads data: URLs (base64 or percent-encoded).
      maps[url] = JSON.parse(await (await fetch(dataUrl)).text());
    } catch {
      /* a broken inline map: its positions stay as generated */
    }
  }
  return { maps, ms, scripts };
}

/** A path as a file URL, as V8 names a script loaded from it. */
function fileUrlOf(url: string): string {
  return url.startsWith('file:') ? url : pathToFileURL(url).href;
}
