/** Markdown for a pull-request comment: a run's report, or a comparison of two runs. */

import { breakdown } from '../profile/breakdown';
import type { Comparison } from '../profile/compare';
import type { LoadedRun } from '../profile/loadedRun';
import type { RunRecord } from '../record/run';
import { forSurface } from '../vocabulary/words';
import { breakdownRows } from './breakdownText';
import {
  comparisonHeadline,
  comparisonVerdicts,
  lockChangeTexts,
  runDifferences,
} from './comparison';
import { hotFunctionTable, hotLineTable } from './hot';
import { displayPath } from './places';
import { runRows } from './runSummary';
import { amountOrNone, ratio } from './units';
import { ACQUIRED_PER_SEC_NOTE, waitLibrary, waitRows } from './waits';

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
  const { analysis, diagnosis, record } = run;
  const title = record
    ? `${record.endpoint.method} ${record.endpoint.path}`
    : displayPath(run.profileFile, cwd);
  const parts = [
    `### Hotpath · ${mdText(title)} — ${mdText(diagnosis.verdict)}`,
    '',
    `> ${mdText(forSurface(diagnosis.summary, 'cli'))}`,
    '',
  ];
  if (record)
    parts.push(
      table(
        ['', ''],
        runRows(record, run.folder, cwd).filter(([label]) => label !== 'saved'),
      ),
      '',
    );
  const waits = run.waits ? waitRows(run.waits, cwd).slice(0, 5) : [];
  if (run.waits && waits.length > 0) {
    parts.push(
      `**Where requests wait** (${mdText(waitLibrary(run.waits))})`,
      '',
      table(
        ['lock', 'of latency', 'wait p50', 'hold p50', 'acquired/s', 'where'],
        waits.map((w) => [
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
  parts.push(
    ...section(
      'Where the time went',
      ['what', 'of the window', 'heaviest'],
      breakdownRows(breakdown(analysis)).map((b) => [b.label, b.share, b.detail]),
    ),
    ...section(
      'Hot functions',
      ['function', 'self', 'total', 'where'],
      hotFunctionTable(analysis, 8, cwd).map((f) => [f.name, f.self, f.total, f.location]),
    ),
    ...section(
      'Hot lines',
      ['line', 'self', 'function'],
      hotLineTable(analysis, 8, cwd).map((l) => [l.location, l.self, l.functionName]),
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
