/** A loaded run as the HTML report's content. */

import type { Comparison } from '../profile/compare';
import { allocationFlameData, diffFlameData, flameData, waitFlameData } from '../profile/flame';
import type { LoadedRun } from '../profile/loadedRun';
import { scriptPath } from '../profile/sourcemaps';
import { directionOf, tooWide } from '../profile/stats';
import type { FlameData, LatencyBins, ReportData, ReportTimeline } from '../protocol/flame';
import type { RunRecord } from '../record/run';
import type { Surface } from '../vocabulary/options';
import { describeShape } from '../vocabulary/shapes';
import { forSurface } from '../vocabulary/words';
import {
  allocationBytesHeading,
  allocationNote,
  allocationRows,
  allocationSummary,
} from './allocations';
import {
  allocationChangeTexts,
  comparisonHeadline,
  comparisonVerdicts,
  lockChangeTexts,
  runDifferences,
  stallChangeTexts,
} from './comparison';
import { breakdownDetail, callLineText, functionLabel, runFigures } from './figures';
import { displayPath } from './places';
import { runRows } from './runSummary';
import { stallNote, stallRows, stallSummary, threadLoopNote, threadLoopRows } from './stalls';
import { threadChoice, threadRows, threadText } from './threads';
import { amountOrNone, ms, ratio, share } from './units';
import { ACQUIRED_PER_SEC_NOTE, waitRows } from './waits';

/** A run's report page, its words as `surface` names options (the CLI's HTML report: 'cli'). */
export function reportData(
  run: LoadedRun,
  cwd = process.cwd(),
  surface: Surface = 'cli',
): ReportData {
  const { analysis, diagnosis, record } = run;
  const figures = runFigures(run, cwd);
  const perResponse = (us: number | undefined) =>
    us === undefined ? {} : { perResponse: ms(us / 1000) };
  const duration = analysis.model.durationUs || 1;
  const title = record
    ? `${record.endpoint.method} ${record.endpoint.path}`
    : displayPath(run.profileFile, cwd);
  const subtitle = record
    ? `${record.id} · ${
        record.options.load.shape
          ? describeShape(record.options.load.shape)
          : `${record.options.load.connections} connections`
      } · preset ${record.preset}`
    : `${(duration / 1e6).toFixed(2)} s · ${analysis.model.sampleCount} samples${analysis.model.noTimeline ? ' · no timeline in this file' : ''}`;
  return {
    title,
    subtitle,
    ...(record?.target?.node ? { node: record.target.node } : {}),
    rows: record ? runRows(record, run.folder, cwd, surface) : [],
    diagnosis: { verdict: diagnosis.verdict, summary: forSurface(diagnosis.summary, surface) },
    hotFunctions: figures.hotFunctions.map((f) => ({
      name: functionLabel(f),
      location: f.where,
      self: share(f.selfShare),
      total: share(f.totalShare),
      ...perResponse(f.selfPerResponseUs),
      ...(f.thread !== undefined ? { thread: threadText(f) } : {}),
    })),
    ...(figures.threads ? { threads: threadRows(figures.threads) } : {}),
    ...withThreadChoice(run),
    ...(figures.sharesOf !== 'the window' ? { sharesOf: figures.sharesOf } : {}),
    breakdown: figures.breakdown.map((b) => ({
      label: b.label,
      share: share(b.share),
      detail: breakdownDetail(b),
    })),
    hotLines: figures.hotLines.map((l) => ({
      location: l.where,
      functionName: l.functionName,
      self: share(l.share),
      ...perResponse(l.selfPerResponseUs),
    })),
    ...(figures.callLines.length > 0
      ? {
          callLines: figures.callLines.map((c) => ({
            location: c.where,
            functionName: c.functionName,
            text: callLineText(c),
          })),
        }
      : {}),
    flame: shownFiles(flameData(analysis, title), cwd),
    ...(run.waits && figures.locks
      ? {
          waits: {
            library: figures.locks.library,
            rows: waitRows(figures.locks.rows),
            note: ACQUIRED_PER_SEC_NOTE,
            // A flamegraph of waits that are a rounding error of the latency says nothing.
            ...(run.waits.sites.some((s) => s.waitShare >= 0.01)
              ? { flame: shownFiles(waitFlameData(run.waits, `${title}: lock waits`), cwd) }
              : {}),
          },
        }
      : {}),
    ...(figures.stalls
      ? {
          stalls: {
            summary: stallSummary(figures.stalls),
            rows: stallRows(figures.stalls),
            note: stallNote(figures.stalls),
            ...(figures.stalls.threadLoops
              ? {
                  threads: threadLoopRows(figures.stalls),
                  threadsNote: threadLoopNote(figures.stalls),
                }
              : {}),
          },
        }
      : {}),
    ...(figures.allocations
      ? {
          allocations: {
            summary: allocationSummary(figures.allocations),
            bytesHeading: allocationBytesHeading(figures.allocations),
            rows: allocationRows(figures.allocations),
            note: allocationNote(figures.allocations),
            ...(run.allocations
              ? {
                  flame: shownFiles(
                    allocationFlameData(
                      run.allocations,
                      `${title}: allocations`,
                      figures.responses?.count,
                    ),
                    cwd,
                  ),
                }
              : {}),
          },
        }
      : {}),
    ...(record?.load?.latencyHistogram ? { histogram: record.load.latencyHistogram } : {}),
    ...(record && timelineOf(record) ? { timeline: timelineOf(record) } : {}),
  };
}

