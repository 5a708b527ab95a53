/**
 * The webview protocol: the messages between the extension host and its webviews (the report
 * panel and the .cpuprofile editor), and the packed report they carry. Types only, imported by
 * both sides (src/views/ and media/); each side switches on `type` exhaustively.
 */
import type { FlameData, ReportData } from './flame';

/** A flamegraph packed for a message (flameCodec.ts packs and unpacks it). */
export interface PackedFlame extends Omit<FlameData, 'frames' | 'functions'> {
  packed: 1;
  count: number;
  /** fn, then parent: `count` each. */
  ints: Int32Array;
  /** self, total, then before (diff mode): `count` each. */
  floats: Float64Array;
  /**
   * The functions as a handful of values, not one per string: VS Code walks every value of a
   * message (for its buffers), and 200,000 short strings cost it far more than one long one.
   */
  functions: {
    /** Every name, then every file, then every file as shown (when given), end to end. */
    text: string;
    /** The length of each name, then of each file (then of each shown file), in UTF-16 units. */
    lengths: Int32Array;
    lines: Int32Array;
    /** Indexes into FLAME_CATEGORIES. */
    categories: Uint8Array;
  };
}

/** A report whose flamegraphs are packed. */
export type PackedReport = Omit<ReportData, 'flame' | 'waits'> & {
  flame: PackedFlame;
  waits?: Omit<NonNullable<ReportData['waits']>, 'flame'> & { flame?: PackedFlame };
};

/** Messages from the extension host to the flamegraph panel (and the profile editor). */
export type ToPanel =
  /** The report, its flamegraphs packed (flameCodec.ts): the tree travels as binary. */
  | { type: 'show'; report: PackedReport }
  | { type: 'focus'; name: string; file?: string }
  /** The locks section in view, the row of the lock named `lock` marked (the ⏳ lens). */
  | { type: 'showWaits'; lock?: string }
  /** What is being read, until its report or its error comes. */
  | { type: 'reading'; what: string }
  /** What the panel waits for, said in the host's words (a run going on), until a report comes. */
  | { type: 'status'; message: string }
  | { type: 'error'; message: string }
  /** A quiet line above the report (a source that cannot be opened); empty clears it. */
  | { type: 'notice'; message: string }
  /**
   * Picks `thread` (absent: all threads) in the page's choice of thread, as a user would: the
   * page then asks for it as it does on a user's choice (the test API drives the page so).
   */
  | { type: 'chooseThread'; thread?: string };

/** Messages from the flamegraph panel to the extension host. */
export type FromPanel =
  /** The page is ready; with the thread it shows, when it kept one across a reload. */
  | { type: 'ready'; thread?: string }
  /**
   * The panel drew a report: its title, how many frames its flamegraph holds and painted, and
   * whether the tree came as typed arrays (binary), as sent; the page's section headings and,
   * when it has one, its allocations' sentence and functions, as the page holds them.
   */
  | {
      type: 'shown';
      title: string;
      frames: number;
      drawnFrames: number;
      binary: boolean;
      headings: string[];
      allocations?: { summary: string; functions: string[] };
      /** The hot functions' names, as the page's table lists them. */
      functions?: string[];
      /** The page's choice of thread, when it has one: its label, its options, the one chosen. */
      threadChoice?: { label: string; options: string[]; chosen: string };
    }
  | { type: 'openSource'; file: string; line: number }
  /** The user chose a thread of the profile (its label), or all of them (absent). */
  | { type: 'thread'; thread?: string };

/** What the renderer tells its host when a frame is clicked (sent as `openSource`). */
export interface OpenSourceRequest {
  file: string;
  line: number;
}
