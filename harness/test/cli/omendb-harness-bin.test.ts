import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/omendb-harness.js', import.meta.url));

/** The real command, as a user runs it: node on the bin, from the repository root. */
async function harness(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the omendb-harness command', () => {
  it('lists the registered scenarios and exits 0', async () => {
    const { code, stdout } = await harness(['list']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^canary \(meta\)$/m);
    expect(stdout).toMatch(/^property-model \(correctness\)$/m);
  });

  it('exits 64 for bad usage, with the reason on stderr', async () => {
    const { code, stderr } = await harness(['run', 'no-such-scenario']);
    expect(code).toBe(64);
    expect(stderr).toMatch(/unknown scenario no-such-scenario/);
  });
});
