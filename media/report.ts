/** The standalone HTML report's page script: fills the page from its JSON and mounts the flamegraph. */
import type { ReportData } from '../src/protocol/flame';
import type { FlameView } from './flamegraph';
import { renderReport } from './reportView';

declare global {
  interface Window {
    /** For tests and the curious: the mounted flamegraph. */
    hotpathFlame?: FlameView;
    /** How long the page took to read its data and to mount and first paint the flamegraph. */
    hotpathTimings?: { parseMs: number; mountMs: number };
  }
}

const started = performance.now();
const source = document.getElementById('hotpath-data');
const data = JSON.parse(source?.textContent ?? '{}') as ReportData;
const parsed = performance.now();
document.title = `Hotpath · ${data.title}`;
const root = document.getElementById('report');
if (root) {
  const mounting = performance.now();
  window.hotpathFlame = renderReport(root, data);
  window.hotpathTimings = { parseMs: parsed - started, mountMs: performance.now() - mounting };
}
