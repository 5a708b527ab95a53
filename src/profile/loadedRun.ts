/**
 * A saved run as read back (see src/runs/): its record, the analysis of its profile, the diagnosis
 * and the lock waits. Types only; what the reports and the views take.
 */
import type { RunRecord } from '../record/run';
import type { Analysis, AnalyzedThread } from './analyze';
import type { Diagnosis } from './diagnosis';
import type { AllocationAnalysis } from './heapprofile';
import type { StallAnalysis } from './stalls';
import type { Waits } from './waits';

/** A run folder or a lone .cpuprofile, analysed. */
export interface LoadedRun {
  /** The run folder, or the profile's folder for a lone profile. */
  folder: string;
  profileFile: string;
  /** Absent for a lone .cpuprofile. */
  record?: RunRecord;
  analysis: Analysis;
  diagnosis: Diagnosis;
  /** Where requests waited for locks; absent when the run has no lock report. */
  waits?: Waits;
  /** What blocked the event loop; absent when the run measured no stalls (an older run). */
  stalls?: StallAnalysis;
  /** Where memory was allocated (`profile.heapprofile`); absent when the run sampled none. */
  allocations?: AllocationAnalysis;
  /**
   * One thread of a profile of several, when one was asked for (`analysis` is of it alone): its
   * label, and every thread of the profile, as the view of all of them would list them.
   */
  chosenThread?: { label: string; threads: AnalyzedThread[] };
}

/**
 * A `.heapprofile` read on its own (the profile editor, `hotpath report`): its allocations and,
 * when it is its run's own file (the folder's run.json names it), that run's record, which counts
 * the responses its bytes are divided by. A foreign file has no record and no per-request figure.
 */
export interface LoadedHeapProfile {
  file: string;
  allocations: AllocationAnalysis;
  record?: RunRecord;
}
