/**
 * The report's page content, shared by the CLI's HTML report and the VS Code panel: title,
 * diagnosis, the load summary, the flamegraph and the hot functions and lines. Every string is
 * set through `textContent`; the flamegraph draws its own on a canvas.
 */
import type { ReportData } from '../src/protocol/flame';
import type { OpenSourceRequest } from '../src/protocol/webview';
import {
  mountComparedHistograms,
  mountComparisonChart,
  mountLatencyHistogram,
  mountLoadChart,
} from './chart';
import { type FlameView, mountFlamegraph } from './flamegraph';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  id?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (id) node.id = id;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * What a column holds, for the layout at any width: a `label` is never broken, a `figure` keeps
 * on one line, a `path` keeps on one line shortened from the left (its whole text on hover), and
 * `text` wraps between words.
 */
type Column = 'label' | 'figure' | 'path' | 'text';

/**
 * A table whose header names each cell: in a narrow panel the rows reflow into lines of
 * "header value" pairs (the stylesheet's narrow layout), so nothing is squeezed inside a word.
 */
function table(
  id: string,
  header: string[] | undefined,
  rows: string[][],
  columns: Column[] = [],
): HTMLTableElement {
  const node = el('table', id);
  if (header) {
    const tr = document.createElement('tr');
    for (const cell of header) tr.append(el('th', undefined, cell));
    node.append(tr);
  }
  for (const row of rows) {
    const tr = document.createElement('tr');
    row.forEach((cell, i) => {
      const column = columns[i] ?? 'text';
      const td = el('td');
      td.className = `hp-${column}`;
      if (header?.[i]) td.dataset.label = header[i];
      if (column === 'path' && cell !== '') {
        // Shortened from the left (the file name and line are what stay in view): an isolated
        // left-to-right run in a right-to-left box, whose overflow is cut at its start.
        const inner = el('span');
        inner.className = 'hp-path-text';
        inner.title = cell;
        inner.append(el('bdi', undefined, cell));
        td.append(inner);
      } else td.textContent = cell;
      tr.append(td);
    });
    node.append(tr);
  }
  return node;
}

/** Text with a break opportunity after each `/`: a long path wraps at its folders, never inside a name. */
function pathText(node: HTMLElement, text: string): HTMLElement {
  const parts = text.split('/');
  parts.forEach((part, i) => {
    node.append(part + (i < parts.length - 1 ? '/' : ''));
    if (i < parts.length - 1) node.append(document.createElement('wbr'));
  });
  return node;
}

/** The value of the choice "all threads". */
const ALL_THREADS = '';

/**
 * The choice of thread of a profile of several: all of them merged, or one alone (each with its
 * share of all their time); a labelled `<select>`, so the keyboard and a screen reader have it.
 * Each choice is asked for at once (arrowing through the options asks for each: the host stops
 * the read of the one before), and the line is busy until the host's report replaces the page.
 */
function threadChooser(
  choice: NonNullable<ReportData['threadChoice']>,
  onChoose: (thread: string | undefined) => void,
): HTMLElement {
  const line = el('p', 'thread-choice-line');
  const label = el('label', undefined, 'Thread');
  label.htmlFor = 'thread-choice';
  const select = el('select', 'thread-choice');
  const option = (value: string, text: string) => {
    const node = el('option', undefined, text);
    node.value = value;
    return node;
  };
  select.append(
    option(ALL_THREADS, 'All threads (merged)'),
    ...choice.threads.map((t) => option(t.label, `${t.label} · ${t.share} of the time`)),
  );
  select.value = choice.chosen ?? ALL_THREADS;
  select.addEventListener('change', () => {
    line.setAttribute('aria-busy', 'true');
    onChoose(select.value === ALL_THREADS ? undefined : select.value);
  });
  line.append(label, ' ', select);
  return line;
}

let charts: { dispose(): void }[] = [];

