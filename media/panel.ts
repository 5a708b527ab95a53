/**
 * The page script of Hotpath's webviews (the flamegraph panel and the .cpuprofile editor): the
 * report, drawn from what the host sends, and kept in the webview's state so that a reload or a
 * restart shows it again.
 */
import type { ReportData } from '../src/protocol/flame';
import { plainReport, unpackReport } from '../src/protocol/flameCodec';
import type { FromPanel, ToPanel } from '../src/protocol/webview';
import type { FlameView } from './flamegraph';
import { renderReport } from './reportView';

interface PanelState {
  report?: ReportData;
  /** The title of a report too large to keep across a reload. */
  notKept?: string;
  /** The thread the report shown is of, when one of several was chosen. */
  thread?: string;
}

/**
 * Reports up to this many frames are kept in the webview's state (JSON, saved by VS Code) and
 * come back after a reload; a larger one is sent again instead (200,000 frames would be several
 * MB of JSON saved with the window). The sample service's runs have a few hundred frames.
 */
const KEEP_FRAMES = 5_000;

declare function acquireVsCodeApi(): {
  postMessage(message: FromPanel): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('report') as HTMLElement;
let view: FlameView | undefined;

function show(report: ReportData, binary: boolean): void {
  view?.dispose();
  view = renderReport(root, report, {
    onOpenSource: (request) => vscode.postMessage({ type: 'openSource', ...request }),
    onChooseThread: (thread) =>
      vscode.postMessage({ type: 'thread', ...(thread === undefined ? {} : { thread }) }),
  });
  const frames = report.flame.frames.fn.length;
  const allocations = document.getElementById('allocations-summary');
  const threadChoice = document.getElementById('thread-choice') as HTMLSelectElement | null;
  vscode.postMessage({
    type: 'shown',
    title: report.title,
    frames,
    drawnFrames: view.drawnFrames,
    binary,
    headings: Array.from(root.querySelectorAll('h2'), (h) => h.textContent ?? ''),
    ...(allocations
      ? {
          allocations: {
            summary: allocations.textContent ?? '',
            functions: Array.from(
              document.querySelectorAll<HTMLTableRowElement>('#allocations tr'),
              (row) => row.cells[0]?.textContent ?? '',
            ).slice(1),
          },
        }
      : {}),
    functions: Array.from(
      document.querySelectorAll<HTMLTableRowElement>('#functions tr'),
      (row) => row.cells[0]?.textContent ?? '',
    ).slice(1),
    ...(threadChoice
      ? {
          threadChoice: {
            label: threadChoice.labels?.[0]?.textContent ?? '',
            options: Array.from(threadChoice.options, (o) => o.textContent ?? ''),
            chosen: threadChoice.selectedOptions[0]?.textContent ?? '',
          },
        }
      : {}),
  });
  const thread = report.threadChoice?.chosen;
  vscode.setState({
    ...(frames <= KEEP_FRAMES ? { report: plainReport(report) } : { notKept: report.title }),
    ...(thread === undefined ? {} : { thread }),
  });
}

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const message = event.data;
  switch (message.type) {
    case 'show':
      show(
        unpackReport(message.report),
        message.report.flame.ints instanceof Int32Array &&
          message.report.flame.floats instanceof Float64Array,
      );
      break;
    case 'focus':
      view?.focusFunction(message.name, message.file);
      break;
    case 'showWaits':
      showWaits(message.lock);
      break;
    case 'reading':
      say(`Reading ${message.what}…`);
      break;
    case 'status':
      say(message.message);
      break;
    case 'error':
      say(message.message, 'hotpath-error');
      break;
    case 'notice':
      notice(message.message);
      break;
    case 'chooseThread':
      chooseThread(message.thread);
      break;
    default:
      // A new message type fails the type check here until the page handles it.
      message satisfies never;
  }
});

const noticeLine = document.getElementById('notice') as HTMLElement;
// A click puts it away; the next report, or the next notice, has its own.
noticeLine.addEventListener('click', () => {
  noticeLine.hidden = true;
});

/**
 * A quiet line, as text, kept at the foot of the view wherever the user has scrolled (a
 * double-click on the flamegraph must not answer out of sight); empty hides it.
 */
function notice(text: string): void {
  noticeLine.textContent = text;
  noticeLine.title = text === '' ? '' : 'click to put away';
  noticeLine.hidden = text === '';
}

/** Scrolls the locks section into view and marks the row of `lock` (the others unmarked). */
function showWaits(lock: string | undefined): void {
  const heading = document.getElementById('waits-heading');
  if (!heading) return;
  heading.scrollIntoView({ block: 'start' });
  for (const row of Array.from(document.querySelectorAll<HTMLTableRowElement>('#waits tr'))) {
    const picked = lock !== undefined && row.cells[0]?.textContent === lock;
    row.classList.toggle('hotpath-picked', picked);
    if (picked) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
  }
}

/** Picks `thread` (undefined: all threads) in the choice of thread, as a user's choice does. */
function chooseThread(thread: string | undefined): void {
  const select = document.getElementById('thread-choice') as HTMLSelectElement | null;
  const value = thread ?? '';
  if (!select || !Array.from(select.options).some((o) => o.value === value)) return;
  select.value = value;
  select.dispatchEvent(new Event('change'));
}

/** A line of text in place of the report. */
function say(text: string, className?: string): void {
  view?.dispose();
  view = undefined;
  const p = document.createElement('p');
  if (className) p.className = className;
  p.textContent = text;
  root.replaceChildren(p);
}

const state = vscode.getState();
if (state?.report) show(state.report, false);
else if (state?.notKept)
  say(
    `${state.notKept}: this report was too large to keep across a reload. Run "Hotpath: Show Flamegraph" or open the profile again.`,
  );
// The thread the kept report is of: the host reads that thread again, not all of them.
const keptThread = state?.thread;
vscode.postMessage({ type: 'ready', ...(keptThread === undefined ? {} : { thread: keptThread }) });
