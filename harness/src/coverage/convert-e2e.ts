import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import convert from 'ast-v8-to-istanbul';
import libCoverage, { type CoverageMap } from 'istanbul-lib-coverage';
import { compiledSource, sameLines } from './compiled-source.ts';
import { ignoreTsxHelpers } from './ignore-tsx-helpers.ts';
import { readRawCoverage, type V8FunctionCoverage } from './raw-v8.ts';
import { sourceFiles } from './source-files.ts';
import { sameCode, type TransformedSource, transformLikeTsx } from './transform-like-tsx.ts';

type ConvertOptions = Parameters<typeof convert>[0];

/**
 * The raw V8 coverage of a run's processes as istanbul maps of the TypeScript sources, written
 * as coverage-final.json and coverage-summary.json beside each other. It converts with
 * ast-v8-to-istanbul, the converter of vitest's v8 provider, rather than c8's v8-to-istanbul:
 * c8 counts every line as a statement, vitest counts AST statements, and the union of the two
 * (merged by location) would add incomparable items. Files never loaded count as all uncovered,
 * as vitest counts them.
 *
 * A file runs in one of two forms: compiled by tsc into engine/dist (what the `omendb` command and
 * `@omendb/engine` run once built), mapped back through the .js.map tsc wrote beside it; or
 * transformed by tsx from engine/src (the tests, a tree not built yet). Each form that ran is
 * converted and the maps merged; a file that never ran is counted in its compiled form when there
 * is a current build (the form a readiness run executes), else in tsx's.
 */

export interface E2eConversion {
  readonly finalPath: string;
  readonly summaryPath: string;
  /** Raw files read (processes and threads). */
  readonly rawFiles: number;
  /** Source files that ran in at least one process. */
  readonly loadedFiles: number;
  readonly totalFiles: number;
  /** Files whose code could not be made again exactly (counted as never loaded), with why. */
  readonly skipped: readonly string[];
}

export async function convertE2eCoverage(options: {
  readonly rawDir: string;
  readonly outDir: string;
  readonly repoRoot: string;
  /** The covered tree, relative to repoRoot (default engine/src). */
  readonly include?: string;
}): Promise<E2eConversion> {
  const includeDir = resolve(options.repoRoot, options.include ?? join('engine', 'src'));
  const compiledDir = join(dirname(includeDir), 'dist');
  const prefix = pathToFileURL(includeDir + sep).href;
  const compiledPrefix = pathToFileURL(compiledDir + sep).href;
  const raw = await readRawCoverage(
    options.rawDir,
    (url) =>
      (url.startsWith(prefix) && url.endsWith('.ts')) ||
      (url.startsWith(compiledPrefix) && url.endsWith('.js')),
  );
  const { parseAstAsync } = await import('vitest/node');
  const map = libCoverage.createCoverageMap({});
  const skipped: string[] = [];
  let loadedFiles = 0;
  const files = await sourceFiles(includeDir);
  for (const path of files) {
    const url = pathToFileURL(path).href;
    const compiled = await compiledSource(path, includeDir, compiledDir);
    const forms: {
      code: string;
      map: TransformedSource['map'];
      url: string;
      functions: readonly V8FunctionCoverage[];
    }[] = [];
    const script = raw.scripts.get(url);
    if (script !== undefined) {
      const transformed = await transformLikeTsx(path);
      const lineLengths = raw.sourceMaps.get(url)?.lineLengths;
      if (lineLengths !== undefined && sameCode(transformed.code, lineLengths))
        forms.push({ ...transformed, url, functions: script.functions });
      else skipped.push(`${path}: the code that ran differs from esbuild's (another tsx?)`);
    }
    const compiledScript = compiled === undefined ? undefined : raw.scripts.get(compiled.url);
    if (compiled !== undefined && compiledScript !== undefined) {
      const lineLengths = raw.sourceMaps.get(compiled.url)?.lineLengths;
      if (!compiled.current)
        skipped.push(`${path}: engine/dist was built from an older version (npm run build)`);
      else if (lineLengths !== undefined && !sameLines(compiled.code, lineLengths))
        skipped.push(`${path}: the compiled code that ran is not the one in engine/dist now`);
      else
        forms.push({
          code: compiled.code,
          map: compiled.map,
          url: compiled.url,
          functions: compiledScript.functions,
        });
    }
    // A file that never ran is counted in the sources' form, the form of coverage runs and of
    // vitest's map: its compiled form lands on other columns, and a union with either would count
    // each of its items twice (one lane's server files, compiled, merged with another lane's run
    // ones, halved the e2e share of engine/src/server in a readiness run).
    if (forms.length > 0) loadedFiles += 1;
    else forms.push({ ...(await transformLikeTsx(path)), url, functions: [] });
    for (const form of forms) {
      const data = await convert({
        code: form.code,
        // Our own types of the same JSON shapes (esbuild's and tsc's maps, V8's ranges).
        sourceMap: form.map as ConvertOptions['sourceMap'],
        ast: parseAstAsync(form.code),
        coverage: { functions: form.functions as ConvertOptions['coverage']['functions'], url: form.url },
        wrapperLength: 0,
        ignoreNode: ignoreTsxHelpers,
      });
      map.merge(data);
    }
  }
  await mkdir(options.outDir, { recursive: true });
  const finalPath = join(options.outDir, 'coverage-final.json');
  const summaryPath = join(options.outDir, 'coverage-summary.json');
  await writeFile(finalPath, JSON.stringify(map.toJSON()));
  await writeFile(summaryPath, JSON.stringify(jsonSummary(map)));
  return {
    finalPath,
    summaryPath,
    rawFiles: raw.files,
    loadedFiles,
    totalFiles: files.length,
    skipped,
  };
}

/** istanbul's json-summary: the total, then every file by path. */
export function jsonSummary(map: CoverageMap): Record<string, unknown> {
  const out: Record<string, unknown> = { total: map.getCoverageSummary().toJSON() };
  for (const file of map.files()) out[file] = map.fileCoverageFor(file).toSummary().toJSON();
  return out;
}
