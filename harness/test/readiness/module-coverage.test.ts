import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coverageModules, moduleCoverage, repoRelative } from '../../src/readiness/module-coverage.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-modcov-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const loc = (line: number) => ({ start: { line, column: 0 }, end: { line, column: null } });

/** An istanbul file: statements on lines 1..n with the given hit counts; one function, one if. */
function file(path: string, hits: number[], fnHits = 0, branch: [number, number] = [0, 0]) {
  return {
    path,
    statementMap: Object.fromEntries(hits.map((_, i) => [String(i), loc(i + 1)])),
    s: Object.fromEntries(hits.map((h, i) => [String(i), h])),
    fnMap: { '0': { name: 'f', decl: loc(1), loc: loc(1), line: 1 } },
    f: { '0': fnHits },
    branchMap: { '0': { type: 'if', loc: loc(2), locations: [loc(2), loc(3)], line: 2 } },
    b: { '0': branch },
  };
}

async function write(name: string, files: ReturnType<typeof file>[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(Object.fromEntries(files.map((f) => [f.path, f]))));
  return path;
}

const root = '/repo';

describe('moduleCoverage', () => {
  it('sums counts per module for unit, e2e and their union (covered by either)', async () => {
    const unitFinal = await write('unit.json', [
      file('/repo/engine/src/storage/a.ts', [1, 0, 0, 0], 1, [1, 0]),
      file('/repo/engine/src/storage/b.ts', [0, 0], 0, [0, 0]),
      file('/repo/engine/src/index/c.ts', [3, 3]),
      file('/repo/harness/src/x.ts', [1]),
    ]);
    // Another checkout's paths (a CI machine's): cut at engine/src.
    const e2eFinal = await write('e2e.json', [
      file('/ci/clone/engine/src/storage/a.ts', [0, 2, 0, 0], 0, [0, 4]),
      file('/ci/clone/engine/src/server/d.ts', [1, 0, 0]),
    ]);
    const result = await moduleCoverage({ unitFinal, e2eFinal, repoRoot: root });
    expect(result.map((m) => m.module)).toEqual([...coverageModules]);
    const storage = result.find((m) => m.module === 'engine/src/storage')!;
    expect(storage.unit?.statements).toEqual({ covered: 1, total: 6 });
    expect(storage.e2e?.statements).toEqual({ covered: 1, total: 4 });
    expect(storage.union?.statements).toEqual({ covered: 2, total: 6 });
    expect(storage.union?.branches).toEqual({ covered: 2, total: 4 });
    expect(storage.union?.functions).toEqual({ covered: 1, total: 2 });
    expect(storage.union?.lines).toEqual({ covered: 2, total: 6 });
    const index = result.find((m) => m.module === 'engine/src/index')!;
    expect(index.unit?.statements).toEqual({ covered: 2, total: 2 });
    expect(index.e2e).toBeNull();
    expect(index.union?.statements).toEqual({ covered: 2, total: 2 });
    const server = result.find((m) => m.module === 'engine/src/server')!;
    expect(server.unit).toBeNull();
    expect(server.union?.statements).toEqual({ covered: 1, total: 3 });
    expect(result.find((m) => m.module === 'engine/src/fs')).toEqual({
      module: 'engine/src/fs',
      unit: null,
      e2e: null,
      union: null,
    });
  });

  it('gives null everywhere without evidence (no path, or a missing file)', async () => {
    const result = await moduleCoverage({
      unitFinal: null,
      e2eFinal: join(dir, 'absent.json'),
      repoRoot: root,
    });
    for (const m of result) expect([m.unit, m.e2e, m.union]).toEqual([null, null, null]);
  });

  it('refuses a file that is not an istanbul map with OMENDB_ERR_HARNESS_EVIDENCE_INVALID', async () => {
    const notJson = join(dir, 'bad.json');
    await writeFile(notJson, '{');
    const notMap = join(dir, 'array.json');
    await writeFile(notMap, '[1]');
    const broken = join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ '/repo/engine/src/fs/x.ts': { path: 'x' } }));
    for (const unitFinal of [notJson, notMap, broken])
      await expect(moduleCoverage({ unitFinal, e2eFinal: null, repoRoot: root })).rejects.toMatchObject({
        code: 'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
      });
  });
});

describe('repoRelative', () => {
  it('keeps module files only, relative and posix', () => {
    expect(repoRelative('/repo/engine/src/cli/main.ts', root)).toBe('engine/src/cli/main.ts');
    expect(repoRelative('engine/src/fs/f.ts', root)).toBe('engine/src/fs/f.ts');
    expect(repoRelative('/elsewhere/x/engine/src/query/q.ts', root)).toBe('engine/src/query/q.ts');
    expect(repoRelative('/repo/engine/src/errors.ts', root)).toBeNull();
    // A module of one file: the Engine facade, and nothing that merely starts with its name.
    expect(repoRelative('/repo/engine/src/engine.ts', root)).toBe('engine/src/engine.ts');
    expect(repoRelative('/repo/engine/src/engine.tsx', root)).toBeNull();
    expect(repoRelative('/repo/harness/src/a.ts', root)).toBeNull();
    expect(repoRelative('/elsewhere/a.ts', root)).toBeNull();
  });
});
