import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The compiled JavaScript tsc emitted for a TypeScript source (engine/src/x/y.ts ->
 * engine/dist/x/y.js and its .js.map): what the `omendb` command runs. The map carries the
 * TypeScript it was built from (inlineSources), so a build older than the source is told apart
 * and never mapped onto lines it did not come from.
 */

export interface CompiledSource {
  readonly url: string;
  readonly code: string;
  readonly map: { version: number; mappings: string; sources: string[]; sourcesContent?: string[] };
  /** False when the source changed since the build (`npm run build` makes it current again). */
  readonly current: boolean;
}

export async function compiledSource(
  sourcePath: string,
  sourceDir: string,
  compiledDir: string,
): Promise<CompiledSource | undefined> {
  const path = join(compiledDir, relative(sourceDir, sourcePath)).replace(/\.ts$/, '.js');
  let code: string;
  let mapText: string;
  try {
    [code, mapText] = await Promise.all([readFile(path, 'utf8'), readFile(`${path}.map`, 'utf8')]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const map = JSON.parse(mapText) as CompiledSource['map'];
  const source = await readFile(sourcePath, 'utf8');
  return { url: pathToFileURL(path).href, code, map, current: map.sourcesContent?.[0] === source };
}

/** True when `code` has exactly the lines V8 saw (the whole file: nothing is appended to it). */
export function sameLines(code: string, lineLengths: readonly number[]): boolean {
  const ours = code.split('\n').map((line) => line.length);
  return ours.length === lineLengths.length && ours.every((length, i) => length === lineLengths[i]);
}
