/**
 * The load over time: req/s, p50 and p99 latency and error answers per second, drawn with uPlot
 * (small and fast), in theme colours, with a text summary for screen readers. Every chart is as
 * wide as its container, follows it when the panel is resized, and is drawn again in the new
 * theme's colours when the theme changes.
 */
import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css';
import type { LatencyBins, ReportTimeline } from '../src/protocol/flame';
import { onThemeChange } from './theme';

type Timeline = ReportTimeline;

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

/**
 * A chart is an image to a screen reader, with what it shows in words, and a stop for the
 * keyboard (Tab reaches it, and the words are read).
 */
function describe(container: HTMLElement, words: string): void {
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', words);
  container.tabIndex = 0;
}

/** What the charts of the load over time share: their size, a plain-seconds x axis, req/s from 0. */
function loadOverTime(width: number): Pick<uPlot.Options, 'width' | 'height' | 'scales'> {
  return {
    width,
    height: 200,
    scales: {
      x: { time: false },
      rps: { range: (_u, min, max) => [0, Math.max(1, max, min)] },
    },
  };
}

/** The page's text colour and the axes in it: every chart follows the theme. */
function themed(container: HTMLElement): { text: string; axis: uPlot.Axis } {
  adoptStyle();
  const text = colour(container, 'color', '#888');
  return {
    text,
    axis: {
      stroke: text,
      grid: { stroke: 'rgba(128,128,128,0.2)' },
      ticks: { stroke: 'rgba(128,128,128,0.3)' },
    },
  };
}

/** The width a chart may take: its container's, at most `max` (a hidden container: `max`). */
function widthOf(container: HTMLElement, max: number): number {
  const width = Math.floor(container.clientWidth);
  return width > 0 ? Math.min(max, width) : Math.min(max, 600);
}

/**
 * A chart that fits its container: `build` makes it at a width; a resize of the container sets
 * the new width, a theme change builds it again (its colours are read when it is built).
 */
function fitted(
  container: HTMLElement,
  maxWidth: number,
  build: (width: number) => uPlot,
): { dispose(): void } {
  let width = widthOf(container, maxWidth);
  let plot = build(width);
  const resize = new ResizeObserver(() => {
    const next = widthOf(container, maxWidth);
    if (next === width) return;
    width = next;
    plot.setSize({ width, height: plot.height });
  });
  resize.observe(container);
  const theme = onThemeChange(() => {
    plot.destroy();
    width = widthOf(container, maxWidth);
    plot = build(width);
  });
  return {
    dispose() {
      resize.disconnect();
      theme.dispose();
      plot.destroy();
    },
  };
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
  const connections = stepsOf(timeline);
  return (
    `Load over ${seconds} s: ${range(timeline.rps, 'req/s')}; ` +
    `p50 ${range(timeline.p50Ms, 'ms')}; p99 ${range(timeline.p99Ms, 'ms')}; ` +
    `${errors === 0 ? 'no error answers' : `${errors} error answers`}` +
    `${connections ? `; connections ${connections.join(', ')}` : ''}.`
  );
}

/** The connection counts a shape stepped through, in order; undefined for a steady load. */
export function stepsOf(timeline: Timeline): number[] | undefined {
  const steps: number[] = [];
  for (const c of timeline.connections ?? []) {
    if (c === null || c === 0 || steps[steps.length - 1] === c) continue;
    steps.push(c);
  }
  return steps.length > 1 ? steps : undefined;
}

export function mountLoadChart(container: HTMLElement, timeline: Timeline): { dispose(): void } {
  const steps = stepsOf(timeline);
  const stepped = uPlot.paths.stepped?.({ align: 1 });
  describe(container, describeTimeline(timeline));
  return fitted(container, 100_000, (width) => {
    const { text, axis } = themed(container);
    return new uPlot(
      {
        ...loadOverTime(width),
        axes: [
          { ...axis, label: 's' },
          { ...axis, scale: 'rps', label: 'req/s' },
          { ...axis, scale: 'ms', label: 'ms', side: 1, grid: { show: false } },
          ...(steps
            ? [{ ...axis, scale: 'conn', label: 'connections', side: 1, grid: { show: false } }]
            : []),
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
          // A shape's steps: the connections open, drawn as steps on their own axis.
          ...(steps
            ? [
                {
                  label: 'connections',
                  scale: 'conn',
                  stroke: text,
                  dash: [4, 4],
                  ...(stepped ? { paths: stepped } : {}),
                },
              ]
            : []),
        ],
      },
      [
        timeline.t,
        timeline.rps,
        timeline.p50Ms,
        timeline.p99Ms,
        timeline.errors,
        ...(steps ? [timeline.connections ?? []] : []),
      ] as uPlot.AlignedData,
      container,
    );
  });
}

/**
 * Two loads on the same axes (seconds since each began): req/s and p99 of each, the earlier run
 * dashed. For a comparison, so that a change is seen, not only read.
 */
