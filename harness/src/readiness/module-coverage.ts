import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { OmenDbError } from '@omendb/engine';
import libCoverage, {
  type CoverageMap,
  type CoverageMapData,
  type FileCoverageData,
} from 'istanbul-lib-coverage';
import { coverageFinalBytesMax } from '../limits.ts';
import type { CoverageCounts, ModuleCoverage } from './types.ts';

/**
 * Per module: unit (vitest), e2e (the scenarios' processes, `run --coverage`) and their union,
 * each summed from covered/total counts of istanbul's coverage-final.json maps (never averaged
 * percentages). The union is the two maps merged by istanbul-lib-coverage: an item covered by
 * either counts as covered. Both maps come from ast-v8-to-istanbul (vitest's v8 provider, and
 * harness/src/coverage/convert-e2e.ts), so their items are the same AST nodes of the same files.
 */
export const coverageModules = [
  // The Engine facade composes storage, index and query, so it sits above them, on its own.
  'engine/src/engine.ts',
  'engine/src/storage',
  'engine/src/index',
  'engine/src/query',
  'engine/src/server',
  'engine/src/cli',
  'engine/src/fs',
] as const;

const metrics = ['statements', 'branches', 'functions', 'lines'] as const;

export async function moduleCoverage(options: {
  /** coverage-final.json of the unit tests, or null when there is none. */
  readonly unitFinal: string | null;
  /** coverage-final.json of the scenario processes, or null. */
  readonly e2eFinal: string | null;
  readonly repoRoot: string;
}): Promise<ModuleCoverage[]> {
  const unit = await loadMap(options.unitFinal, options.repoRoot);
  const e2e = await loadMap(options.e2eFinal, options.repoRoot);
  let union: CoverageMap | null = null;
  if (unit !== null || e2e !== null) {
    // Copies: merging shares and then mutates the first map's file objects.
    union = libCoverage.createCoverageMap({});
    if (unit !== null) union.merge(JSON.parse(JSON.stringify(unit)) as CoverageMapData);
    if (e2e !== null) union.merge(JSON.parse(JSON.stringify(e2e)) as CoverageMapData);
  }
  return coverageModules.map((module) => ({
    module,
    unit: countsOf(unit, module),
    e2e: countsOf(e2e, module),
    union: countsOf(union, module),
  }));
}

/** The map with every file keyed by its path relative to the repository (posix), or null when absent. */
async function loadMap(path: string | null, repoRoot: string): Promise<CoverageMap | null> {
  if (path === null) return null;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (size > coverageFinalBytesMax)
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
      `${path} is over ${coverageFinalBytesMax} bytes`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new OmenDbError('OMENDB_ERR_HARNESS_EVIDENCE_INVALID', `${path} is not JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new OmenDbError('OMENDB_ERR_HARNESS_EVIDENCE_INVALID', `${path} is not an istanbul coverage map`);
  const rekeyed: Record<string, FileCoverageData> = {};
  for (const [file, data] of Object.entries(parsed as Record<string, FileCoverageData>)) {
    const key = repoRelative(file, repoRoot);
    if (key !== null) rekeyed[key] = { ...data, path: key };
  }
  try {
    return libCoverage.createCoverageMap(rekeyed);
  } catch (error) {
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
      `${path} is not an istanbul coverage map: ${(error as Error).message}`,
    );
  }
}

/**
 * A file's path relative to the repository, '/'-separated; a path from another checkout (a CI
 * machine's) is cut at its last engine/src/. Null for files outside every module (harness, tests).
 */
export function repoRelative(file: string, repoRoot: string): string | null {
  let rel = isAbsolute(file) ? relative(repoRoot, file) : file;
  rel = rel.split(sep).join('/');
  if (rel.startsWith('../') || isAbsolute(rel)) {
    const at = rel.lastIndexOf('/engine/src/');
    if (at < 0) return null;
    rel = rel.slice(at + 1);
  }
  return coverageModules.some((m) => inModule(rel, m)) ? rel : null;
}

/** A module is a directory (every file under it) or one file. */
function inModule(file: string, module: string): boolean {
  return file === module || file.startsWith(`${module}/`);
}

function countsOf(map: CoverageMap | null, module: string): CoverageCounts | null {
  if (map === null) return null;
  const files = map.files().filter((f) => inModule(f, module));
  if (files.length === 0) return null;
  const sums = {
    statements: { covered: 0, total: 0 },
    branches: { covered: 0, total: 0 },
    functions: { covered: 0, total: 0 },
    lines: { covered: 0, total: 0 },
  };
  for (const file of files) {
    const summary = map.fileCoverageFor(file).toSummary();
    for (const metric of metrics) {
      sums[metric].covered += summary[metric].covered;
      sums[metric].total += summary[metric].total;
    }
  }
  return sums;
}
