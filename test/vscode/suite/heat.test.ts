/**
 * Heat in a real VS Code: a line's colour is its share of the whole run, so a file whose hottest
 * line is 0.4 % of the run looks cold, while a line at half the run is the hottest level.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HotpathApi } from '../../../src/extension';

const ID = 'hotpath.hotpath';

function api(): HotpathApi {
  return vscode.extensions.getExtension(ID)?.exports as HotpathApi;
}

suite('Heat on a fixed scale', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(ID)?.activate();
  });

  test('a file whose hottest line is 0.4 % of the run gets the palest heat, not the hottest', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);
    const hot = path.join(workspace, 'hot.js');
    const cold = path.join(workspace, 'cold.js');
    const body = ['function f() {', '  let x = 0;', '  x += 1;', '  return x;', '}', ''].join('\n');
    fs.writeFileSync(hot, body);
    fs.writeFileSync(cold, body);
    // 1,000 samples of 1 ms: hot.js:3 takes 500 (50 %), cold.js:3 takes 4 (0.4 %), cold.js:2
    // takes 3 (0.3 %), the rest is idle.
    const frame = (id: number, url: string, ticks: { line: number; ticks: number }[]) => ({
      id,
      callFrame: { functionName: 'f', url, lineNumber: 0, columnNumber: 0 },
      children: [],
      positionTicks: ticks,
    });
    const samples = [
      ...Array.from({ length: 500 }, () => 2),
      ...Array.from({ length: 7 }, () => 3),
      ...Array.from({ length: 493 }, () => 4),
    ];
    const profile = {
      nodes: [
        {
          id: 1,
          callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 },
          children: [2, 3, 4],
        },
        frame(2, `file://${hot}`, [{ line: 3, ticks: 500 }]),
        frame(3, `file://${cold}`, [
          { line: 3, ticks: 4 },
          { line: 2, ticks: 3 },
        ]),
        {
          id: 4,
          callFrame: { functionName: '(idle)', url: '', lineNumber: -1, columnNumber: -1 },
          children: [],
        },
      ],
      startTime: 0,
      endTime: samples.length * 1000,
      samples,
      timeDeltas: samples.map(() => 1000),
    };
    const file = path.join(workspace, 'cold.cpuprofile');
    fs.writeFileSync(file, JSON.stringify(profile));
    await vscode.commands.executeCommand('hotpath.openProfile', vscode.Uri.file(file));

    const coldDocument = await vscode.workspace.openTextDocument(cold);
    await vscode.window.showTextDocument(coldDocument);
    // Levels, palest first: both of cold.js's lines (0.4 % and 0.3 %) at level 1, none above.
    assert.deepEqual(api().hotLineLevels(coldDocument), [2, 0, 0, 0, 0], 'cold.js looks cold');
    // The hovers' markdown, as the text it shows (appendText escapes spaces and brackets).
    const hovers = api()
      .hotLineHovers(coldDocument)
      .map((h) => ({ value: h.value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1') }));
    assert.ok(
      hovers.some((h) => h.value.includes('0.4 %') && h.value.includes('Heat 1 of 5')),
      hovers.map((h) => h.value).join('\n'),
    );
    assert.ok(
      hovers.every((h) => h.value.includes("share of the whole run's time")),
      'the hover says what the colour means',
    );

    const hotDocument = await vscode.workspace.openTextDocument(hot);
    assert.deepEqual(
      api().hotLineLevels(hotDocument),
      [0, 0, 0, 0, 1],
      'half the run is the hottest',
    );
    await vscode.commands.executeCommand('hotpath.clearResults');
  });
});
