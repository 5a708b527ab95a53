/**
 * The report's one stylesheet, for the standalone HTML report and the editor's webviews alike:
 * one layout, themed by a handful of variables (the system's light or dark colours in the HTML
 * report, VS Code's theme colours in a webview). No import: the page builders of both use it.
 */

const LAYOUT = `
body { margin: 0; padding: var(--hp-page-padding); font: var(--hp-font); background: var(--hp-bg); color: var(--hp-fg); }
h1 { font-size: 1.4em; margin: 4px 0 2px; }
h2 { font-size: 1.1em; margin: 20px 0 8px; }
#subtitle { color: var(--hp-muted); margin: 0 0 12px; }
#verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; background: var(--hp-badge-bg); color: var(--hp-badge-fg); font-weight: 600; text-transform: uppercase; font-size: .8em; margin-right: 8px; }
table { border-collapse: collapse; }
td, th { padding: 3px 12px 3px 0; text-align: left; vertical-align: top; border-bottom: 1px solid var(--hp-line); }
th { color: var(--hp-muted); font-weight: 500; }
h1, #subtitle, #diagnosis, td.hp-text { overflow-wrap: break-word; }
th, td.hp-figure { white-space: nowrap; }
td.hp-label { overflow-wrap: anywhere; min-width: 14em; max-width: 36em; }
.hp-path-text { display: block; max-width: min(32em, 30vw); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; direction: rtl; text-align: left; }
.hp-path-text > bdi { direction: ltr; unicode-bidi: isolate; }
#summary td:first-child { color: var(--hp-muted); white-space: nowrap; min-width: 0; }
@media (max-width: 720px) {
  table:not(#summary) { display: block; }
  table:not(#summary) tr:has(th) { display: none; }
  table:not(#summary) tr { display: flex; flex-wrap: wrap; column-gap: 12px; padding: 4px 0; border-bottom: 1px solid var(--hp-line); }
  table:not(#summary) td { border: 0; padding: 0; min-width: 0; max-width: 100%; }
  table:not(#summary) td:first-child { flex-basis: 100%; font-weight: 600; }
  table:not(#summary) td:empty { display: none; }
  table:not(#summary) td:not(:first-child)[data-label]::before { content: attr(data-label) " "; color: var(--hp-muted); font-weight: normal; }
  td.hp-path { display: flex; gap: 4px; }
  .hp-path-text { max-width: calc(100vw - 40px); }
  .hotpath-flame-search { min-width: 0; flex: 1 1 120px; }
}
.hotpath-error { color: var(--hp-error); white-space: pre-wrap; }
.hotpath-flame { position: relative; --hotpath-flame-focus: var(--hp-focus); }
#waits td:not(:nth-child(7)) { overflow-wrap: normal; } #waits th { white-space: normal; }
#waits tr.hotpath-picked td { background: var(--hp-picked); } #waits tr.hotpath-picked { outline: 1px solid var(--hp-focus); }
.hotpath-flame-toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 6px; }
.hotpath-flame-toolbar button { background: var(--hp-button-bg); color: var(--hp-button-fg); border: 0; padding: 3px 8px; cursor: pointer; }
#thread-choice { max-width: 100%; background: var(--hp-input-bg); color: var(--hp-input-fg); border: 1px solid var(--hp-input-border); padding: 3px 6px; } #thread-choice:focus-visible { outline: 1px solid var(--hp-focus); }
.hotpath-flame-search { min-width: 240px; background: var(--hp-input-bg); color: var(--hp-input-fg); border: 1px solid var(--hp-input-border); padding: 3px 6px; }
.hotpath-flame-matches, .hotpath-flame-hint, #waits-note, #stalls-note, #allocations-note { color: var(--hp-muted); }
#notice { position: fixed; left: 0; right: 0; bottom: 0; z-index: 3; margin: 0; padding: 6px var(--hp-page-padding); background: var(--hp-tooltip-bg); color: var(--hp-tooltip-fg); border-top: 1px solid var(--hp-tooltip-border); cursor: pointer; }
.hotpath-flame-crumbs { min-height: 20px; margin-bottom: 4px; }
.hotpath-flame-crumb { border: 0; background: none; color: var(--hp-link); cursor: pointer; padding: 0 2px; text-decoration: underline; }
.hotpath-flame-crumb-separator { color: var(--hp-muted); padding: 0 2px; }
.hotpath-flame-canvas { display: block; outline: none; }
.hotpath-flame-canvas:focus-visible { outline: 1px solid var(--hp-focus); }
.hotpath-flame-status { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.hotpath-flame-tooltip { position: absolute; z-index: 2; pointer-events: none; max-width: 520px; padding: 6px 8px; border-radius: 4px; background: var(--hp-tooltip-bg); color: var(--hp-tooltip-fg); border: 1px solid var(--hp-tooltip-border); box-shadow: 0 2px 8px rgba(0,0,0,.3); overflow-wrap: anywhere; }
.hotpath-flame-tooltip-name { font-weight: 600; }
`;

