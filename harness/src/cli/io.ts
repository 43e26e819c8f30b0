import type { Scenario } from '../runner/scenario.ts';

/** Where the CLI writes, and what it runs: the process's streams and the scenario registry,
 * replaceable in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly scenarios: readonly Scenario[];
  /** Resolves relative paths (--out); default process.cwd(). */
  readonly cwd: string;
}

export const exitCodes = {
  passed: 0,
  checkFailed: 1,
  crashed: 2,
  usage: 64,
} as const;
