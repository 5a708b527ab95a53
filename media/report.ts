/** The standalone HTML report's page script: fills the page from its JSON and mounts the flamegraph. */
import type { ReportData } from '../src/protocol/flame';
import { type FlameView, mountFlamegraph } from './flamegraph';

declare global {
  interface Window {
    /** For tests and the curious: the mounted flamegraph. */
    hotpathFlame?: FlameView;
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

const source = document.getElementById('hotpath-data');
const data = JSON.parse(source?.textContent ?? '{}') as ReportData;
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
if (container) window.hotpathFlame = mountFlamegraph(container, data.flame);
