import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertE2eCoverage } from '../../src/coverage/convert-e2e.ts';
import { sameCode } from '../../src/coverage/transform-like-tsx.ts';

const run = promisify(execFile);
// tsx's ESM API (the `import` condition; require.resolve would give its CommonJS one).
const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
const tsxApi = pathToFileURL(join(tsxDir, 'dist', 'esm', 'api', 'index.mjs')).href;

const used = `export function used(flag: boolean): number {
  if (flag) return 1;
  return 2;
}

export function unused(): number {
  return 3;
}
`;

let root: string;
let rawDir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-e2ecov-'));
  await mkdir(join(root, 'engine', 'src', 'm'), { recursive: true });
  // ESM, as the repository is.
  await writeFile(join(root, 'package.json'), '{"type": "module"}');
  await writeFile(join(root, 'engine', 'src', 'm', 'a.ts'), used);
  await writeFile(join(root, 'engine', 'src', 'm', 'b.ts'), 'export const never = 1;\n');
  await writeFile(join(root, 'engine', 'src', 'm', 'types.d.ts'), 'export type T = 1;\n');
  rawDir = join(root, 'raw');
  // A process as the harness starts them: tsx's loader, NODE_V8_COVERAGE in its environment.
  const script = `import { register } from '${tsxApi}'; register();
const m = await import('${pathToFileURL(join(root, 'engine', 'src', 'm', 'a.ts')).href}'); m.used(true);`;
  await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NODE_V8_COVERAGE: rawDir },
  });
  // A process killed mid-write leaves a cut file: it is passed over.
  await writeFile(join(rawDir, 'coverage-1-2-3.json'), '{"result": [');
}, 30_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Summary = Record<
  string,
  Record<'statements' | 'branches' | 'functions', { covered: number; total: number }>
>;

describe('convertE2eCoverage', () => {
  it('maps the run back to the TypeScript AST, without tsx helpers, never-loaded files as uncovered', async () => {
    const outDir = join(root, 'out');
    const result = await convertE2eCoverage({ rawDir, outDir, repoRoot: root });
    expect(result.loadedFiles).toBe(1);
    expect(result.totalFiles).toBe(2);
    expect(result.skipped).toEqual([]);
    const summary = JSON.parse(await readFile(result.summaryPath, 'utf8')) as Summary;
    const a = summary[join(root, 'engine', 'src', 'm', 'a.ts')]!;
    // if, return 1, return 2, return 3: keepNames' __name calls would add more.
    expect(a.statements).toMatchObject({ covered: 2, total: 4 });
    expect(a.functions).toMatchObject({ covered: 1, total: 2 });
    expect(a.branches).toMatchObject({ covered: 1, total: 2 });
    expect(summary[join(root, 'engine', 'src', 'm', 'b.ts')]!.statements).toMatchObject({
      covered: 0,
      total: 1,
    });
    expect(summary.total!.statements).toMatchObject({ covered: 2, total: 5 });
    const final = JSON.parse(await readFile(result.finalPath, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(final).sort()).toEqual(
      Object.keys(summary)
        .filter((k) => k !== 'total')
        .sort(),
    );
  });

  it('refuses to map a file whose code changed since it ran, and says which', async () => {
    await writeFile(join(root, 'engine', 'src', 'm', 'a.ts'), `// changed\n${used}export const more = 4;\n`);
    const result = await convertE2eCoverage({ rawDir, outDir: join(root, 'out2'), repoRoot: root });
    expect(result.loadedFiles).toBe(0);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]).toMatch(/a\.ts/);
    await writeFile(join(root, 'engine', 'src', 'm', 'a.ts'), used);
  });
});

describe('sameCode', () => {
  it('compares every line but the last (where tsx appends its source map comment)', () => {
    expect(sameCode('ab\ncde\n', [2, 3, 40])).toBe(true);
    expect(sameCode('ab\ncde\n', [2, 4, 40])).toBe(false);
    expect(sameCode('ab\ncde\n', [2])).toBe(false);
  });
});
