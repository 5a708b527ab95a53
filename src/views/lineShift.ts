/** How hot lines follow edits of their document: pure, so that it is tested without VS Code. */

/** A hot line where it is now (0-based; -1 once edited away) and the text it had. */
export interface TrackedLine {
  line: number;
  text: string;
  /** The line it had in the profile (0-based): where it is looked for once lost (after a revert). */
  home?: number;
}

/**
 * Moves tracked lines through one document change: lines below the edited range shift by the
 * lines it added or removed; a line inside a multi-line edit is gone.
 */
export function shiftLines(
  tracked: TrackedLine[],
  change: { startLine: number; endLine: number; insertedLines: number },
): void {
  const delta = change.insertedLines - (change.endLine - change.startLine);
  for (const t of tracked) {
    if (t.line < 0 || t.line < change.startLine) continue;
    if (t.line > change.endLine) t.line += delta;
    else if (change.endLine !== change.startLine || change.insertedLines !== 0) {
      // The edit spans lines around this one: it survives only as the first line of the edit.
      if (t.line !== change.startLine) t.line = -1;
    }
  }
}

/** How far a line that no longer reads as it did is looked for (Enter at its start moves it down). */
const NEAR = 3;

/**
 * Keeps `t` on a line that still reads as it did: where it is, or the nearest line within a few
 * that does (non-blank text only), or its line in the profile if that reads so again (the file
 * was reverted); otherwise it is gone (-1) for now.
 */
export function reanchor(t: TrackedLine, textAt: (line: number) => string | undefined): void {
  if (t.line >= 0 && textAt(t.line) === t.text) return;
  if (t.line >= 0 && t.text.trim() !== '')
    for (let k = 1; k <= NEAR; k++)
      for (const candidate of [t.line + k, t.line - k])
        if (textAt(candidate) === t.text) {
          t.line = candidate;
          return;
        }
  t.line = t.home !== undefined && textAt(t.home) === t.text ? t.home : -1;
}