const THEMES = {
  /** The standalone HTML report: light or dark with the system. */
  standalone: `
:root { color-scheme: light dark; --hp-page-padding: 24px; --hp-font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  --hp-bg: #ffffff; --hp-fg: #1e1e1e; --hp-muted: #616161; --hp-line: #e0e0e0; --hp-error: #c72e0f;
  --hp-badge-bg: #e8743b; --hp-badge-fg: #fff; --hp-link: inherit; --hp-focus: #0066cc; --hp-picked: rgba(0, 102, 204, .12);
  --hp-button-bg: #e0e0e0; --hp-button-fg: #1e1e1e; --hp-input-bg: #ffffff; --hp-input-fg: #1e1e1e; --hp-input-border: #c0c0c0;
  --hp-tooltip-bg: #252526; --hp-tooltip-fg: #f0f0f0; --hp-tooltip-border: transparent; }
@media (prefers-color-scheme: dark) { :root { --hp-bg: #1e1e1e; --hp-fg: #d4d4d4; --hp-muted: #a0a0a0; --hp-line: #3c3c3c;
  --hp-error: #f48771; --hp-button-bg: #3c3c3c; --hp-button-fg: #d4d4d4; --hp-input-bg: #252526; --hp-input-fg: #d4d4d4; --hp-input-border: #555555; } }
`,
  /** A webview of the editor: VS Code's theme colours and font. */
  editor: `
:root { --hp-page-padding: 8px 12px; --hp-font: var(--vscode-font-size) var(--vscode-font-family);
  --hp-bg: transparent; --hp-fg: var(--vscode-foreground); --hp-muted: var(--vscode-descriptionForeground); --hp-line: var(--vscode-widget-border, transparent);
  --hp-error: var(--vscode-errorForeground); --hp-badge-bg: var(--vscode-badge-background); --hp-badge-fg: var(--vscode-badge-foreground);
  --hp-link: var(--vscode-textLink-foreground); --hp-focus: var(--vscode-focusBorder); --hp-picked: var(--vscode-list-inactiveSelectionBackground);
  --hp-button-bg: var(--vscode-button-secondaryBackground); --hp-button-fg: var(--vscode-button-secondaryForeground);
  --hp-input-bg: var(--vscode-input-background); --hp-input-fg: var(--vscode-input-foreground); --hp-input-border: var(--vscode-input-border, transparent);
  --hp-tooltip-bg: var(--vscode-editorHoverWidget-background); --hp-tooltip-fg: var(--vscode-editorHoverWidget-foreground); --hp-tooltip-border: var(--vscode-editorHoverWidget-border); }
`,
} as const;

/** The stylesheet of a report page, for where it is shown. */
export function reportStyle(theme: keyof typeof THEMES): string {
  return THEMES[theme] + LAYOUT;
}
