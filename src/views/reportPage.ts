/**
 * The page of Hotpath's webviews (the report panel and the .cpuprofile editor): no VS Code import,
 * so that tests load it in Chromium. Strict CSP: scripts only with the page's nonce, no inline
 * handlers, no other origin; the report arrives later by message and is drawn as text.
 */

import { reportStyle } from '../report/style';

export function reportPageHtml(options: { nonce: string; scriptUri: string }): string {
  const { nonce, scriptUri } = options;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}';">
<style nonce="${nonce}">${reportStyle('editor')}</style></head>
<body><p id="notice" role="status" hidden></p><main id="report"></main>
<script nonce="${nonce}" src="${scriptUri}"></script></body></html>`;
}
