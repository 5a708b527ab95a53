/**
 * How a diagnosis says its numbers, files and parts: shares, milliseconds, a file's base name,
 * and the busy time's biggest parts in words.
 */
import type { Analysis } from './analyze';
import { breakdown, generatedLabel, isGeneratedWhat } from './breakdown';

export function percent(share: number): string {
  const value = share * 100;
  // 99.6 % is not 100 %: whole numbers only where rounding cannot say "all".
  return `${(value >= 10 && value < 99.5) || value >= 99.95 ? Math.round(value) : value.toFixed(1)} %`;
}

export function ms(value: number): string {
  return value >= 100
    ? `${Math.round(value).toLocaleString('en-US')} ms`
    : `${value.toFixed(1)} ms`;
}

/** A size in bytes: "1.1 GB", "1.1 MB", "38 KB", "12 B". */
export function size(value: number): string {
  if (value >= 1 << 30) return `${(value / (1 << 30)).toFixed(1)} GB`;
  if (value >= 1 << 20) return `${(value / (1 << 20)).toFixed(1)} MB`;
  if (value >= 1 << 10) return `${Math.round(value / (1 << 10))} KB`;
  return `${Math.round(value)} B`;
}

export function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

export function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The busy time's three biggest parts, in words: "your code 41 %, fastify 12 %, native 9 %". */
export function busyRows(analysis: Analysis): string {
  const rows = breakdown(analysis).filter((r) => r.kind !== 'idle');
  const label = (r: (typeof rows)[number]): string =>
    r.kind === 'user'
      ? 'your code'
      : r.kind === 'package'
        ? `${r.owner}`
        : r.kind === 'node'
          ? "Node's JavaScript"
          : r.kind === 'native'
            ? `native code (${r.names
                .slice(0, 2)
                .map((n) => n.name.replace(/^native code in /, ''))
                .join(', ')})`
            : r.kind === 'generated'
              ? r.owner !== undefined && isGeneratedWhat(r.owner)
                ? generatedLabel(r.owner)
                : `code generated at run time (run by ${r.owner})`
              : r.kind === 'gc'
                ? 'the garbage collector'
                : r.kind === 'hotpath'
                  ? "Hotpath's agent"
                  : 'unattributed';
  return rows
    .slice(0, 3)
    .map((r) => `${label(r)} ${percent(r.share)}`)
    .join(', ');
}
