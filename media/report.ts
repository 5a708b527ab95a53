/** The standalone HTML report's page script: fills the page from its JSON and mounts the flamegraph. */
import type { ReportData } from '../src/protocol/flame';
import { type FlameView, mountFlamegraph } from './flamegraph';

declare global {
  interface Window {
    /** For tests and the curious: the mounted flamegraph. */
    hotpathFlame?: FlameView;
    /** How long the page took to read its data and to mount and first paint the flamegraph. */
    hotpathTimings?: { parseMs: number; mountMs: number };
  }
}

function text(id: string, value: string): void {
  const node = document.getElementById(id);
  if (node) node.textContent = value;
}

function table(id: string, header: string[], rows: string[][]): void {
  const node = document.getElementById(id);
  if (!node) return;
  const head = document.createElement('tr');
  for (const h of header) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  node.append(head);
  for (const row of rows) {
    const tr = document.createElement('tr');
    for (const cell of row) {
      const td = document.createElement('td');
      td.textContent = cell;
      tr.append(td);
    }
    node.append(tr);
  }
}

const started = performance.now();
const source = document.getElementById('hotpath-data');
const data = JSON.parse(source?.textContent ?? '{}') as ReportData;
const parsed = performance.now();
document.title = `Hotpath · ${data.title}`;
text('title', data.title);
text('subtitle', data.subtitle);
text('verdict', data.diagnosis.verdict);
text('diagnosis', data.diagnosis.summary);
table('summary', ['', ''], data.rows);
table(
  'functions',
  ['function', ...(data.figureTitles ?? ['self', 'total']), 'where'],
  data.hotFunctions.map((f) => [f.name, f.self, f.total, f.location]),
);
table(
  'lines',
  [
    'line',
    data.figureTitles ? `${data.figureTitles[0]} → ${data.figureTitles[1]}` : 'self',
    'function',
  ],
  data.hotLines.map((l) => [l.location, l.self, l.functionName]),
);
const container = document.getElementById('flamegraph');
if (container) {
  const mounting = performance.now();
  window.hotpathFlame = mountFlamegraph(container, data.flame);
  window.hotpathTimings = { parseMs: parsed - started, mountMs: performance.now() - mounting };
}
