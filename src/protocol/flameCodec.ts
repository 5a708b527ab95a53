/**
 * The flamegraph's tree as it travels from the extension host to a webview: its frames in two
 * typed arrays (VS Code carries typed arrays in webview messages as binary, not as JSON), its
 * functions as lists of distinct strings. A 200k-frame tree is about 7 MB of numbers instead of
 * 15 MB of JSON text, and the page takes it without parsing. Shared by the host and the page.
 */
import { FLAME_CATEGORIES, type FlameData, type ReportData } from './flame';
import type { PackedFlame, PackedReport } from './webview';

export function packFlame(flame: FlameData): PackedFlame {
  const { frames, functions, ...rest } = flame;
  const count = frames.fn.length;
  const ints = new Int32Array(2 * count);
  ints.set(frames.fn, 0);
  ints.set(frames.parent, count);
  const floats = new Float64Array((frames.before ? 3 : 2) * count);
  floats.set(frames.self, 0);
  floats.set(frames.total, count);
  if (frames.before) floats.set(frames.before, 2 * count);
  const strings = [...functions.names, ...functions.files, ...(functions.shown ?? [])];
  return {
    ...rest,
    packed: 1,
    count,
    ints,
    floats,
    functions: {
      text: strings.join(''),
      lengths: Int32Array.from(strings, (text) => text.length),
      lines: Int32Array.from(functions.lines),
      categories: Uint8Array.from(functions.categories, (c) => FLAME_CATEGORIES.indexOf(c)),
    },
  };
}

export function unpackFlame(packed: PackedFlame): FlameData {
  const { packed: _packed, count, ints, floats, functions, ...rest } = packed;
  const n = functions.lines.length;
  const total = functions.lengths.length;
  const strings: string[] = new Array(total);
  for (let i = 0, at = 0; i < total; i++) {
    strings[i] = functions.text.slice(at, at + functions.lengths[i]);
    at += functions.lengths[i];
  }
  return {
    ...rest,
    functions: {
      names: strings.slice(0, n),
      files: strings.slice(n, 2 * n),
      ...(total >= 3 * n && n > 0 ? { shown: strings.slice(2 * n, 3 * n) } : {}),
      lines: Array.from(functions.lines),
      categories: Array.from(functions.categories, (code) => FLAME_CATEGORIES[code] ?? 'v8'),
    },
    frames: {
      fn: ints.subarray(0, count),
      parent: ints.subarray(count, 2 * count),
      self: floats.subarray(0, count),
      total: floats.subarray(count, 2 * count),
      ...(floats.length >= 3 * count && rest.mode === 'diff'
        ? { before: floats.subarray(2 * count, 3 * count) }
        : {}),
    },
  };
}

/** The buffers of a packed report, to transfer between threads rather than copy. */
export function reportBuffers(report: PackedReport): ArrayBuffer[] {
  return [report.flame, report.waits?.flame].flatMap((flame) =>
    flame
      ? [
          flame.ints,
          flame.floats,
          flame.functions.lengths,
          flame.functions.lines,
          flame.functions.categories,
        ].map((array) => array.buffer as ArrayBuffer)
      : [],
  );
}

export function packReport(report: ReportData | PackedReport): PackedReport {
  if (isPacked(report.flame)) return report as PackedReport;
  const { flame, waits, ...rest } = report as ReportData;
  return {
    ...rest,
    flame: packFlame(flame),
    ...(waits
      ? {
          waits: {
            ...waits,
            ...(waits.flame ? { flame: packFlame(waits.flame) } : {}),
          },
        }
      : {}),
  } as PackedReport;
}

export function unpackReport(report: PackedReport | ReportData): ReportData {
  if (!isPacked(report.flame)) return report as ReportData;
  const { flame, waits, ...rest } = report as PackedReport;
  return {
    ...rest,
    flame: unpackFlame(flame),
    ...(waits
      ? {
          waits: {
            ...waits,
            ...(waits.flame ? { flame: unpackFlame(waits.flame) } : {}),
          },
        }
      : {}),
  } as ReportData;
}

function isPacked(flame: FlameData | PackedFlame): flame is PackedFlame {
  return (flame as PackedFlame).packed === 1;
}

/** A report as plain JSON (typed arrays as arrays): for the webview's saved state. */
export function plainReport(report: ReportData): ReportData {
  const plain = (flame: FlameData): FlameData => ({
    ...flame,
    frames: {
      fn: Array.from(flame.frames.fn),
      parent: Array.from(flame.frames.parent),
      self: Array.from(flame.frames.self),
      total: Array.from(flame.frames.total),
      ...(flame.frames.before ? { before: Array.from(flame.frames.before) } : {}),
    },
  });
  return {
    ...report,
    flame: plain(report.flame),
    ...(report.waits?.flame
      ? { waits: { ...report.waits, flame: plain(report.waits.flame) } }
      : {}),
  };
}
