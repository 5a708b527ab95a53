/** Markdown for a pull-request comment: a run's report, or a comparison of two runs. */

import { NO_TIMELINE } from '../profile/analyze';
import type { Comparison } from '../profile/compare';
import type { LoadedRun } from '../profile/loadedRun';
import type { RunRecord } from '../record/run';
import { forSurface } from '../vocabulary/words';
import {
  ALLOCATIONS_TITLE,
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
import { breakdownDetail, callLineText, type Figures, functionLabel, runFigures } from './figures';
import { displayPath } from './places';
import { runRows } from './runSummary';
import {
  stallNote,
  stallRows,
  stallSummary,
  THREAD_LOOPS_TITLE,
  threadLoopNote,
  threadLoopRows,
} from './stalls';
import { threadRows, threadText } from './threads';
import { amountOrNone, ms, ratio, share } from './units';
import { ACQUIRED_PER_SEC_NOTE, waitRows } from './waits';

/** A titled table, or nothing when it has no rows. */
function section(title: string, headers: string[], rows: string[][]): string[] {
  return rows.length > 0 ? [`**${title}**`, '', table(headers, rows), ''] : [];
}

/** Text that renders as itself in GitHub-flavoured Markdown, inside a table cell too. */
export function mdText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/[\r\n]+/g, ' ');
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.map(mdText).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(mdText).join(' | ')} |`),
  ].join('\n');
}

export function runMarkdown(run: LoadedRun, cwd = process.cwd()): string {
  const { diagnosis, record } = run;
  const title = record
    ? `${record.endpoint.method} ${record.endpoint.path}`
    : displayPath(run.profileFile, cwd);
  const parts = [
    `### Hotpath · ${mdText(title)} — ${mdText(diagnosis.verdict)}`,
    '',
    `> ${mdText(forSurface(diagnosis.summary, 'cli'))}`,
    '',
  ];
  if (run.analysis.model.noTimeline) parts.push(`_${NO_TIMELINE}_`, '');
  if (record)
    parts.push(
      table(
        ['', ''],
        runRows(record, run.folder, cwd).filter(([label]) => label !== 'saved'),
      ),
      '',
    );
  const figures = runFigures(run, cwd);
  if (figures.locks) {
    parts.push(
      `**Where requests wait** (${mdText(figures.locks.library)})`,
      '',
      table(
        ['lock', 'of latency', 'wait p50', 'hold p50', 'acquired/s', 'where'],
        waitRows(figures.locks.rows).map((w) => [
          w.note ? `${w.lock} (${w.note})` : w.lock,
          w.ofLatency,
          w.waitP50,
          w.holdP50,
          w.perSec,
          w.where,
        ]),
      ),
      '',
      `_${mdText(ACQUIRED_PER_SEC_NOTE)}_`,
      '',
    );
  }
  if (figures.stalls) {
    parts.push(
      `**What blocked the event loop**: ${mdText(stallSummary(figures.stalls))}`,
      '',
      ...(figures.stalls.rows.length > 0
        ? [
            table(
              ['function', 'stalls', 'total', 'longest', 'of blocking', 'where'],
              stallRows(figures.stalls).map((r) => [
                r.function,
                r.stalls,
                r.total,
                r.longest,
                r.ofBlocking,
                r.where,
              ]),
            ),
            '',
            `_${mdText(stallNote(figures.stalls))}_`,
            '',
          ]
        : []),
      ...(figures.stalls.threadLoops
        ? [
            `**${THREAD_LOOPS_TITLE}**`,
            '',
            table(
              ['thread', 'stalls', 'delay p50', 'p99', 'max'],
              threadLoopRows(figures.stalls).map((t) => [t.thread, t.stalls, t.p50, t.p99, t.max]),
            ),
            '',
            `_${mdText(threadLoopNote(figures.stalls))}_`,
            '',
          ]
        : []),
    );
  }
  parts.push(...allocationMarkdown(figures.allocations, figures.allocationsUnavailable));
  const perResponse = figures.responses !== null;
  const threads = figures.threads !== undefined;
  const perResponseText = (us: number | undefined) => (us === undefined ? '' : ms(us / 1000));
  parts.push(
    ...section(
      'Where the time went',
      ['what', `of ${figures.sharesOf}`, 'heaviest'],
      figures.breakdown.map((b) => [b.label, share(b.share), breakdownDetail(b)]),
    ),
    ...section(
      'Threads',
      ['thread', 'samples', 'sampled', 'CPU', 'share'],
      threadRows(figures.threads ?? []).map((t) => [t.label, t.samples, t.sampled, t.cpu, t.share]),
    ),
    ...section(
      'Hot functions',
      [
        'function',
        'self',
        'total',
        ...(perResponse ? ['per response'] : []),
        ...(threads ? ['thread'] : []),
        'where',
      ],
      figures.hotFunctions.map((f) => [
        functionLabel(f),
        share(f.selfShare),
        share(f.totalShare),
        ...(perResponse ? [perResponseText(f.selfPerResponseUs)] : []),
        ...(threads ? [threadText(f)] : []),
        f.where,
      ]),
    ),
    ...section(
      'Hot lines',
      ['line', 'self', ...(perResponse ? ['per response'] : []), 'function'],
      figures.hotLines.map((l) => [
        l.where,
        share(l.share),
        ...(perResponse ? [perResponseText(l.selfPerResponseUs)] : []),
        l.functionName,
      ]),
    ),
    ...section(
      'Lines that call the cost (inferred)',
      ['line', 'function', 'what it calls'],
      figures.callLines.map((c) => [c.where, c.functionName, callLineText(c)]),
    ),
  );
  return parts.join('\n');
}

function capitalFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function comparisonMarkdown(
  comparison: Comparison,
  labels: [string, string],
  failed: string[],
  cwd = process.cwd(),
  records?: [RunRecord | undefined, RunRecord | undefined],
): string {
  const parts = [
    `### Hotpath · ${mdText(labels[0])} → ${mdText(labels[1])}`,
    '',
    `**${mdText(comparisonHeadline(comparison, cwd).text)}**`,
    '',
    ...(records ? [mdText(capitalFirst(runDifferences(...records))), ''] : []),
    table(
      ['req/s', 'latency p50', 'latency p90', 'latency p99', 'CPU per request'],
      [
        [
          ratio(comparison.ratios.requestsPerSec),
          ratio(comparison.ratios.latencyP50),
          ratio(comparison.ratios.latencyP90),
          ratio(comparison.ratios.latencyP99),
          ratio(comparison.ratios.cpuPerRequest),
        ],
      ],
    ),
    '',
    ...comparisonVerdicts(comparison).map((v) => `- ${mdText(v)}`),
    ...lockChangeTexts(comparison, cwd).map((l) => `- lock ${mdText(l)}`),
    ...allocationChangeTexts(comparison, cwd).map((l) => `- allocated ${mdText(l)}`),
    ...stallChangeTexts(comparison, cwd).map((l) => `- loop ${mdText(l)}`),
    '',
    `Ratios are after ÷ before. ${failed.length > 0 ? `**Gates failed:** ${failed.map(mdText).join(', ')}` : ''}`.trim(),
    '',
  ];
  const changed = comparison.functions.slice(0, 8);
  if (changed.length > 0) {
    parts.push(
      `**Functions that changed most** (${comparison.unit === 'share' ? 'share of the profile' : 'self time per request'})`,
      '',
      table(
        ['function', 'before', 'after', 'where'],
        changed.map((c) => [
          c.name,
          amountOrNone(c.before, comparison.unit),
          amountOrNone(c.after, comparison.unit),
          c.file ? `${displayPath(c.file, cwd)}:${c.line}` : c.category,
        ]),
      ),
      '',
    );
  }
  return parts.join('\n');
}

/** Where memory was allocated: the sentence, the table, what it counts; or why there is none. */
export function allocationMarkdown(
  allocations: Figures['allocations'],
  unavailable?: string,
): string[] {
  if (!allocations)
    return unavailable ? [`**${ALLOCATIONS_TITLE}**: ${mdText(unavailable)}`, ''] : [];
  return [
    `**${ALLOCATIONS_TITLE}**: ${mdText(allocationSummary(allocations))}`,
    '',
    ...(allocations.rows.length > 0
      ? [
          table(
            ['function', allocationBytesHeading(allocations), 'of bytes', 'where'],
            allocationRows(allocations).map((r) => [r.function, r.bytes, r.share, r.where]),
          ),
          '',
          `_${mdText(allocationNote(allocations))}_`,
          '',
        ]
      : []),
  ];
}
