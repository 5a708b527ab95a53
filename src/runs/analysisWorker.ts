/**
 * The worker thread that reads, analyses and compares runs for the extension: a 75 MB profile
 * takes a second or more to read, and on the extension host's own thread that second would stop
 * typing and every other extension. It answers once, with figures: the run (its tree as columns)
 * and the report (its flamegraphs packed), or a comparison with its report and words, their typed
 * arrays transferred, not copied; then it ends, and the profiles' memory goes with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { plainAnalysis, transferables } from '../profile/analyze';
import { packReport, reportBuffers } from '../protocol/flameCodec';
import { comparisonReportData, reportData } from '../report/reportData';
import { comparisonHeadline, comparisonVerdicts, formatComparison } from '../report/text';
import { HotpathError, messageOf } from '../runner/errors';
import type { AnalysisRequest, FromAnalysisWorker } from './analysisThread';
import { compareRampSteps, compareSavedRuns, type ReadComparison } from './comparison';
import { loadRun } from './runFolder';

interface Answer {
  message: FromAnalysisWorker;
  transfer: ArrayBuffer[];
}

function showRun(target: string, cwd: string | undefined): Answer {
  const run = loadRun(target);
  const report = packReport(reportData(run, cwd));
  const analysis = plainAnalysis(run.analysis);
  return {
    message: { type: 'run', run: { ...run, analysis }, report },
    transfer: [...transferables(analysis), ...reportBuffers(report)],
  };
}

function showComparison(read: ReadComparison, cwd: string | undefined): Answer {
  const { comparison, labels, runs, records } = read;
  const twoRuns = records[0] && records[1] ? records : undefined;
  const report = packReport(comparisonReportData(comparison, labels, cwd, records));
  const [verdict = ''] = comparisonVerdicts(comparison);
  return {
    message: {
      type: 'comparison',
      figures: {
        comparison,
        labels,
        report,
        text: formatComparison(comparison, labels, runs, cwd, twoRuns),
        headline: comparisonHeadline(comparison, cwd),
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
        return showRun(request.target, request.cwd);
      case 'compare':
        return showComparison(
          compareSavedRuns(request.before, request.after, request.cwd),
          request.cwd,
        );
      case 'rampSteps':
        return showComparison(compareRampSteps(request.target), request.cwd);
    }
  } catch (error) {
    return {
      message: {
        type: 'error',
        code: error instanceof HotpathError ? error.code : 'FILES',
        message: messageOf(error),
      },
      transfer: [],
    };
  }
}

const { message, transfer } = answer(workerData as AnalysisRequest);
parentPort?.postMessage(message, transfer);
