/**
 * The page's theme, for what draws on a canvas (the flamegraph, the charts): colours read from CSS
 * variables as the page shows them, the text colour that reads on a given fill (WCAG contrast),
 * and a signal when the theme changes. VS Code switches a webview's theme by changing the body's
 * class (`vscode-light`, `vscode-dark`, `vscode-high-contrast`, `vscode-high-contrast-light`)
 * and the `--vscode-*` variables in the html element's style; the HTML report follows the system's
 * colour scheme.
 */

/** An opaque colour, 0–255 a channel. */
export type Rgb = [number, number, number];

let probe: CanvasRenderingContext2D | null | undefined;

/**
 * A CSS colour (any syntax the canvas takes) as it shows over `under`: what a fill of that colour
 * looks like on the page. Undefined when it cannot be read.
 */
export function toRgb(colour: string, under: Rgb = [255, 255, 255]): Rgb | undefined {
  if (probe === undefined) {
    const canvas = document.createElement('canvas');
    canvas.width = 1;
    canvas.height = 1;
    probe = canvas.getContext('2d', { willReadFrequently: true });
  }
  if (!probe) return undefined;
  probe.globalAlpha = 1;
  probe.fillStyle = `rgb(${under[0]}, ${under[1]}, ${under[2]})`;
  probe.fillRect(0, 0, 1, 1);
  probe.fillStyle = '#000';
  probe.fillStyle = colour;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
  return [r, g, b];
}

/** WCAG 2 relative luminance. */
export function luminance([r, g, b]: Rgb): number {
  const channel = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG 2 contrast ratio of two colours (1 to 21). */
export function contrast(a: Rgb, b: Rgb): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/**
 * The text colour for a fill: of the candidates (the theme's own text colours), the one that
 * reads best, when it reaches a contrast of 4.5; else black or white, whichever reads better.
 */
export function readableOn(fill: Rgb, candidates: string[]): string {
  let best: string | undefined;
  let bestContrast = 0;
  for (const candidate of candidates) {
    const rgb = candidate ? toRgb(candidate) : undefined;
    const ratio = rgb ? contrast(rgb, fill) : 0;
    if (ratio > bestContrast) {
      best = candidate;
      bestContrast = ratio;
    }
  }
  if (best && bestContrast >= 4.5) return best;
  return contrast([0, 0, 0], fill) >= contrast([255, 255, 255], fill) ? '#000000' : '#ffffff';
}

/** The page's background as shown (a transparent body shows the html element's, then white). */
export function pageBackground(): Rgb {
  for (const element of [document.body, document.documentElement]) {
    const colour = getComputedStyle(element).backgroundColor;
    if (colour && colour !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(colour)) {
      const rgb = toRgb(colour);
      if (rgb) return rgb;
    }
  }
  const dark =
    document.body.classList.contains('vscode-dark') ||
    (document.body.classList.contains('vscode-high-contrast') &&
      !document.body.classList.contains('vscode-high-contrast-light'));
  return dark ? [30, 30, 30] : [255, 255, 255];
}

/** Whether the page shows a high-contrast theme (VS Code's body class, or the system's setting). */
export function highContrast(): boolean {
  return (
    document.body.classList.contains('vscode-high-contrast') ||
    document.body.classList.contains('vscode-high-contrast-light') ||
    matchMedia('(forced-colors: active)').matches
  );
}

/**
 * Calls `changed` after the theme changes: VS Code's body class or variables, or the system's
 * colour scheme. Several changes in one frame make one call. Returns what stops it.
 */
export function onThemeChange(changed: () => void): { dispose(): void } {
  let pending = 0;
  const soon = () => {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      changed();
    });
  };
  const observer = new MutationObserver(soon);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  observer.observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['class', 'style'],
  });
  const scheme = matchMedia('(prefers-color-scheme: dark)');
  scheme.addEventListener('change', soon);
  return {
    dispose() {
      observer.disconnect();
      scheme.removeEventListener('change', soon);
      if (pending) cancelAnimationFrame(pending);
    },
  };
}
