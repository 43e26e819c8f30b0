import { createRequire } from 'node:module';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OmenDbError } from '@omendb/engine';
import { coverageRawFileBytesMax, coverageRawFilesMax } from '../limits.ts';

/**
 * The files NODE_V8_COVERAGE makes (one per process and thread, written at exit): the block
 * coverage of every script, and for scripts with a source map (tsx's inline ones) the map and
 * the line lengths of the code that ran.
 */

export interface V8Range {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}
export interface V8FunctionCoverage {
  readonly functionName: string;
  readonly ranges: readonly V8Range[];
  readonly isBlockCoverage: boolean;
}
export interface V8ScriptCoverage {
  readonly scriptId: string;
  readonly url: string;
  readonly functions: readonly V8FunctionCoverage[];
}
export interface SourceMapCacheEntry {
  readonly lineLengths: readonly number[];
  readonly data: { readonly version: number; readonly mappings: string; readonly sources: string[] } | null;
}

/** Per script URL: the block coverage of every process that ran it, merged (counts add). */
export interface RawCoverage {
  readonly scripts: ReadonlyMap<string, V8ScriptCoverage>;
  readonly sourceMaps: ReadonlyMap<string, SourceMapCacheEntry>;
  readonly files: number;
}

// c8's own merge (a dependency of c8): V8 ranges of several processes into one tree per script.
const { mergeProcessCovs } = createRequire(import.meta.url)('@bcoe/v8-coverage') as {
  mergeProcessCovs(processes: { result: V8ScriptCoverage[] }[]): { result: V8ScriptCoverage[] };
};

export async function readRawCoverage(dir: string, keepUrl: (url: string) => boolean): Promise<RawCoverage> {
  const names = (await readdir(dir)).filter((n) => /^coverage-.*\.json$/.test(n)).sort();
  if (names.length > coverageRawFilesMax)
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
      `${dir} holds ${names.length} raw coverage files, more than ${coverageRawFilesMax}`,
    );
  const processes: { result: V8ScriptCoverage[] }[] = [];
  const sourceMaps = new Map<string, SourceMapCacheEntry>();
  for (const name of names) {
    const path = join(dir, name);
    if ((await stat(path)).size > coverageRawFileBytesMax)
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
        `${path} is over ${coverageRawFileBytesMax} bytes`,
      );
    let parsed: { result?: V8ScriptCoverage[]; 'source-map-cache'?: Record<string, SourceMapCacheEntry> };
    try {
      parsed = JSON.parse(await readFile(path, 'utf8')) as typeof parsed;
    } catch {
      // A process killed while writing its file (SIGKILL lands mid-write) leaves it cut short:
      // that process's coverage is lost, the others still count.
      continue;
    }
    if (!Array.isArray(parsed.result)) continue;
    processes.push({ result: parsed.result.filter((s) => keepUrl(s.url)) });
    for (const [url, entry] of Object.entries(parsed['source-map-cache'] ?? {}))
      if (keepUrl(url) && !sourceMaps.has(url)) sourceMaps.set(url, entry);
  }
  const merged = processes.length === 0 ? { result: [] } : mergeProcessCovs(processes);
  return {
    scripts: new Map(merged.result.map((s) => [s.url, s])),
    sourceMaps,
    files: names.length,
  };
}
