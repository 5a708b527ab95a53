/**
 * The worker thread that reads, analyses and compares runs for the extension: a 75 MB profile
 * takes a second or more to read, and on the extension host's own thread that second would stop
 * typing and every other extension. It answers once, with figures: the run (its tree as columns)
 * and the report (its flamegraphs packed), or a comparison with its report and words, their typed
 * arrays transferred, not copied; then it ends, and the profiles' memory goes with it. Its words
 * are the editor's: an option is named as the editor names it (`hotpath.service.url`, the "ramp"
 * preset), not by the CLI's flag.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { plainAnalysis, transferables } from '../profile/analysisCodec';
import { packReport, reportBuffers } from '../protocol/flameCodec';
import { comparisonHeadline, comparisonVerdicts } from '../report/comparison';
import { heapReportData } from '../report/heapProfile';
import { comparisonReportData, reportData } from '../report/reportData';
import { formatComparison } from '../report/text';
import { HotpathError, messageOf } from '../vocabulary/errors';
import { forSurface } from '../vocabulary/words';
import type { AnalysisRequest, FromAnalysisWorker } from './analysisThread';
import { compareRampSteps, compareSavedRuns, type ReadComparison } from './comparison';
import { loadHeapProfile, loadRun } from './runFolder';
import { diskShapes } from './shapeCache';

/** Who reads what this worker says: the extension. */
const SURFACE = 'editor';

interface Answer {
  message: FromAnalysisWorker;
  transfer: ArrayBuffer[];
}

function showRun(target: string, cwd: string | undefined, thread: string | undefined): Answer {
  const run = loadRun(target, {
    scripts: diskShapes(),
    ...(thread === undefined ? {} : { thread }),
  });
  const report = packReport(reportData(run, cwd, SURFACE));
  const analysis = plainAnalysis(run.analysis);
  const diagnosis = { ...run.diagnosis, summary: forSurface(run.diagnosis.summary, SURFACE) };
  // The allocations reach the host as the report's rows and, for the lenses, the user's
  // functions that allocated a hundredth of the bytes or more: the others stay here.
  const allocations = run.allocations && {
    ...run.allocations,
    functions: run.allocations.functions.filter(
      (f) => f.category === 'user' && f.selfBytes >= (run.allocations?.totalBytes ?? 0) * 0.01,
    ),
    // The report carries the tree, as its flamegraph.
    tree: { functions: [], fn: [], parent: [], self: [], total: [] },
  };
  return {
    message: {
      type: 'run',
      run: { ...run, analysis, diagnosis, ...(allocations ? { allocations } : {}) },
      report,
    },
    transfer: [...transferables(analysis), ...reportBuffers(report)],
  };
}

function showHeapProfile(file: string, cwd: string | undefined): Answer {
  const report = packReport(heapReportData(loadHeapProfile(file), cwd));
  return { message: { type: 'heap', report }, transfer: reportBuffers(report) };
}

function showComparison(read: ReadComparison, cwd: string | undefined): Answer {
  const { comparison, labels, runs, records } = read;
  const twoRuns = records[0] && records[1] ? records : undefined;
  const report = packReport(comparisonReportData(comparison, labels, cwd, records, SURFACE));
  const [verdict = ''] = comparisonVerdicts(comparison, SURFACE);
  return {
    message: {
      type: 'comparison',
      figures: {
        comparison,
        labels,
        report,
        text: formatComparison(comparison, labels, runs, cwd, twoRuns),
        headline: comparisonHeadline(comparison, cwd, SURFACE),
        verdict,
        ...(read.afterProfile ? { afterProfile: read.afterProfile } : {}),
      },
    },
    transfer: reportBuffers(report),
  };
}

function answer(request: AnalysisRequest): Answer {
  try {
    switch (request.type) {
      case undefined:
      case 'run':
        return showRun(request.target, request.cwd, request.thread);
      case 'compare':
        return showComparison(
          compareSavedRuns(request.before, request.after, request.cwd),
          request.cwd,
        );
      case 'rampSteps':
        return showComparison(compareRampSteps(request.target), request.cwd);
      case 'heap':
        return showHeapProfile(request.file, request.cwd);
    }
  } catch (error) {
    return {
      message: {
        type: 'error',
        code: error instanceof HotpathError ? error.code : 'FILES',
        message: error instanceof HotpathError ? forSurface(error, SURFACE) : messageOf(error),
      },
      transfer: [],
    };
  }
}

const { message, transfer } = answer(workerData as AnalysisRequest);
parentPort?.postMessage(message, transfer);