export function mountComparisonChart(
  container: HTMLElement,
  labels: [string, string],
  timelines: [Timeline, Timeline],
): { dispose(): void } {
  describe(
    container,
    `Before, ${labels[0]}: ${describeTimeline(timelines[0])} After, ${labels[1]}: ${describeTimeline(timelines[1])}`,
  );
  return fitted(container, 100_000, (width) => {
    const { axis } = themed(container);
    const rps = colour(container, '--hotpath-chart-rps', '#4a90c2');
    const p99 = colour(container, '--hotpath-chart-p99', '#e8743b');
    const data = uPlot.join([
      [timelines[0].t, timelines[0].rps, timelines[0].p99Ms],
      [timelines[1].t, timelines[1].rps, timelines[1].p99Ms],
    ] as uPlot.AlignedData[]);
    return new uPlot(
      {
        ...loadOverTime(width),
        axes: [
          { ...axis, label: 's since the load began' },
          { ...axis, scale: 'rps', label: 'req/s' },
          { ...axis, scale: 'ms', label: 'p99 ms', side: 1, grid: { show: false } },
        ],
        series: [
          { label: 's' },
          {
            label: 'req/s before',
            scale: 'rps',
            stroke: colour(container, '--hotpath-chart-rps-before', '#8fb3cf'),
            width: 2,
            dash: [6, 4],
            spanGaps: true,
          },
          {
            label: 'p99 before',
            scale: 'ms',
            stroke: colour(container, '--hotpath-chart-p99-before', '#e9b08f'),
            dash: [6, 4],
            spanGaps: true,
          },
          { label: 'req/s after', scale: 'rps', stroke: rps, width: 2, spanGaps: true },
          { label: 'p99 after', scale: 'ms', stroke: p99, spanGaps: true },
        ],
      },
      data,
      container,
    );
  });
}

type Histogram = LatencyBins;

/** "≤ 5 ms", "≤ 1 s", "> 10 s": the label of each bin. */
export function binLabels(histogram: Histogram): string[] {
  const ms = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`);
  return histogram.counts.map((_, i) =>
    i < histogram.edgesMs.length
      ? `≤ ${ms(histogram.edgesMs[i])}`
      : `> ${ms(histogram.edgesMs[histogram.edgesMs.length - 1])}`,
  );
}

/** uPlot's axis font, to measure labels with. */
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif';
let measure: CanvasRenderingContext2D | null | undefined;

/**
 * The bins' labels under a histogram, every label while they fit and one in every k when they
 * do not (a narrow panel): labels never overlap. The labels drawn are left on the container as
 * `data-x-labels` ("≤ 2 ms|≤ 10 ms"), for the page's checks.
 */
function binValues(container: HTMLElement, names: (i: number) => string) {
  return (u: uPlot, splits: number[]): string[] => {
    measure ??= document.createElement('canvas').getContext('2d');
    if (measure) measure.font = AXIS_FONT;
    const widest = Math.max(
      ...splits.map((i) => (measure ? measure.measureText(names(i)).width : names(i).length * 7)),
    );
    const plotWidth = u.bbox.width / (window.devicePixelRatio || 1);
    const perBin = plotWidth / Math.max(1, splits.length);
    const every = Math.max(1, Math.ceil((widest + 8) / perBin));
    const values = splits.map((i, k) => (k % every === 0 ? names(i) : ''));
    container.dataset.xLabels = values.filter((v) => v !== '').join('|');
    return values;
  };
}

/** The latency histogram: a bar per bin, labelled, with a text summary for screen readers. */
export function mountLatencyHistogram(
  container: HTMLElement,
  histogram: Histogram,
): { dispose(): void } {
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
  describe(
    container,
    `Latency of ${total} responses: ${shown
      .map((count, i) => `${labels[first + i]}: ${count}`)
      .join(', ')}.`,
  );
  return fitted(container, 900, (width) => {
    const { axis } = themed(container);
    const bars = uPlot.paths.bars?.({ size: [0.8, 60] });
    return new uPlot(
      {
        width,
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
            values: binValues(container, (i) => labels[first + i] ?? ''),
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
  });
}

/**
 * Two loads' latency side by side, as shares of their responses (runs of different length
 * compare): the earlier run's bar on the left of each bin.
 */
export function mountComparedHistograms(
  container: HTMLElement,
  labels: [string, string],
  histograms: [Histogram, Histogram],
): { dispose(): void } {
  const names = binLabels(histograms[0]);
  const shares = histograms.map((h) => {
    const total = h.counts.reduce((a, b) => a + b, 0) || 1;
    return h.counts.map((c) => (100 * c) / total);
  });
  const used = (i: number) => shares[0][i] > 0 || shares[1][i] > 0;
  let first = 0;
  while (first < names.length - 1 && !used(first)) first++;
  let last = names.length - 1;
  while (last > first && !used(last)) last--;
  const shown = [shares[0].slice(first, last + 1), shares[1].slice(first, last + 1)];
  const pct = (v: number) => `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} %`;
  describe(
    container,
    `Latency, share of responses per bin, before (${labels[0]}) and after (${labels[1]}): ${shown[0]
      .map((v, i) => `${names[first + i]}: ${pct(v)} then ${pct(shown[1][i])}`)
      .join(', ')}.`,
  );
  return fitted(container, 900, (width) => {
    const { axis } = themed(container);
    const rps = colour(container, '--hotpath-chart-rps', '#4a90c2');
    const after = colour(container, '--hotpath-chart-p99', '#e8743b');
    const left = uPlot.paths.bars?.({ size: [0.4, 40], align: -1 });
    const right = uPlot.paths.bars?.({ size: [0.4, 40], align: 1 });
    return new uPlot(
      {
        width,
        height: 180,
        cursor: { show: false },
        scales: {
          x: { time: false, range: [-0.5, shown[0].length - 0.5] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
        },
        axes: [
          {
            ...axis,
            splits: () => shown[0].map((_, i) => i),
            values: binValues(container, (i) => names[first + i] ?? ''),
          },
          { ...axis, label: '% of responses' },
        ],
        series: [
          {},
          {
            label: `before: ${labels[0]}`,
            stroke: rps,
            fill: rps,
            points: { show: false },
            ...(left ? { paths: left } : {}),
          },
          {
            label: `after: ${labels[1]}`,
            stroke: after,
            fill: after,
            points: { show: false },
            ...(right ? { paths: right } : {}),
          },
        ],
      },
      [shown[0].map((_, i) => i), shown[0], shown[1]],
      container,
    );
  });
}
