import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderHtmlReport, scriptSafeJson } from '../../src/report/html';
import { mdText } from '../../src/report/markdown';
import { bytes } from '../../src/report/units';

describe('text that reaches reports stays text', () => {
  test('JSON in a script element cannot close it or start markup', () => {
    const json = scriptSafeJson({ name: '</script><script>alert(1)</script>', sep: '\u2028' });
    assert.ok(!json.includes('<'), json);
    assert.deepEqual(JSON.parse(json), {
      name: '</script><script>alert(1)</script>',
      sep: '\u2028',
    });
  });

  test('the HTML report carries a nonce CSP and no inline handler', () => {
    const html = renderHtmlReport(
      {
        title: '<b>x</b>',
        subtitle: '',
        rows: [],
        diagnosis: { verdict: 'waiting', summary: '' },
        hotFunctions: [],
        hotLines: [],
        flame: {
          version: 1,
          title: '',
          mode: 'time',
          unit: 'us',
          functions: { names: [], files: [], lines: [], categories: [] },
          frames: { fn: [], parent: [], self: [], total: [] },
        },
      },
      'console.log("</script>")',
    );
    const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
    assert.ok(nonce, 'a script nonce');
    assert.match(html, new RegExp(`<script nonce="${nonce.replace(/[+/=]/g, '\\$&')}">`));
    assert.ok(!html.includes('<b>x</b>'));
    assert.ok(!/ on\w+=/.test(html), 'no inline event handler');
    assert.equal(
      html.match(/<\/script>/g)?.length,
      2,
      'the page script cannot end its element early',
    );
  });

  test('Markdown escapes markup and table pipes', () => {
    assert.equal(mdText('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
    assert.equal(mdText('a|b'), 'a\\|b');
    assert.equal(mdText('__init__ `x` [y](z)'), '\\_\\_init\\_\\_ \\`x\\` \\[y\\](z)');
    assert.equal(mdText('line\nbreak'), 'line break');
  });
});

describe('sizes', () => {
  test('a size per request, an estimate, is shown with few digits', () => {
    // Seen in a run: "909.5072509457756 B" in the allocation table.
    assert.equal(bytes(909.5072509457756), '910 B');
    assert.equal(bytes(12), '12 B');
    assert.equal(bytes(1536), '1.5 KB');
    assert.equal(bytes(340 * 1024 + 100), '340 KB');
    assert.equal(bytes(1.25 * (1 << 20)), '1.3 MB');
    assert.equal(bytes(3.4 * (1 << 30)), '3.4 GB');
  });
});
