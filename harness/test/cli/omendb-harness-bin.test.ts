import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/omendb-harness.js', import.meta.url));

/** The real command, as a user runs it: node on the bin, from the repository root. */
async function harness(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The repository's script paths (from the root) an `omendb-harness list` process ran, from its V8 coverage. */
async function scriptsRun(env: NodeJS.ProcessEnv): Promise<string[]> {
  const raw = await mkdtemp(join(tmpdir(), 'omendb-harness-bin-'));
  try {
    const { code, stderr } = await harness(['list'], { ...env, NODE_V8_COVERAGE: raw });
    expect(code, stderr).toBe(0);
    const root = new URL('../../../', import.meta.url).href;
    const paths: string[] = [];
    for (const name of await readdir(raw)) {
      const parsed = JSON.parse(await readFile(join(raw, name), 'utf8')) as { result: { url: string }[] };
      for (const { url } of parsed.result) if (url.startsWith(root)) paths.push(url.slice(root.length));
    }
    return paths;
  } finally {
    await rm(raw, { recursive: true, force: true });
  }
}

describe('the omendb-harness command', () => {
  it('a process a test spawns runs harness/src and scenarios/ (the source condition reaches it)', async () => {
    const paths = await scriptsRun(process.env);
    expect(paths).toContain('harness/src/cli/main.ts');
    expect(paths).toContain('scenarios/index.ts');
    expect(paths.filter((p) => p.startsWith('harness/dist/'))).toEqual([]);
  });

  it("a user's process runs the compiled harness/dist with plain Node, tsx and sources never loaded", async () => {
    expect(
      existsSync(join(repoRoot, 'harness', 'dist', 'harness', 'src', 'cli', 'main.js')),
      'harness/dist: run npm run build',
    ).toBe(true);
    const { NODE_OPTIONS: _source, ...userEnv } = process.env;
    const paths = await scriptsRun(userEnv);
    expect(paths).toContain('harness/dist/harness/src/cli/main.js');
    expect(paths).toContain('harness/dist/scenarios/index.js');
    expect(paths).toContain('engine/dist/index.js');
    const sources = paths.filter(
      (p) => /^(harness\/src|scenarios|engine\/src)\//.test(p) || p.includes('/tsx/'),
    );
    expect(sources).toEqual([]);
  });

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
