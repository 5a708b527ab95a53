/**
 * The page of Hotpath's webviews (the report panel and the .cpuprofile editor): no VS Code import,
 * so that tests load it in Chromium. Strict CSP: scripts only with the page's nonce, no inline
 * handlers, no other origin; the report arrives later by message and is drawn as text.
 */

const STYLE = `
body { padding: 8px 12px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
h1 { font-size: 1.25em; margin: 4px 0 2px; }
h2 { font-size: 1.05em; margin: 16px 0 6px; }
#subtitle { opacity: .75; margin: 0 0 10px; }
#verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); font-weight: 600; text-transform: uppercase; font-size: .8em; margin-right: 8px; }
table { border-collapse: collapse; }
td, th { padding: 2px 12px 2px 0; text-align: left; vertical-align: top; border-bottom: 1px solid var(--vscode-widget-border, transparent); }
th { opacity: .75; font-weight: 500; }
td { overflow-wrap: anywhere; }
#functions td:first-child, #lines td:last-child { max-width: 36em; }
th, #functions td:nth-child(2), #functions td:nth-child(3), #lines td:nth-child(2) { white-space: nowrap; }
#summary td:first-child { opacity: .75; }
.hotpath-error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
.hotpath-flame { position: relative;
  --hotpath-flame-text: var(--vscode-editor-background);
  --hotpath-flame-focus: var(--vscode-focusBorder); }
.hotpath-flame-toolbar { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; }
.hotpath-flame-toolbar button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: 0; padding: 3px 8px; cursor: pointer; }
.hotpath-flame-search { min-width: 240px; background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); padding: 3px 6px; }
.hotpath-flame-matches { opacity: .8; }
.hotpath-flame-crumbs { min-height: 20px; margin-bottom: 4px; }
.hotpath-flame-crumb { border: 0; background: none; color: var(--vscode-textLink-foreground); cursor: pointer; padding: 0 2px; }
.hotpath-flame-canvas { display: block; }
.hotpath-flame-canvas:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
.hotpath-flame-status { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.hotpath-flame-tooltip { position: absolute; z-index: 2; pointer-events: none; max-width: 520px; padding: 6px 8px; background: var(--vscode-editorHoverWidget-background); color: var(--vscode-editorHoverWidget-foreground); border: 1px solid var(--vscode-editorHoverWidget-border); overflow-wrap: anywhere; }
.hotpath-flame-tooltip-name { font-weight: 600; }
`;

export function reportPageHtml(options: { nonce: string; scriptUri: string }): string {
  const { nonce, scriptUri } = options;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}';">
<style nonce="${nonce}">${STYLE}</style></head>
<body><main id="report"></main>
<script nonce="${nonce}" src="${scriptUri}"></script></body></html>`;
}
