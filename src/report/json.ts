/**
 * What `--json` prints (profile, report, compare): a document that says its schema version
 * first, and of an analysis the figures every other surface shows (figures.ts), unrounded. Pure.
 */
import type { LoadedRun } from '../profile/loadedRun';
import { forSurface } from '../vocabulary/words';
import type { Figures } from './figures';

/**
 * The version of what `--json` prints, first in every document. 3 since an analysis carries the
 * figures every surface shows (`breakdown`, `hotFunctions`, `hotLines` with inlined code as rows,
 * `locks`) in place of `shares`, the analysis's raw function and line records and `waits`, and
 * `diagnosis.lookAt.selfShare` is the self share (`withCallsShare` the figure the summary gives, `waitShare` a lock's); 2 added the responses a figure divides by
 * (`analysis.responses`), the threads profiled and seen, the served counts and a failed run's
 * `error.words`; 1 was the shape before, unversioned.
 */
export const JSON_SCHEMA = 3;

/** A --json document: its schema version first, then what it says. */
export function jsonDocument(body: object): string {
  return `${JSON.stringify({ jsonSchema: JSON_SCHEMA, ...body }, null, 2)}\n`;
}

/** What --json prints of an analysis: the diagnosis and the run's figures, not the whole model. */
export function analysisJson(run: LoadedRun, figures: Figures) {
  const { analysis, diagnosis } = run;
  return {
    durationMs: analysis.model.durationUs / 1000,
    samples: analysis.model.sampleCount,
    // A pprof without times has no interval: null, and `timeline: false` says why.
    meanIntervalUs: analysis.model.noTimeline ? null : analysis.model.meanIntervalUs,
    ...(analysis.model.noTimeline ? { timeline: false } : {}),
    // What the per-response figures divide by, and which count that is (run.json's names).
    responses: figures.responses,
    diagnosis: { ...diagnosis, summary: forSurface(diagnosis.summary, 'cli') },
    breakdown: figures.breakdown,
    hotFunctions: figures.hotFunctions,
    // A view of several threads: each one (a hot function's `thread` names one).
    ...(figures.threads ? { threads: figures.threads } : {}),
    hotLines: figures.hotLines,
    // Inferred from the callees' names, apart from the measured lines.
    callLines: figures.callLines,
    ...(figures.locks ? { locks: figures.locks } : {}),
    ...(figures.stalls ? { stalls: figures.stalls } : {}),
    ...(figures.notMeasured ? { notMeasured: figures.notMeasured } : {}),
    ...(figures.allocations ? { allocations: figures.allocations } : {}),
    ...(figures.allocationsUnavailable
      ? { allocationsUnavailable: figures.allocationsUnavailable }
      : {}),
    notes: analysis.notes,
  };
}
