import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const serveCommand = fileURLToPath(new URL('../../src/cli/serve-command.ts', import.meta.url));

/** The package directories under node_modules whose scripts a process importing `module` ran. */
async function packagesLoadedBy(module: string): Promise<Set<string>> {
  const raw = await mkdtemp(join(tmpdir(), 'omendb-imports-'));
  try {
    await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(module)});`],
      { env: { ...process.env, NODE_V8_COVERAGE: raw } },
    );
    const packages = new Set<string>();
    for (const name of await readdir(raw)) {
      const parsed = JSON.parse(await readFile(join(raw, name), 'utf8')) as { result: { url: string }[] };
      for (const { url } of parsed.result) {
        const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
        if (match?.[1] !== undefined) packages.add(match[1]);
      }
    }
    return packages;
  } finally {
    await rm(raw, { recursive: true, force: true });
  }
}

describe('what a server start imports', () => {
  it('everything `omendb serve` imports before it listens leaves apache-arrow out (loaded after, in the background)', async () => {
    const packages = await packagesLoadedBy(serveCommand);
    // The probe sees the server's own imports: a graph without fastify would prove nothing.
    expect(packages.has('fastify')).toBe(true);
    expect([...packages].filter((name) => name === 'apache-arrow' || name === 'flatbuffers')).toEqual([]);
  });
});
