import { readFile, writeFile } from 'node:fs/promises';
import libCoverage, { type CoverageMapData } from 'istanbul-lib-coverage';

/**
 * Several istanbul coverage-final.json maps of one source (one per --in directory or per shard)
 * merged into one with istanbul-lib-coverage (hits summed per item), because moduleCoverage takes
 * one map per source.
 */

export function mergeCoverageMaps(maps: readonly CoverageMapData[]): CoverageMapData {
  const merged = libCoverage.createCoverageMap({});
  for (const map of maps) merged.merge(map);
  return merged.toJSON();
}

/** One map's path as it is, several merged into `target`; null when there is none. */
export async function oneCoverageFile(files: readonly string[], target: string): Promise<string | null> {
  if (files.length === 0) return null;
  if (files.length === 1) return files[0] as string;
  const maps = await Promise.all(
    files.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as CoverageMapData),
  );
  await writeFile(target, JSON.stringify(mergeCoverageMaps(maps)));
  return target;
}
