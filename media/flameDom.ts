/**
 * The flamegraph's page elements around the canvas: toolbar (reset, layout, hide idle, search),
 * breadcrumb, status line for screen readers, tooltip, hint. Text only through `textContent`.
 */
import type { FlameData } from '../src/protocol/flame';
import type { FlameLayout } from './flameLayout';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export interface FlameDom {
  crumbs: HTMLDivElement;
  reset: HTMLButtonElement;
  layoutButton: HTMLButtonElement;
  idleButton: HTMLButtonElement;
  search: HTMLInputElement;
  matches: HTMLSpanElement;
  canvas: HTMLCanvasElement;
  tooltip: HTMLDivElement;
  status: HTMLDivElement;
}

/** Builds the elements into `container`; with `hint`, the line that says a frame opens its source. */
export function buildFlameDom(container: HTMLElement, data: FlameData, hint: boolean): FlameDom {
  container.classList.add('hotpath-flame');
  const toolbar = el('div', 'hotpath-flame-toolbar');
  const crumbs = el('div', 'hotpath-flame-crumbs');
  const reset = el('button', 'hotpath-flame-reset', 'Reset zoom');
  reset.type = 'button';
  const layoutButton = el('button', 'hotpath-flame-layout');
  layoutButton.type = 'button';
  const search = el('input', 'hotpath-flame-search');
  search.type = 'search';
  search.placeholder = 'Search functions or files (/)';
  search.setAttribute('aria-label', 'Search functions or files');
  const matches = el('span', 'hotpath-flame-matches');
  matches.setAttribute('aria-live', 'polite');
  // A comparison's widths are the later run's time per request, idle included: it can be left out.
  const idleButton = el('button', 'hotpath-flame-idle', 'Hide idle');
  idleButton.type = 'button';
  idleButton.setAttribute('aria-pressed', 'false');
  idleButton.hidden = data.mode !== 'diff';
  toolbar.append(reset, layoutButton, idleButton, search, matches);
  const canvas = el('canvas', 'hotpath-flame-canvas');
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute(
    'aria-label',
    `Flamegraph: ${data.title}. Arrow keys move, Enter zooms, Escape resets.`,
  );
  const tooltip = el('div', 'hotpath-flame-tooltip');
  tooltip.setAttribute('role', 'tooltip');
  tooltip.hidden = true;
  const status = el('div', 'hotpath-flame-status');
  status.setAttribute('aria-live', 'polite');
  container.append(toolbar, crumbs, canvas, status, tooltip);
  if (hint) {
    // Nothing else on screen says that a frame opens its source.
    container.append(
      el(
        'div',
        'hotpath-flame-hint',
        'Double-click a frame (or select it and press o) to open its source.',
      ),
    );
  }
  return { crumbs, reset, layoutButton, idleButton, search, matches, canvas, tooltip, status };
}

/**
 * The breadcrumb from the root to the zoomed frame (each crumb zooms to its frame), and the
 * toolbar's buttons as the view stands.
 */
export function renderCrumbs(
  dom: FlameDom,
  path: { frame: number; label: string }[],
  zoomTo: (frame: number) => void,
  layout: FlameLayout,
): void {
  const { crumbs } = dom;
  crumbs.replaceChildren();
  path.forEach(({ frame, label }, i) => {
    const crumb = el('button', 'hotpath-flame-crumb', label);
    crumb.type = 'button';
    crumb.addEventListener('click', () => zoomTo(frame));
    if (i > 0) crumbs.append(el('span', 'hotpath-flame-crumb-separator', '›'));
    crumbs.append(crumb);
  });
  // The path ends at the zoomed frame: at the root, there is nothing to reset.
  dom.reset.disabled = path[path.length - 1].frame === 0;
  dom.layoutButton.textContent = layout === 'icicle' ? 'Flame layout' : 'Icicle layout';
}

/** The tooltip's lines, beside the pointer and inside the container. */
export function showTooltip(
  dom: FlameDom,
  container: HTMLElement,
  lines: string[],
  clientX: number,
  clientY: number,
): void {
  const { tooltip } = dom;
  tooltip.replaceChildren(
    ...lines.map((line, i) => el('div', i === 0 ? 'hotpath-flame-tooltip-name' : '', line)),
  );
  tooltip.hidden = false;
  const box = container.getBoundingClientRect();
  const left = Math.min(
    clientX - box.left + 12,
    Math.max(0, container.clientWidth - tooltip.offsetWidth - 4),
  );
  tooltip.style.left = `${left}px`;
  tooltip.style.top = `${clientY - box.top + 14}px`;
}
