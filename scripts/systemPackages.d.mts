// Types of systemPackages.mjs, for the tests that import it.
export type Probe = { file: string } | { command: string };
export interface SystemPackage {
  name: string;
  why: string;
  probe: Probe;
}
export type Decision =
  | { action: 'none' }
  | { action: 'install'; packages: string[]; commands: string[][]; lines: string[] }
  | { action: 'stop'; message: string };
export const SYSTEM_PACKAGES: readonly SystemPackage[];
export function decide(situation: {
  missing: readonly SystemPackage[];
  root: boolean;
  aptGet: boolean;
  noInstall: boolean;
}): Decision;
