/**
 * The load over time: req/s, p50 and p99 latency and error answers per second, drawn with uPlot
 * (small and fast), in theme colours, with a text summary for screen readers.
 */
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css';
import type { ReportData } from '../src/protocol/flame';

type Timeline = NonNullable<ReportData['timeline']>;

let styled = false;
/** uPlot's stylesheet, adopted once (a constructed sheet: no inline <style> for the CSP to allow). */
function adoptStyle(): void {
  if (styled) return;
  styled = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(uPlotCss);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

function colour(element: HTMLElement, name: string, fallback: string): string {
  return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}

/** A sentence that says what the chart shows. */
export function describeTimeline(timeline: Timeline): string {
  const range = (values: (number | null)[], unit: string) => {
    const known = values.filter((v): v is number => v !== null);
    if (known.length === 0) return 'none';
    const low = Math.round(Math.min(...known));
    const high = Math.round(Math.max(...known));
    return low === high ? `${low} ${unit}` : `${low}–${high} ${unit}`;
  };
  const errors = timeline.errors.reduce((a, b) => a + b, 0);
  const seconds = timeline.t.length > 0 ? Math.round(timeline.t[timeline.t.length - 1]) : 0;
  return (
    `Load over ${seconds} s: ${range(timeline.rps, 'req/s')}; ` +
    `p50 ${range(timeline.p50Ms, 'ms')}; p99 ${range(timeline.p99Ms, 'ms')}; ` +
    `${errors === 0 ? 'no error answers' : `${errors} error answers`}.`
  );
}

export function mountLoadChart(container: HTMLElement, timeline: Timeline): { dispose(): void } {
  adoptStyle();
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', describeTimeline(timeline));
  const text = colour(container, 'color', '#888');
  const axis = {
    stroke: text,
    grid: { stroke: 'rgba(128,128,128,0.2)' },
    ticks: { stroke: 'rgba(128,128,128,0.3)' },
  };
  const plot = new uPlot(
    {
      width: Math.max(320, container.clientWidth || 800),
      height: 200,
      scales: { x: { time: false }, rps: { range: (_u, min, max) => [0, Math.max(1, max, min)] } },
      axes: [
        { ...axis, label: 's' },
        { ...axis, scale: 'rps', label: 'req/s' },
        { ...axis, scale: 'ms', label: 'ms', side: 1, grid: { show: false } },
      ],
      series: [
        { label: 's' },
        {
          label: 'req/s',
          scale: 'rps',
          stroke: colour(container, '--hotpath-chart-rps', '#4a90c2'),
          width: 2,
        },
        {
          label: 'p50 ms',
          scale: 'ms',
          stroke: colour(container, '--hotpath-chart-p50', '#5aa469'),
        },
        {
          label: 'p99 ms',
          scale: 'ms',
          stroke: colour(container, '--hotpath-chart-p99', '#e8743b'),
          width: 2,
        },
        {
          label: 'errors/s',
          scale: 'rps',
          stroke: colour(container, '--hotpath-chart-errors', '#d13438'),
        },
      ],
    },
    [timeline.t, timeline.rps, timeline.p50Ms, timeline.p99Ms, timeline.errors],
    container,
  );
  return { dispose: () => plot.destroy() };
}

type Histogram = NonNullable<ReportData['histogram']>;

/** "≤ 5 ms", "≤ 1 s", "> 10 s": the label of each bin. */
export function binLabels(histogram: Histogram): string[] {
  const ms = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`);
  return histogram.counts.map((_, i) =>
    i < histogram.edgesMs.length
      ? `≤ ${ms(histogram.edgesMs[i])}`
      : `> ${ms(histogram.edgesMs[histogram.edgesMs.length - 1])}`,
  );
}

/** The latency histogram: a bar per bin, labelled, with a text summary for screen readers. */
export function mountLatencyHistogram(
  container: HTMLElement,
  histogram: Histogram,
): { dispose(): void } {
  adoptStyle();
  const labels = binLabels(histogram);
  // Bins from the first to the last with responses in them.
  const first = Math.max(
    0,
    histogram.counts.findIndex((c) => c > 0),
  );
  let last = histogram.counts.length - 1;
  while (last > first && histogram.counts[last] === 0) last--;
  const shown = histogram.counts.slice(first, last + 1);
  const total = histogram.counts.reduce((a, b) => a + b, 0);
  container.setAttribute('role', 'img');
  container.setAttribute(
    'aria-label',
    `Latency of ${total} responses: ${shown
      .map((count, i) => `${labels[first + i]}: ${count}`)
      .join(', ')}.`,
  );
  const text = colour(container, 'color', '#888');
  const axis = {
    stroke: text,
    grid: { stroke: 'rgba(128,128,128,0.2)' },
    ticks: { stroke: 'rgba(128,128,128,0.3)' },
  };
  const bars = uPlot.paths.bars?.({ size: [0.8, 60] });
  const plot = new uPlot(
    {
      width: Math.max(320, Math.min(900, container.clientWidth || 600)),
      height: 180,
      legend: { show: false },
      cursor: { show: false },
      // Bars stand on zero.
      scales: {
        x: { time: false, range: [-0.5, shown.length - 0.5] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
      },
      axes: [
        {
          ...axis,
          splits: () => shown.map((_, i) => i),
          values: (_u, splits) => splits.map((i) => labels[first + i] ?? ''),
        },
        { ...axis, label: 'responses' },
      ],
      series: [
        {},
        {
          label: 'responses',
          stroke: colour(container, '--hotpath-chart-rps', '#4a90c2'),
          fill: colour(container, '--hotpath-chart-rps', '#4a90c2'),
          ...(bars ? { paths: bars } : {}),
        },
      ],
    },
    [shown.map((_, i) => i), shown],
    container,
  );
  return { dispose: () => plot.destroy() };
}
