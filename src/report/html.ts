/**
 * The standalone HTML report: one file, no network, a strict CSP. Every string of the run
 * travels as JSON in a non-executing script element and reaches the page through
 * `textContent` or canvas drawing, never as HTML.
 */
import { randomBytes } from 'node:crypto';
import type { ReportData } from '../protocol/flame';
import { reportStyle } from './style';

/** JSON that is safe inside a <script type="application/json"> element. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

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
<style nonce="${nonce}">${reportStyle('standalone')}</style>
</head>
<body>
<main id="report"></main>
<script type="application/json" id="hotpath-data">${scriptSafeJson(data)}</script>
<script nonce="${nonce}">${pageScript.replace(/<\/script/gi, '<\\/script')}</script>
</body>
</html>
`;
}
