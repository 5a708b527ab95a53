/** The breakdown of the window (where the time went) as rows of text, for every surface. */
import type { BreakdownRow } from '../profile/breakdown';
import { share } from './units';

/** A breakdown row in words: what it is, its share, and the heaviest names in it. */
export interface BreakdownText {
  label: string;
  share: string;
  detail: string;
}

/**
 * The breakdown as rows of text, every row kept so that they add up to the whole window (a
 * row under 0.05 % reads 0.0 % but is there): for the CLI, the Markdown and HTML reports.
 */
const SMALL_ROW = 0.005;

export function breakdownRows(rows: readonly BreakdownRow[]): BreakdownText[] {
  const label = (row: BreakdownRow): string => {
    switch (row.kind) {
      case 'user':
        return 'your code';
      case 'package':
        return `${row.owner} (package)`;
      case 'node':
        return "Node's JavaScript";
      case 'native':
        return 'native code and V8 built-ins';
      case 'generated':
        return `generated code, run by ${row.owner}`;
      case 'gc':
        return 'garbage collector';
      case 'idle':
        return 'idle';
      case 'hotpath':
        return "Hotpath's agent";
      case 'unattributed':
        return 'unattributed (V8: program)';
      default: {
        const never: never = row.kind;
        return never;
      }
    }
  };
  const named = (row: BreakdownRow) =>
    row.kind === 'gc' || row.kind === 'idle' || row.kind === 'unattributed'
      ? ''
      : row.names.map((n) => `${n.name} ${share(n.share)}`).join(', ');
  // Rows under half a per cent go to one row of their own, so that the rows still add up.
  const shown = rows.filter((row) => row.share >= SMALL_ROW);
  const rest = rows.filter((row) => row.share < SMALL_ROW);
  const restShare = rest.reduce((sum, row) => sum + row.share, 0);
  return [
    ...shown.map((row) => ({ label: label(row), share: share(row.share), detail: named(row) })),
    ...(rest.length > 0
      ? [
          {
            label: `${rest.length} more, each under ${share(SMALL_ROW)}`,
            share: share(restShare),
            detail: rest
              .slice(0, 4)
              .map((row) => label(row))
              .join(', '),
          },
        ]
      : []),
  ];
}
