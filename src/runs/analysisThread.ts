/**
 * Reading and analysing a run off the calling thread (`analysisWorker.ts`): what the extension
 * does with every profile it shows, so that its host stays free while a large one is read. The
 * worker is ended when the answer comes, when the caller gives up (`signal`) and on error.
 */
import { Worker } from 'node:worker_threads';
import { analysisOf, type PlainAnalysis } from '../profile/analyze';
import type { LoadedRun } from '../profile/loadedRun';
import type { PackedReport } from '../protocol/webview';
import { type ErrorCode, HotpathError } from '../vocabulary/errors';
import { bundle } from '../vocabulary/paths';

export interface AnalysisRequest {
  /** A run folder or a .cpuprofile file, as `loadRun` takes it. */
  target: string;
  /** What the report's paths are shown relative to. */
  cwd?: string;
}

export type FromAnalysisWorker =
  | {
      type: 'done';
      run: Omit<LoadedRun, 'analysis'> & { analysis: PlainAnalysis };
      report: PackedReport;
    }
  | { type: 'error'; code: ErrorCode; message: string };

export interface AnalysedRun {
  run: LoadedRun;
  /** The run's report, its flamegraph's tree packed for a webview. */
  report: PackedReport;
}

/**
 * `loadRun(target)` and its report, in a worker thread. Rejects with HotpathError: the reason
 * the run cannot be read ('FILES'), or 'CANCELLED' when `signal` fires first.
 */
export function analyseOffThread(
  request: AnalysisRequest,
  signal?: AbortSignal,
): Promise<AnalysedRun> {
  if (signal?.aborted)
    return Promise.reject(new HotpathError('CANCELLED', 'the read was cancelled'));
  const worker = new Worker(bundle('analysisWorker.js'), { workerData: request });
  return new Promise<AnalysedRun>((resolve, reject) => {
    // Failures settle on 'exit', once the thread has ended: a cancelled or failed read holds
    // no thread and no memory when its caller hears of it.
    let failure: HotpathError | undefined;
    const onAbort = () => {
      failure ??= new HotpathError('CANCELLED', 'the read was cancelled');
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (message: FromAnalysisWorker) => {
      if (message.type === 'error') {
        failure ??= new HotpathError(message.code, message.message);
      } else {
        resolve({
          run: { ...message.run, analysis: analysisOf(message.run.analysis) },
          report: message.report,
        });
      }
      void worker.terminate();
    });
    worker.once('error', (error) => {
      failure ??= new HotpathError('FILES', `cannot read ${request.target}: ${error.message}`);
    });
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      reject(
        failure ??
          new HotpathError(
            'FILES',
            `cannot read ${request.target}: the reader stopped (exit code ${code})`,
          ),
      );
    });
  });
}
