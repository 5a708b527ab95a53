/**
 * The worker thread that reads and analyses a run for the extension: a 75 MB profile takes a
 * second or more to read, and on the extension host's own thread that second would stop typing
 * and every other extension. It answers once, with the run (its tree as columns) and the report
 * (its flamegraphs packed), their typed arrays transferred, not copied; then it ends, and the
 * profile's memory goes with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { plainAnalysis, transferables } from '../profile/analyze';
import { packReport, reportBuffers } from '../protocol/flameCodec';
import { reportData } from '../report/reportData';
import { HotpathError, messageOf } from '../vocabulary/errors';
import type { AnalysisRequest, FromAnalysisWorker } from './analysisThread';
import { loadRun } from './runFolder';

function answer(request: AnalysisRequest): {
  message: FromAnalysisWorker;
  transfer: ArrayBuffer[];
} {
  try {
    const run = loadRun(request.target);
    const report = packReport(reportData(run, request.cwd));
    const analysis = plainAnalysis(run.analysis);
    return {
      message: { type: 'done', run: { ...run, analysis }, report },
      transfer: [...transferables(analysis), ...reportBuffers(report)],
    };
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
