/**
 * The threads of a view of several (a trace's threads, a folder's processes, a pprof's thread
 * labels) as figures and rows, and a hot function's thread: every surface's table of them.
 */
import type { Analysis, AnalyzedThread } from '../profile/analyze';
import type { LoadedRun } from '../profile/loadedRun';
import { int, ms, share } from './units';

/** A thread of a view of several (a trace's threads, a folder's processes, a pprof's labels). */
export interface ThreadFigure {
  label: string;
  samples: number;
  /** Its sampled time, µs; of that, what was not idle (its CPU); its share of the view's time. */
  totalUs: number;
  busyUs: number;
  share: number;
}

/** A hot function's thread, of a view of several, and how many others it ran in too. */
export interface FunctionThread {
  thread?: string;
  otherThreads?: number;
}

/** A function's thread, of a view of several. */
export function threadOf(
  analysis: Analysis,
  f: { thread?: number; threadCount?: number },
): FunctionThread {
  const thread = f.thread === undefined ? undefined : analysis.threads?.[f.thread];
  if (!thread) return {};
  return {
    thread: thread.label,
    ...(f.threadCount && f.threadCount > 1 ? { otherThreads: f.threadCount - 1 } : {}),
  };
}

/** The threads as rows of text, busiest first (every surface's table of them). */
export function threadRows(
  threads: readonly ThreadFigure[],
): { label: string; samples: string; sampled: string; cpu: string; share: string }[] {
  return [...threads]
    .sort((a, b) => b.busyUs - a.busyUs)
    .map((t) => ({
      label: t.label,
      samples: int.format(t.samples),
      sampled: ms(t.totalUs / 1000),
      cpu: ms(t.busyUs / 1000),
      share: `${share(t.share)} of the time`,
    }));
}

/** A hot function's thread as a column shows it: `worker 2 (+1 more)`. */
export function threadText(f: FunctionThread): string {
  if (f.thread === undefined) return '';
  return f.otherThreads ? `${f.thread} (+${f.otherThreads} more)` : f.thread;
}

/**
 * The threads a view of one thread or of all of them can be switched between (the profile
 * editor's choice), busiest first, each with its share of all the threads' time; undefined for a
 * profile of one thread.
 */
export function threadChoice(
  run: Pick<LoadedRun, 'analysis' | 'chosenThread'>,
): { threads: { label: string; share: string }[]; chosen?: string } | undefined {
  const threads: readonly AnalyzedThread[] | undefined =
    run.chosenThread?.threads ?? run.analysis.threads;
  if (!threads || threads.length < 2) return undefined;
  const all = threads.reduce((sum, t) => sum + t.totalUs, 0) || 1;
  return {
    threads: [...threads]
      .sort((a, b) => b.busyUs - a.busyUs)
      .map((t) => ({ label: t.label, share: share(t.totalUs / all) })),
    ...(run.chosenThread ? { chosen: run.chosenThread.label } : {}),
  };
}
