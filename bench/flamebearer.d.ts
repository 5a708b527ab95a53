/** The two functions of flamebearer 2's importer that the benchmark calls. */
declare module 'flamebearer' {
  interface Thread {
    nodes: Map<number, unknown>;
  }
  export function parseInput(buffer: Buffer, filename: string): { threads: Thread[] };
  export function buildHotLines(thread: Thread, ids: number[]): unknown[];
}
