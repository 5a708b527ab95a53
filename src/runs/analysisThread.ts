/**
 * Reading, analysing and comparing runs off the calling thread (`analysisWorker.ts`): what the
 * extension does with every profile it shows or compares, so that its host stays free while a
 * large one is read. The host receives figures (the run with its analysis as columns, the
 * report's data, a comparison's rows and words), never a profile to analyse itself. The worker is
 * ended when the answer comes, when the caller gives up (`signal`) and on error.
 */
import { Worker } from 'node:worker_threads';
import { analysisOf, type PlainAnalysis } from '../profile/analysisCodec';
import type { Comparison } from '../profile/compare';
import type { LoadedRun } from '../profile/loadedRun';
import type { PackedReport } from '../protocol/webview';
import type { ComparisonHeadline } from '../report/comparison';
import { type ErrorCode, HotpathError } from '../vocabulary/errors';
import { bundle } from '../vocabulary/paths';

/** What the worker is asked: a run to show, or two runs (or a ramp run's steps) to compare. */
export type AnalysisRequest =
  | {
      type?: 'run';
      /** A run folder or a .cpuprofile file, as `loadRun` takes it. */
      target: string;
      /** What the report's paths are shown relative to. */
      cwd?: string;
      /** One thread of a profile of several (its label, as `loadRun` takes it); absent: all. */
      thread?: string;
    }
  | { type: 'compare'; before: string; after: string; cwd?: string }
  | { type: 'rampSteps'; target: string; cwd?: string }
  /** A `.heapprofile` on its own: the allocation view (no run to apply: no lenses, no heat). */
  | { type: 'heap'; file: string; cwd?: string };

/** Two runs, or a ramp run's steps, to compare. */
export type ComparisonRequest = Extract<AnalysisRequest, { type: 'compare' | 'rampSteps' }>;

/** A comparison as the extension shows it: every figure and sentence made in the worker. */
export interface ComparisonFigures {
  comparison: Comparison;
  /** The two sides by endpoint and start time, or a ramp's steps. */
  labels: [string, string];
  /** The panel's report: the rows, the charts of both loads, the differential flamegraph. */
  report: PackedReport;
  /** The comparison as the log prints it. */
  text: string;
  /** What changed most, with the code it names. */
  headline: ComparisonHeadline;
  /** The first verdict on the load (faster, slower, no measurable change…). */
  verdict: string;
  /** The later run's profile: the lenses tell each function's change only over that run. */
  afterProfile?: string;
}

type PlainRun = Omit<LoadedRun, 'analysis'> & { analysis: PlainAnalysis };

export type FromAnalysisWorker =
  | { type: 'run'; run: PlainRun; report: PackedReport }
  | { type: 'comparison'; figures: ComparisonFigures }
  | { type: 'heap'; report: PackedReport }
  | { type: 'error'; code: ErrorCode; message: string };

export interface AnalysedRun {
  run: LoadedRun;
  /** The run's report, its flamegraph's tree packed for a webview. */
  report: PackedReport;
}

/**
 * `loadRun(target, { thread })` and its report, in a worker thread. Rejects with HotpathError: the reason
 * the run cannot be read ('FILES'), or 'CANCELLED' when `signal` fires first.
 */
export async function analyseOffThread(
  request: { target: string; cwd?: string; thread?: string },
  signal?: AbortSignal,
): Promise<AnalysedRun> {
  const answer = await ask({ ...request, type: 'run' }, request.target, signal);
  if (answer.type !== 'run') throw unexpected(answer.type);
  return {
    run: { ...answer.run, analysis: analysisOf(answer.run.analysis) },
    report: answer.report,
  };
}

/** A `.heapprofile`'s report (the allocation view), read in a worker thread; rejects as above. */
export async function heapReportOffThread(
  request: { file: string; cwd?: string },
  signal?: AbortSignal,
): Promise<PackedReport> {
  const answer = await ask({ ...request, type: 'heap' }, request.file, signal);
  if (answer.type !== 'heap') throw unexpected(answer.type);
  return answer.report;
}

/** Two runs, or two steps of a ramp run, compared in a worker thread; rejects as above. */
export async function compareOffThread(
  request: ComparisonRequest,
  signal?: AbortSignal,
): Promise<ComparisonFigures> {
  const what =
    request.type === 'compare' ? `${request.before} and ${request.after}` : request.target;
  const answer = await ask(request, what, signal);
  if (answer.type !== 'comparison') throw unexpected(answer.type);
  return answer.figures;
}

function unexpected(type: string): HotpathError {
  return new HotpathError('FILES', `the analysis answered ${type}, not what was asked`);
}

/** One request, one answer, one thread: the worker ends with its answer. */
function ask(
  request: AnalysisRequest,
  what: string,
  signal?: AbortSignal,
): Promise<Exclude<FromAnalysisWorker, { type: 'error' }>> {
  if (signal?.aborted)
    return Promise.reject(new HotpathError('CANCELLED', 'the read was cancelled'));
  const worker = new Worker(bundle('analysisWorker.js'), { workerData: request });
  return new Promise((resolve, reject) => {
    // Failures settle on 'exit', once the thread has ended: a cancelled or failed read holds
    // no thread and no memory when its caller hears of it.
    let failure: HotpathError | undefined;
    const onAbort = () => {
      failure ??= new HotpathError('CANCELLED', 'the read was cancelled');
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (message: FromAnalysisWorker) => {
      if (message.type === 'error') failure ??= new HotpathError(message.code, message.message);
      else resolve(message);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      failure ??= new HotpathError('FILES', `cannot read ${what}: ${error.message}`);
    });
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', onAbort);
      reject(
        failure ??
          new HotpathError('FILES', `cannot read ${what}: the reader stopped (exit code ${code})`),
      );
    });
  });
}
