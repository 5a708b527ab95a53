/**
 * An analysis as columns, to cross to another thread (the analysis worker to the extension
 * host), and made whole again there. Pure.
 */
import type { Analysis, AnalyzedFunction, AnalyzedLine } from './analyze';
import { CATEGORIES, type PlainSummary, plainSummary, summaryOf } from './model';

/**
 * An analysis as plain data, to cross to another thread: its functions and lines as columns of
 * numbers over one table of strings, its tree as columns (`plainSummary`). A 75 MB profile has
 * tens of thousands of each; as objects they held the extension host about 0.2 s while it took
 * them in, as columns about 50 ms (made into objects again), and the buffers are transferred.
 */
export interface PlainAnalysis {
  model: PlainSummary;
  shares: Analysis['shares'];
  notes: string[];
  /** Every name, URL, source and package, once. */
  strings: string[];
  /** Per function, FUNCTION_INTS numbers (string indexes, -1 for none), and FUNCTION_US times. */
  functionInts: Int32Array;
  functionUs: Float64Array;
  /** Per line: file (string index), line, function, mapped (0/1); and self. */
  lineInts: Int32Array;
  lineUs: Float64Array;
  /** Per call line: function, file, line, ambiguous (0/1), names and other lines (strings); total. */
  callInts: Int32Array;
  callUs: Float64Array;
  threads?: Analysis['threads'];
}

// name, category, package, url, line, column, then the original's source, line, column, name;
// the function it was inlined into (-1 for none); its heaviest thread (-1 for none) and how
// many it ran in (0 when one).
const FUNCTION_INTS = 13;
// self, total, inlined, unplaced, recovered from inlining.
const FUNCTION_US = 5;
const LINE_INTS = 4;
const CALL_INTS = 6;

export function plainAnalysis(analysis: Analysis): PlainAnalysis {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const id = (text: string | undefined) => {
    if (text === undefined) return -1;
    let at = ids.get(text);
    if (at === undefined) {
      at = strings.push(text) - 1;
      ids.set(text, at);
    }
    return at;
  };
  const { functions, lines } = analysis;
  const functionInts = new Int32Array(functions.length * FUNCTION_INTS);
  const functionUs = new Float64Array(functions.length * FUNCTION_US);
  functions.forEach((f, i) => {
    const o = f.original;
    functionInts.set(
      [
        id(f.name),
        CATEGORIES.indexOf(f.category),
        id(f.packageName),
        id(f.generated.url),
        f.generated.line,
        f.generated.column,
        o ? id(o.source) : -1,
        o?.line ?? 0,
        o?.column ?? 0,
        id(o?.name),
        f.inlined?.intoId ?? -1,
        f.thread ?? -1,
        f.threadCount ?? 0,
      ],
      i * FUNCTION_INTS,
    );
    functionUs.set(
      [f.selfUs, f.totalUs, f.inlinedUs ?? 0, f.unplacedUs ?? 0, f.inlined?.selfUs ?? 0],
      i * FUNCTION_US,
    );
  });
  const lineInts = new Int32Array(lines.length * LINE_INTS);
  const lineUs = new Float64Array(lines.length);
  lines.forEach((l, i) => {
    lineInts.set([id(l.file), l.line, l.functionId, l.mapped ? 1 : 0], i * LINE_INTS);
    lineUs[i] = l.selfUs;
  });
  const calls = functions.flatMap((f) => (f.callLines ?? []).map((c) => ({ f, c })));
  const callInts = new Int32Array(calls.length * CALL_INTS);
  const callUs = new Float64Array(calls.length);
  calls.forEach(({ f, c }, i) => {
    const also = c.alsoLines ? id(c.alsoLines.join(',')) : -1;
    const ints = [
      f.id,
      id(c.file),
      c.line,
      c.ambiguous ? 1 : 0,
      id(c.calleeNames.join('\n')),
      also,
    ];
    callInts.set(ints, i * CALL_INTS);
    callUs[i] = c.totalUs;
  });
  return {
    model: plainSummary(analysis.model),
    shares: analysis.shares,
    notes: analysis.notes,
    strings,
    functionInts,
    functionUs,
    lineInts,
    lineUs,
    callInts,
    callUs,
    ...(analysis.threads ? { threads: analysis.threads } : {}),
  };
}

