import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import convert from 'ast-v8-to-istanbul';
import libCoverage, { type CoverageMap } from 'istanbul-lib-coverage';
import { ignoreTsxHelpers } from './ignore-tsx-helpers.ts';
import { readRawCoverage, type V8FunctionCoverage } from './raw-v8.ts';
import { sourceFiles } from './source-files.ts';
import { sameCode, transformLikeTsx } from './transform-like-tsx.ts';

type ConvertOptions = Parameters<typeof convert>[0];

/**
 * The raw V8 coverage of a run's processes as istanbul maps of the TypeScript sources, written
 * as coverage-final.json and coverage-summary.json beside each other. It converts with
 * ast-v8-to-istanbul, the converter of vitest's v8 provider, rather than c8's v8-to-istanbul:
 * c8 counts every line as a statement, vitest counts AST statements, and the union of the two
 * (merged by location) would add incomparable items. Files never loaded count as all uncovered,
 * as vitest counts them.
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
  const prefix = pathToFileURL(includeDir + sep).href;
  const raw = await readRawCoverage(options.rawDir, (url) => url.startsWith(prefix) && url.endsWith('.ts'));
  const { parseAstAsync } = await import('vitest/node');
  const map = libCoverage.createCoverageMap({});
  const skipped: string[] = [];
  let loadedFiles = 0;
  const files = await sourceFiles(includeDir);
  for (const path of files) {
    const url = pathToFileURL(path).href;
    const script = raw.scripts.get(url);
    const transformed = await transformLikeTsx(path);
    let functions: readonly V8FunctionCoverage[] = [];
    if (script !== undefined) {
      const lineLengths = raw.sourceMaps.get(url)?.lineLengths;
      if (lineLengths !== undefined && sameCode(transformed.code, lineLengths)) {
        functions = script.functions;
        loadedFiles += 1;
      } else skipped.push(`${path}: the code that ran differs from esbuild's (another tsx?)`);
    }
    const data = await convert({
      code: transformed.code,
      // Our own types of the same JSON shapes (esbuild's map, V8's ranges).
      sourceMap: transformed.map as ConvertOptions['sourceMap'],
      ast: parseAstAsync(transformed.code),
      coverage: { functions: functions as ConvertOptions['coverage']['functions'], url },
      wrapperLength: 0,
      ignoreNode: ignoreTsxHelpers,
    });
    map.merge(data);
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