/** A flamegraph whose files the page shows as people read them (never Hotpath's install path). */
export function shownFiles(flame: FlameData, cwd: string): FlameData {
  const shown = flame.functions.files.map((file) => {
    const local = scriptPath(file);
    return local ? displayPath(local, cwd) : file;
  });
  return { ...flame, functions: { ...flame.functions, shown } };
}

/** A run's load second by second, in columns for the charts; undefined when it kept none. */
export function timelineOf(record: RunRecord): ReportTimeline | undefined {
  const points = record.timeline;
  if (!points || points.length === 0) return undefined;
  return {
    t: points.map((p) => p.t),
    rps: points.map((p) => p.rps),
    p50Ms: points.map((p) => p.p50Ms),
    p99Ms: points.map((p) => p.p99Ms),
    errors: points.map((p) => p.errors),
    ...(points.some((p) => p.connections !== undefined)
      ? { connections: points.map((p) => p.connections ?? null) }
      : {}),
  };
}

/** A comparison as the HTML report's content, with the differential flamegraph. */
export function comparisonReportData(
  comparison: Comparison,
  labels: [string, string],
  cwd = process.cwd(),
  records: [RunRecord | undefined, RunRecord | undefined] = [undefined, undefined],
  surface: Surface = 'cli',
): ReportData {
  const timelines = records.map((r) => (r ? timelineOf(r) : undefined)) as [
    ReportTimeline | undefined,
    ReportTimeline | undefined,
  ];
  const histograms = records.map((r) => r?.load?.latencyHistogram) as [
    LatencyBins | undefined,
    LatencyBins | undefined,
  ];
  const faster = comparison.ratios.requestsPerSec;
  const interval = comparison.spread?.requestsPerSec;
  const direction = interval ? directionOf(interval) : undefined;
  const verdict = comparison.differentEndpoints
    ? 'different endpoints'
    : direction
      ? direction === 'same' && interval && tooWide(interval)
        ? 'too noisy to tell'
        : { up: 'faster', down: 'slower', same: 'no measurable change' }[direction]
      : faster === undefined
        ? 'compared'
        : faster >= 1.05
          ? 'faster (no interval)'
          : faster <= 0.95
            ? 'slower (no interval)'
            : 'about the same (no interval)';
  const changes = comparison.functions.slice(0, 15);
  return {
    title: `${labels[0]} → ${labels[1]}`,
    subtitle: `${records[0] && records[1] ? `${runDifferences(...records)}. ` : ''}Ratios are after ÷ before. In the flamegraph, widths are the later run; red grew, blue shrank.`,
    rows: [
      ['req/s', ratio(comparison.ratios.requestsPerSec)],
      ...comparisonVerdicts(comparison, surface).map((v): [string, string] => ['verdict', v]),
      ['latency p50', ratio(comparison.ratios.latencyP50)],
      ['latency p99', ratio(comparison.ratios.latencyP99)],
      ['CPU/request', ratio(comparison.ratios.cpuPerRequest)],
      ...lockChangeTexts(comparison, cwd).map((l): [string, string] => ['lock', l]),
      ...allocationChangeTexts(comparison, cwd).map((l): [string, string] => ['allocated', l]),
      ...stallChangeTexts(comparison, cwd).map((l): [string, string] => ['loop', l]),
    ],
    diagnosis: { verdict, summary: comparisonHeadline(comparison, cwd, surface).text },
    figureTitles: ['before', 'after'],
    ...(timelines.some(Boolean) || histograms.some(Boolean)
      ? { compared: { labels, timelines, histograms } }
      : {}),
    hotFunctions: changes.map((c) => ({
      name: c.name,
      location: c.file ? `${displayPath(c.file, cwd)}:${c.line}` : c.category,
      self: amountOrNone(c.before, comparison.unit),
      total: amountOrNone(c.after, comparison.unit),
    })),
    hotLines: comparison.lines
      .filter((c) => c.category === 'user')
      .slice(0, 15)
      .map((c) => ({
        location: `${displayPath(c.file, cwd)}:${c.line}`,
        functionName: c.name,
        self: `${amountOrNone(c.before, comparison.unit)} → ${amountOrNone(c.after, comparison.unit)}`,
      })),
    flame: shownFiles(diffFlameData(comparison, `${labels[0]} → ${labels[1]}`), cwd),
  };
}

function withThreadChoice(run: LoadedRun): Pick<ReportData, 'threadChoice'> {
  const choice = threadChoice(run);
  return choice ? { threadChoice: choice } : {};
}