export function analysisOf(plain: PlainAnalysis): Analysis {
  const { strings, functionInts: fi, functionUs: fu, lineInts: li, lineUs: lu } = plain;
  const functions: AnalyzedFunction[] = new Array(fu.length / FUNCTION_US);
  for (let i = 0; i < functions.length; i++) {
    const k = i * FUNCTION_INTS;
    const generated = { url: strings[fi[k + 3]], line: fi[k + 4], column: fi[k + 5] };
    // Whole literals, so that the objects share a few shapes rather than grow into many.
    const f: AnalyzedFunction =
      fi[k + 2] >= 0
        ? {
            id: i,
            name: strings[fi[k]],
            category: CATEGORIES[fi[k + 1]],
            packageName: strings[fi[k + 2]],
            selfUs: fu[i * FUNCTION_US],
            totalUs: fu[i * FUNCTION_US + 1],
            generated,
          }
        : {
            id: i,
            name: strings[fi[k]],
            category: CATEGORIES[fi[k + 1]],
            selfUs: fu[i * FUNCTION_US],
            totalUs: fu[i * FUNCTION_US + 1],
            generated,
          };
    if (fi[k + 6] >= 0) {
      f.original = { source: strings[fi[k + 6]], line: fi[k + 7], column: fi[k + 8] };
      if (fi[k + 9] >= 0) f.original.name = strings[fi[k + 9]];
    }
    if (fu[i * FUNCTION_US + 2] > 0) f.inlinedUs = fu[i * FUNCTION_US + 2];
    if (fu[i * FUNCTION_US + 3] > 0) f.unplacedUs = fu[i * FUNCTION_US + 3];
    if (fi[k + 10] >= 0) f.inlined = { intoId: fi[k + 10], selfUs: fu[i * FUNCTION_US + 4] };
    if (fi[k + 11] >= 0) f.thread = fi[k + 11];
    if (fi[k + 12] > 0) f.threadCount = fi[k + 12];
    functions[i] = f;
  }
  const { callInts: ci, callUs: cu } = plain;
  for (let i = 0; i < cu.length; i++) {
    const k = i * CALL_INTS;
    const f = functions[ci[k]];
    f.callLines ??= [];
    f.callLines.push({
      file: strings[ci[k + 1]],
      line: ci[k + 2],
      calleeNames: strings[ci[k + 4]].split('\n'),
      totalUs: cu[i],
      inferred: true,
      ...(ci[k + 3] ? { ambiguous: true as const } : {}),
      ...(ci[k + 5] >= 0 ? { alsoLines: strings[ci[k + 5]].split(',').map(Number) } : {}),
    });
  }
  const lines: AnalyzedLine[] = new Array(lu.length);
  for (let i = 0; i < lines.length; i++) {
    const k = i * LINE_INTS;
    lines[i] = {
      file: strings[li[k]],
      line: li[k + 1],
      selfUs: lu[i],
      functionId: li[k + 2],
      mapped: li[k + 3] === 1,
    };
  }
  return {
    model: summaryOf(plain.model),
    functions,
    lines,
    shares: plain.shares,
    notes: plain.notes,
    ...(plain.threads ? { threads: plain.threads } : {}),
  };
}

/** The buffers of a plain analysis, to transfer rather than copy. */
export function transferables(plain: PlainAnalysis): ArrayBuffer[] {
  const { fn, parent, self, total } = plain.model.frames;
  return [
    fn,
    parent,
    self,
    total,
    plain.functionInts,
    plain.functionUs,
    plain.lineInts,
    plain.lineUs,
    plain.callInts,
    plain.callUs,
  ].map((array) => array.buffer as ArrayBuffer);
}
