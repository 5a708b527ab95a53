/** The flamegraph panel's page script inside VS Code's webview. */
import type { FromPanel, ToPanel } from '../src/protocol/flame';
import { type FlameView, mountFlamegraph } from './flamegraph';

declare function acquireVsCodeApi(): { postMessage(message: FromPanel): void };

const vscode = acquireVsCodeApi();
const container = document.getElementById('flamegraph') as HTMLElement;
const title = document.getElementById('title') as HTMLElement;
let view: FlameView | undefined;

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const message = event.data;
  switch (message.type) {
    case 'show':
      view?.dispose();
      title.textContent = message.data.title;
      view = mountFlamegraph(container, message.data, {
        onOpenSource: (request) => vscode.postMessage({ type: 'openSource', ...request }),
      });
      break;
    case 'focus':
      view?.focusFunction(message.name, message.file);
      break;
  }
});
vscode.postMessage({ type: 'ready' });
