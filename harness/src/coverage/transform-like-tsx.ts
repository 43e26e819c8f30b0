import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';

/**
 * The code tsx ran for a TypeScript file, made again: V8's offsets point into that code, not into
 * the .ts file, and the raw coverage keeps only the code's line lengths and source map. tsx
 * (4.x) transforms with esbuild under these options; `sameCode` compares the line lengths V8
 * recorded, so a different tsx (other options, other output) is caught, never silently mis-mapped.
 */

export interface TransformedSource {
  readonly code: string;
  readonly map: { version: number; mappings: string; sources: string[]; sourcesContent?: string[] };
}

export async function transformLikeTsx(path: string): Promise<TransformedSource> {
  const source = await readFile(path, 'utf8');
  const out = await transform(source, {
    target: `node${process.versions.node}`,
    loader: 'ts',
    format: 'esm',
    sourcefile: path,
    sourcemap: true,
    sourcesContent: true,
    minifyWhitespace: true,
    keepNames: true,
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, target: 'ES2023' } },
  });
  return { code: out.code, map: JSON.parse(out.map) as TransformedSource['map'] };
}

/**
 * True when `code` has the lines V8 saw. tsx appends an inline source-map comment (one more
 * line), so only the lines of `code` itself are compared, the last one (the comment's start) aside.
 */
export function sameCode(code: string, lineLengths: readonly number[]): boolean {
  const ours = code.split('\n').map((line) => line.length);
  if (lineLengths.length < ours.length - 1) return false;
  for (let i = 0; i < ours.length - 1; i += 1) if (ours[i] !== lineLengths[i]) return false;
  return true;
}
