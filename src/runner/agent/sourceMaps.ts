/**
 * The source maps of a service compiled in memory (tsx, ts-node, --enable-source-maps): kept by
 * Node while it runs, and handed to the runner with the profile, since they are nowhere on disk.
 */
import { findSourceMap } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LockReport } from './locks';

/**
 * ts-node hands Node its JavaScript with an inline source map, which Node keeps (for the profile's
 * lines, through findSourceMap) only with source maps enabled. ts-node maps its stack traces
 * itself (source-map-support's Error.prepareStackTrace, which takes precedence), so turning Node's
 * on changes nothing the service shows; it is done only when ts-node runs the service.
 */
export function keepTsNodeMaps(): void {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? '', process.argv[1] ?? ''];
  if (!flags.some((flag) => /(^|[\\/\s=])ts-node([\\/]|$)/.test(flag))) return;
  try {
    process.setSourceMapsEnabled(true);
  } catch {
    /* an older Node: lines stay as generated, with the note */
  }
}

/**
 * The source maps Node holds in memory for the profile's scripts. A service run by tsx or
 * ts-node (or with --enable-source-maps) was compiled in memory: its maps are nowhere on disk.
 */
export function heldSourceMaps(profile: unknown, more: string[] = []): Record<string, unknown> {
  const maps: Record<string, unknown> = {};
  const nodes = (profile as { nodes?: { callFrame?: { url?: string } }[] }).nodes ?? [];
  const urls = [...nodes.map((node) => node.callFrame?.url), ...more];
  const seen = new Set<string>();
  for (const url of urls) {
    if (!url || seen.has(url) || !(url.startsWith('file:') || path.isAbsolute(url))) continue;
    seen.add(url);
    try {
      const map =
        findSourceMap(url) ??
        findSourceMap(url.startsWith('file:') ? url : pathToFileURL(url).href);
      if (map?.payload) maps[url] = map.payload;
    } catch {
      /* no map for this script */
    }
  }
  return maps;
}

/** The scripts of the lock report's stacks: their maps are saved with the profile's. */
export function lockUrls(report: LockReport | undefined): string[] {
  if (!report) return [];
  return [
    ...report.sites.flatMap((site) => site.stack.map((frame) => frame.url)),
    ...report.locks.flatMap((lock) => (lock.created ?? []).map((frame) => frame.url)),
  ];
}
