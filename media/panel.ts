/**
 * The page script of Hotpath's webviews (the flamegraph panel and the .cpuprofile editor): the
 * report, drawn from what the host sends, and kept in the webview's state so that a reload or a
 * restart shows it again.
 */
import type { FromPanel, ReportData, ToPanel } from '../src/protocol/flame';
import type { FlameView } from './flamegraph';
import { renderReport } from './reportView';

interface PanelState {
  report?: ReportData;
}

declare function acquireVsCodeApi(): {
  postMessage(message: FromPanel): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('report') as HTMLElement;
let view: FlameView | undefined;

function show(report: ReportData): void {
  view?.dispose();
  view = renderReport(root, report, {
    onOpenSource: (request) => vscode.postMessage({ type: 'openSource', ...request }),
  });
  vscode.setState({ report });
  vscode.postMessage({
    type: 'shown',
    title: report.title,
    frames: report.flame.frames.fn.length,
    drawnFrames: view.drawnFrames,
  });
}

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const message = event.data;
  switch (message.type) {
    case 'show':
      show(message.report);
      break;
    case 'focus':
      view?.focusFunction(message.name, message.file);
      break;
    case 'error': {
      view?.dispose();
      view = undefined;
      const p = document.createElement('p');
      p.className = 'hotpath-error';
      p.textContent = message.message;
      root.replaceChildren(p);
      break;
    }
  }
});

const saved = vscode.getState()?.report;
if (saved) show(saved);
vscode.postMessage({ type: 'ready' });
