import { execFile } from 'node:child_process';
import { engineBin } from '../adapters/http/engine-bin.ts';
import { checkCommandOutputBytesMax, checkCommandTimeoutMs } from '../limits.ts';

/**
 * Runs `omendb check --data DIR` as a user does: the engine package's own bin under this Node,
 * in its own process. Its exit code is the verdict (0 clean, 1 problems found); the JSON report
 * on stdout says why.
 */

export interface CheckRun {
  /** The exit code, or null when the process was killed (its time ran out). */
  readonly exitCode: number | null;
  /** report.ok from stdout, or undefined when stdout was not a report. */
  readonly reportOk: boolean | undefined;
  /** Registry codes of the problems the report lists. */
  readonly problemCodes: readonly string[];
}

export function runOmendbCheck(dir: string, timeoutMs = checkCommandTimeoutMs): Promise<CheckRun> {
  const bin = engineBin();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin.binPath, 'check', '--data', dir],
      { cwd: bin.packageDir, timeout: timeoutMs, maxBuffer: checkCommandOutputBytesMax, encoding: 'utf8' },
      (error, stdout) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ exitCode: code, ...parseReport(stdout) });
      },
    );
  });
}

function parseReport(stdout: string): Pick<CheckRun, 'reportOk' | 'problemCodes'> {
  try {
    const report = JSON.parse(stdout) as { ok?: unknown; problems?: { code?: unknown }[] };
    return {
      reportOk: typeof report.ok === 'boolean' ? report.ok : undefined,
      problemCodes: (report.problems ?? []).map((p) => String(p.code)),
    };
  } catch {
    return { reportOk: undefined, problemCodes: [] };
  }
}
