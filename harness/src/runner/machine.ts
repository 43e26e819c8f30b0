import { execFile } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gitRevParseTimeoutMs } from '../limits.ts';
import { repoRootUrl } from '../repo-paths.ts';

const repoRoot = fileURLToPath(repoRootUrl);

/** Where a run happened: enough to tell two results' machines apart. */
export interface MachineFacts {
  readonly cores: number;
  readonly memoryBytes: number;
  readonly nodeVersion: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpuModel: string;
}

export function machineFacts(): MachineFacts {
  return {
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  };
}

const run = promisify(execFile);

/** The commit the harness runs from (`git rev-parse HEAD`), or null outside a git checkout. */
export async function gitCommit(cwd: string = repoRoot): Promise<string | null> {
  try {
    const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd, timeout: gitRevParseTimeoutMs });
    const commit = stdout.trim();
    return /^[0-9a-f]{40}$/.test(commit) ? commit : null;
  } catch {
    return null;
  }
}
