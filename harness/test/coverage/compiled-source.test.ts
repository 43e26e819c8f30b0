import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledSource, sameLines } from '../../src/coverage/compiled-source.ts';
import { convertE2eCoverage } from '../../src/coverage/convert-e2e.ts';

const run = promisify(execFile);

// The same file as convert-e2e.test.ts runs through tsx: both forms must count the same items.
const used = `export function used(flag: boolean): number {
  if (flag) return 1;
  return 2;
}

export function unused(): number {
  return 3;
}
`;

let root: string;
let src: string;
let dist: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'omendb-compiled-'));
  src = join(root, 'engine', 'src', 'm');
  dist = join(root, 'engine', 'dist', 'm');
  await mkdir(src, { recursive: true });
  await mkdir(dist, { recursive: true });
  await writeFile(join(root, 'package.json'), '{"type": "module"}');
  await writeFile(join(src, 'a.ts'), used);
  // As engine/tsconfig.build.json emits it: a .js, its .js.map beside it with the source inlined.
  const out = ts.transpileModule(used, {
    fileName: 'a.ts',
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2023,
      sourceMap: true,
      inlineSources: true,
    },
  });
  const map = JSON.parse(out.sourceMapText ?? '{}') as { sources: string[] };
  map.sources = ['../../src/m/a.ts'];
  await writeFile(join(dist, 'a.js'), out.outputText.replace(/a\.js\.map/, 'a.js.map'));
  await writeFile(join(dist, 'a.js.map'), JSON.stringify(map));
  const script = `const m = await import('${pathToFileURL(join(dist, 'a.js')).href}'); m.used(true);`;
  await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NODE_V8_COVERAGE: join(root, 'raw') },
  });
}, 30_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Summary = Record<
  string,
  Record<'statements' | 'branches' | 'functions', { covered: number; total: number }>
>;

describe('coverage of the compiled engine/dist', () => {
  it('maps back to engine/src through the emitted source map, counting what tsx runs would', async () => {
    const result = await convertE2eCoverage({
      rawDir: join(root, 'raw'),
      outDir: join(root, 'out'),
      repoRoot: root,
    });
    expect(result.skipped).toEqual([]);
    expect(result.loadedFiles).toBe(1);
    const summary = JSON.parse(await readFile(result.summaryPath, 'utf8')) as Summary;
    expect(Object.keys(summary).filter((k) => k.includes('dist'))).toEqual([]);
    const a = summary[join(src, 'a.ts')]!;
    expect(a.statements).toMatchObject({ covered: 2, total: 4 });
    expect(a.functions).toMatchObject({ covered: 1, total: 2 });
    expect(a.branches).toMatchObject({ covered: 1, total: 2 });
  });

  it('refuses a build older than its source instead of mapping it onto the wrong lines', async () => {
    await writeFile(join(src, 'a.ts'), `// edited since the build\n${used}`);
    try {
      expect(
        (await compiledSource(join(src, 'a.ts'), join(root, 'engine', 'src'), join(root, 'engine', 'dist')))
          ?.current,
      ).toBe(false);
      const result = await convertE2eCoverage({
        rawDir: join(root, 'raw'),
        outDir: join(root, 'out2'),
        repoRoot: root,
      });
      expect(result.loadedFiles).toBe(0);
      expect(result.skipped).toEqual([expect.stringContaining('older version')]);
    } finally {
      await writeFile(join(src, 'a.ts'), used);
    }
  });

  it("counts a file that never ran in the sources' form, built or not, so that maps of several runs merge item by item", async () => {
    const never = 'export function never(flag: boolean): number {\n  return flag ? 1 : 2;\n}\n';
    await writeFile(join(src, 'c.ts'), never);
    const statementsOfC = async (out: string) => {
      const result = await convertE2eCoverage({
        rawDir: join(root, 'raw'),
        outDir: join(root, out),
        repoRoot: root,
      });
      const final = JSON.parse(await readFile(result.finalPath, 'utf8')) as Record<
        string,
        { statementMap: unknown }
      >;
      return final[join(src, 'c.ts')]!.statementMap;
    };
    try {
      const unbuilt = await statementsOfC('out-unbuilt');
      const compiled = ts.transpileModule(never, {
        fileName: 'c.ts',
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2023,
          sourceMap: true,
          inlineSources: true,
        },
      });
      await writeFile(join(dist, 'c.js'), compiled.outputText);
      await writeFile(join(dist, 'c.js.map'), compiled.sourceMapText ?? '{}');
      expect(await statementsOfC('out-built')).toEqual(unbuilt);
    } finally {
      await rm(join(src, 'c.ts'));
      await rm(join(dist, 'c.js'), { force: true });
      await rm(join(dist, 'c.js.map'), { force: true });
    }
  });

  it('has no compiled form for a source never built', async () => {
    await writeFile(join(src, 'b.ts'), 'export const b = 1;\n');
    try {
      expect(
        await compiledSource(join(src, 'b.ts'), join(root, 'engine', 'src'), join(root, 'engine', 'dist')),
      ).toBeUndefined();
    } finally {
      await rm(join(src, 'b.ts'));
    }
  });

  it('compares every line of the compiled file with the lines V8 saw', () => {
    expect(sameLines('ab\nc', [2, 1])).toBe(true);
    expect(sameLines('ab\nc', [2, 1, 0])).toBe(false);
    expect(sameLines('ab\nc', [2, 2])).toBe(false);
  });
});
