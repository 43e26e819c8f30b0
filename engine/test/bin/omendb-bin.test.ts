import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OmenDbError as viaPackage } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { OmenDbError } from '../../src/errors.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/omendb.js', import.meta.url));
const engineDir = fileURLToPath(new URL('../../', import.meta.url));

/** The engine's script URLs a `omendb --help` process ran, from its V8 coverage. */
async function scriptsRun(env: NodeJS.ProcessEnv): Promise<string[]> {
  const raw = await mkdtemp(join(tmpdir(), 'omendb-bin-'));
  try {
    await run(process.execPath, [bin, '--help'], { env: { ...env, NODE_V8_COVERAGE: raw } });
    const urls: string[] = [];
    for (const name of await readdir(raw)) {
      const parsed = JSON.parse(await readFile(join(raw, name), 'utf8')) as { result: { url: string }[] };
      urls.push(
        ...parsed.result.map((s) => s.url).filter((u) => u.includes('/engine/') || u.includes('/tsx/')),
      );
    }
    return urls;
  } finally {
    await rm(raw, { recursive: true, force: true });
  }
}

describe('the omendb command and the package it runs', () => {
  it('tests import the TypeScript sources through @omendb/engine, never engine/dist', () => {
    expect(viaPackage).toBe(OmenDbError);
  });

  it('a process a test spawns runs engine/src (the source condition reaches it)', async () => {
    const urls = await scriptsRun(process.env);
    expect(urls.some((u) => u.endsWith('/engine/src/cli/main.ts'))).toBe(true);
    expect(urls.filter((u) => u.includes('/engine/dist/'))).toEqual([]);
  });

  it("a user's process runs the compiled engine/dist with plain Node, tsx never loaded", async () => {
    expect(existsSync(join(engineDir, 'dist', 'cli', 'main.js')), 'engine/dist: run npm run build').toBe(
      true,
    );
    const { NODE_OPTIONS: _source, ...userEnv } = process.env;
    const urls = await scriptsRun(userEnv);
    expect(urls.some((u) => u.endsWith('/engine/dist/cli/main.js'))).toBe(true);
    expect(urls.filter((u) => u.includes('/engine/src/') || u.includes('/tsx/'))).toEqual([]);
  });
});
