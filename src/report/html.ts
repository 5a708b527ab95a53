/**
 * The standalone HTML report: one file, no network, a strict CSP. Every string of the run
 * travels as JSON in a non-executing script element and reaches the page through
 * `textContent` or canvas drawing, never as HTML.
 */
import { randomBytes } from 'node:crypto';
import type { ReportData } from '../protocol/flame';

/** JSON that is safe inside a <script type="application/json"> element. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1e1e1e; --muted: #616161; --line: #e0e0e0; }
@media (prefers-color-scheme: dark) { :root { --bg: #1e1e1e; --fg: #d4d4d4; --muted: #a0a0a0; --line: #3c3c3c; } }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 24px 0 8px; }
#subtitle { color: var(--muted); margin: 0 0 16px; }
#verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #e8743b; color: #fff; font-weight: 600; text-transform: uppercase; font-size: 11px; margin-right: 8px; }
table { border-collapse: collapse; }
td, th { padding: 3px 12px 3px 0; text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 500; }
td { overflow-wrap: anywhere; }
#functions td:first-child, #lines td:last-child { max-width: 36em; }
th, #functions td:nth-child(2), #functions td:nth-child(3), #lines td:nth-child(2) { white-space: nowrap; }
#summary td:first-child { color: var(--muted); }
.hotpath-flame { position: relative; --hotpath-flame-text: #1e1e1e; }
.hotpath-flame-toolbar { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; }
.hotpath-flame-search { min-width: 260px; padding: 3px 6px; }
.hotpath-flame-matches { color: var(--muted); }
.hotpath-flame-crumbs { min-height: 22px; margin-bottom: 4px; }
.hotpath-flame-crumb { border: 0; background: none; color: inherit; cursor: pointer; padding: 0 2px; text-decoration: underline; }
.hotpath-flame-crumb-separator { color: var(--muted); padding: 0 2px; }
.hotpath-flame-canvas { display: block; outline: none; }
.hotpath-flame-canvas:focus-visible { outline: 2px solid #0066cc; }
.hotpath-flame-status { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.hotpath-flame-tooltip { position: absolute; z-index: 2; pointer-events: none; max-width: 520px; padding: 6px 8px; border-radius: 4px; background: #252526; color: #f0f0f0; font-size: 12px; box-shadow: 0 2px 8px rgba(0,0,0,.3); overflow-wrap: anywhere; }
.hotpath-flame-tooltip-name { font-weight: 600; }
`;

export function renderHtmlReport(data: ReportData, pageScript: string): string {
  const nonce = randomBytes(18).toString('base64');
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src data:`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hotpath report</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main id="report"></main>
<script type="application/json" id="hotpath-data">${scriptSafeJson(data)}</script>
<script nonce="${nonce}">${pageScript.replace(/<\/script/gi, '<\\/script')}</script>
</body>
</html>
`;
}
