/**
 * Two saved runs, or two steps of one ramp run, read and compared: what `hotpath compare` and the
 * extension's analysis worker both start from. Reading and comparing are the analysis' side of
 * the house: the extension host only receives what this gives, through the worker.
 */
import * as path from 'node:path';
import { type ComparedRun, type Comparison, compareRuns } from '../profile/compare';
import type { LoadedRun } from '../profile/loadedRun';
import type { RunRecord } from '../record/run';
import { runLabel } from '../report/comparison';
import { displayPath } from '../report/places';
import { formatHeader } from '../report/text';
import { comparedRun, loadRampSteps, loadRun } from './runFolder';

/** A comparison with what names and heads its two sides. */
export interface ReadComparison {
  comparison: Comparison;
  /** The two sides by endpoint and start time (or a ramp's step): the panel's and the message's names. */
  labels: [string, string];
  /** The two sides as the CLI's text heads them: the run's header and its folder. */
  headers: [string, string];
  runs: [ComparedRun, ComparedRun];
  /** The two runs' records; none for two steps of one ramp run. */
  records: [RunRecord | undefined, RunRecord | undefined];
  /** The later run's profile (the lenses tell changes only over that run); none for ramp steps. */
  afterProfile?: string;
}

/** Two run folders or profiles, the one before first. */
export function compareSavedRuns(
  before: string,
  after: string,
  cwd = process.cwd(),
): ReadComparison {
  const [a, b] = [loadRun(before), loadRun(after)];
  const runs: [ComparedRun, ComparedRun] = [comparedRun(a), comparedRun(b)];
  const header = (run: LoadedRun) =>
    run.record
      ? `${formatHeader(run.record)} (${path.basename(run.folder)})`
      : displayPath(run.profileFile, cwd);
  const endpoint = (run: LoadedRun) =>
    run.record ? `${run.record.endpoint.method} ${run.record.endpoint.path}` : undefined;
  const endpoints = [endpoint(a), endpoint(b)];
  const different =
    endpoints[0] !== undefined && endpoints[1] !== undefined && endpoints[0] !== endpoints[1];
  return {
    comparison: {
      ...compareRuns(...runs),
      ...(different ? { differentEndpoints: endpoints as [string, string] } : {}),
    },
    labels: [runLabel(a, cwd), runLabel(b, cwd)],
    headers: [header(a), header(b)],
    runs,
    records: [a.record, b.record],
    afterProfile: b.profileFile,
  };
}

/**
 * Two steps of one ramp run, each with the profile of its own seconds: by default the knee and
 * the step after it (see `loadRampSteps`).
 */
export function compareRampSteps(target: string, steps?: [number, number]): ReadComparison {
  const [a, b] = loadRampSteps(target, steps);
  const labels: [string, string] = [a.label, b.label];
  return {
    comparison: compareRuns(a.compared, b.compared),
    labels,
    headers: labels,
    runs: [a.compared, b.compared],
    records: [undefined, undefined],
  };
}