/** Replaces `root`'s content with the report; returns the mounted flamegraph. */
export function renderReport(
  root: HTMLElement,
  data: ReportData,
  options: {
    onOpenSource?: (request: OpenSourceRequest) => void;
    /** Offered a choice of thread (a profile of several): the thread chosen, or all (undefined). */
    onChooseThread?: (thread: string | undefined) => void;
  } = {},
): FlameView {
  for (const chart of charts) chart.dispose();
  charts = [];
  root.replaceChildren();
  const diagnosis = el('p');
  diagnosis.append(
    el('span', 'verdict', data.diagnosis.verdict),
    el('span', 'diagnosis', data.diagnosis.summary),
  );
  const flame = el('div', 'flamegraph');
  const figures = data.figureTitles ?? ['self', 'total'];
  root.append(
    pathText(el('h1', 'title'), data.title),
    pathText(el('p', 'subtitle'), data.subtitle),
    diagnosis,
    table('summary', undefined, data.rows, ['label', 'text']),
  );
  if (data.threadChoice && options.onChooseThread)
    root.append(threadChooser(data.threadChoice, options.onChooseThread));
  let waitFlame: HTMLElement | undefined;
  let allocationFlame: HTMLElement | undefined;
  if (data.waits) {
    root.append(
      el('h2', 'waits-heading', `Where requests wait: locks (${data.waits.library})`),
      table(
        'waits',
        ['lock', 'of latency', 'wait p50', 'wait p99', 'hold p50', 'acquired/s', 'where', ''],
        data.waits.rows.map((w) => [
          w.lock,
          w.ofLatency,
          w.waitP50,
          w.waitP99,
          w.holdP50,
          w.perSec,
          w.where,
          w.note,
        ]),
        ['text', 'figure', 'figure', 'figure', 'figure', 'figure', 'path', 'text'],
      ),
      ...(data.waits.note ? [el('p', 'waits-note', data.waits.note)] : []),
    );
    if (data.waits.flame) {
      waitFlame = el('div', 'wait-flamegraph');
      root.append(el('h3', undefined, 'Wait time by acquire stack'), waitFlame);
    }
  }
  if (data.stalls) {
    root.append(
      el('h2', 'stalls-heading', 'What blocked the event loop'),
      el('p', 'stalls-summary', data.stalls.summary),
    );
    if (data.stalls.rows.length > 0)
      root.append(
        table(
          'stalls',
          ['function', 'stalls', 'total', 'longest', 'of blocking', 'where'],
          data.stalls.rows.map((r) => [
            r.function,
            r.stalls,
            r.total,
            r.longest,
            r.ofBlocking,
            r.where,
          ]),
          ['text', 'figure', 'figure', 'figure', 'figure', 'path'],
        ),
        el('p', 'stalls-note', data.stalls.note),
      );
    if (data.stalls.threads)
      root.append(
        el('h3', 'thread-loops-heading', "Each thread's own event loop"),
        table(
          'thread-loops',
          ['thread', 'stalls', 'delay p50', 'p99', 'max'],
          data.stalls.threads.map((t) => [t.thread, t.stalls, t.p50, t.p99, t.max]),
          ['text', 'figure', 'figure', 'figure', 'figure'],
        ),
        ...(data.stalls.threadsNote ? [el('p', 'thread-loops-note', data.stalls.threadsNote)] : []),
      );
  }
  /** A chart's section: its heading and the element it is drawn in. */
  const chartSection = (className: string, title: string) => {
    const container = el('div', className);
    root.append(el('h2', undefined, title), container);
    return container;
  };
  const [beforeLoad, afterLoad] = data.compared?.timelines ?? [];
  if (data.compared && beforeLoad && afterLoad) {
    const container = chartSection('load-chart', 'Load over time, before (dashed) and after');
    charts.push(mountComparisonChart(container, data.compared.labels, [beforeLoad, afterLoad]));
  } else if (data.timeline) {
    charts.push(mountLoadChart(chartSection('load-chart', 'Load over time'), data.timeline));
  }
  // A lone heap profile's flamegraph is its bytes: it has no times.
  const bytesOnly = data.measure === 'bytes';
  root.append(el('h2', undefined, bytesOnly ? 'Bytes by allocating stack' : 'Flamegraph'), flame);
  // Where memory is allocated: after the time's flamegraph, which stays the page's first.
  if (data.allocations) {
    root.append(
      el('h2', 'allocations-heading', 'Where memory is allocated'),
      el('p', 'allocations-summary', data.allocations.summary),
    );
    const total = data.allocations.rows.some((r) => r.total !== undefined);
    if (data.allocations.rows.length > 0)
      root.append(
        table(
          'allocations',
          [
            'function',
            ...(total
              ? [
                  `self (${data.allocations.bytesHeading})`,
                  `total (${data.allocations.bytesHeading})`,
                ]
              : [data.allocations.bytesHeading]),
            'of bytes',
            'where',
          ],
          data.allocations.rows.map((r) => [
            r.function,
            r.bytes,
            ...(total ? [r.total ?? ''] : []),
            r.share,
            r.where,
          ]),
          ['text', 'figure', ...(total ? ['figure' as const] : []), 'figure', 'path'],
        ),
        el('p', 'allocations-note', data.allocations.note),
      );
    if (data.allocations.flame) {
      allocationFlame = el('div', 'allocation-flamegraph');
      root.append(el('h3', undefined, 'Bytes by allocating stack'), allocationFlame);
    }
  }
  // Below the flamegraph: the distribution behind the summary's percentiles.
  const [beforeBins, afterBins] = data.compared?.histograms ?? [];
  if (data.compared && beforeBins && afterBins) {
    const container = chartSection(
      'latency-histogram',
      'Latency of every response, before and after',
    );
    charts.push(mountComparedHistograms(container, data.compared.labels, [beforeBins, afterBins]));
  } else if (data.histogram?.counts.some((c) => c > 0)) {
    const container = chartSection('latency-histogram', 'Latency of every response');
    charts.push(mountLatencyHistogram(container, data.histogram));
  }
  if (data.breakdown && data.breakdown.length > 0)
    root.append(
      el('h2', undefined, 'Where the time went'),
      table(
        'breakdown',
        ['what', `of ${data.sharesOf ?? 'the window'}`, 'heaviest'],
        data.breakdown.map((b) => [b.label, b.share, b.detail]),
        ['label', 'figure', 'text'],
      ),
    );
  if (bytesOnly) {
    if (allocationFlame && data.allocations?.flame)
      charts.push(mountFlamegraph(allocationFlame, data.allocations.flame, options));
    return mountFlamegraph(flame, data.flame, options);
  }
  // A run that counted its responses: each row's self time per response, as the CLI prints it.
  const perFunction = data.hotFunctions.some((f) => f.perResponse !== undefined);
  const perLine = data.hotLines.some((l) => l.perResponse !== undefined);
  // A view of several threads: their table, and each function's thread.
  const perThread = data.hotFunctions.some((f) => f.thread !== undefined);
  if (data.threads)
    root.append(
      el('h2', undefined, 'Threads'),
      table(
        'threads',
        ['thread', 'samples', 'sampled', 'CPU', 'share'],
        data.threads.map((t) => [t.label, t.samples, t.sampled, t.cpu, t.share]),
        ['label', 'figure', 'figure', 'figure', 'text'],
      ),
    );
  root.append(
    el('h2', undefined, 'Hot functions'),
    table(
      'functions',
      [
        'function',
        ...figures,
        ...(perFunction ? ['per response'] : []),
        ...(perThread ? ['thread'] : []),
        'where',
      ],
      data.hotFunctions.map((f) => [
        f.name,
        f.self,
        f.total,
        ...(perFunction ? [f.perResponse ?? ''] : []),
        ...(perThread ? [f.thread ?? ''] : []),
        f.location,
      ]),
      [
        'label',
        'figure',
        'figure',
        ...(perFunction ? ['figure' as const] : []),
        ...(perThread ? ['text' as const] : []),
        'path',
      ],
    ),
    el('h2', undefined, 'Hot lines'),
    table(
      'lines',
      [
        'line',
        data.figureTitles ? `${figures[0]} → ${figures[1]}` : 'self',
        ...(perLine ? ['per response'] : []),
        'function',
      ],
      data.hotLines.map((l) => [
        l.location,
        l.self,
        ...(perLine ? [l.perResponse ?? ''] : []),
        l.functionName,
      ]),
      ['path', 'figure', ...(perLine ? ['figure' as const] : []), 'label'],
    ),
  );
  if (data.callLines && data.callLines.length > 0)
    root.append(
      el('h2', undefined, 'Lines that call the cost (inferred)'),
      table(
        'call-lines',
        ['line', 'function', 'what it calls'],
        data.callLines.map((c) => [c.location, c.functionName, c.text]),
        ['path', 'label', 'text'],
      ),
    );
  if (waitFlame && data.waits?.flame)
    charts.push(mountFlamegraph(waitFlame, data.waits.flame, options));
  if (allocationFlame && data.allocations?.flame)
    charts.push(mountFlamegraph(allocationFlame, data.allocations.flame, options));
  return mountFlamegraph(flame, data.flame, options);
}
