import type { Dirent } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { OmenDbError } from '@omendb/engine';
import { staticFactDirDepthMax, staticFactFileBytesMax, staticFactFilesMax } from '../../limits.ts';

/** Bounded reads of the repository's text files for the static facts. */

export interface TextFile {
  /** Relative to the repository's root, '/'-separated. */
  readonly path: string;
  readonly text: string;
}

/** A UTF-8 file, refused (OMENDB_ERR_HARNESS_EVIDENCE_INVALID) past staticFactFileBytesMax; ENOENT when missing. */
export async function readTextBounded(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > staticFactFileBytesMax)
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
        `${path} is ${size} bytes, more than the ${staticFactFileBytesMax} a static fact reads`,
      );
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Entries of a directory, or none when it does not exist (a repository without scenarios/test). */
async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Every file under `dirs` (relative to `root`) whose name ends with `suffix`, read, sorted by
 * path; node_modules and dot directories are skipped. Past staticFactFilesMax files or
 * staticFactDirDepthMax levels, OMENDB_ERR_HARNESS_EVIDENCE_INVALID: a partial count would lie.
 */
export async function readTree(root: string, dirs: readonly string[], suffix: string): Promise<TextFile[]> {
  const paths: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > staticFactDirDepthMax)
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
        `${dir} is nested deeper than ${staticFactDirDepthMax}`,
      );
    for (const entry of await entriesOf(dir)) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, depth + 1);
      else if (entry.isFile() && entry.name.endsWith(suffix)) {
        if (paths.length >= staticFactFilesMax)
          throw new OmenDbError(
            'OMENDB_ERR_HARNESS_EVIDENCE_INVALID',
            `more than ${staticFactFilesMax} ${suffix} files`,
          );
        paths.push(path);
      }
    }
  };
  for (const dir of dirs) await walk(join(root, dir), 0);
  paths.sort();
  const files: TextFile[] = [];
  for (const path of paths)
    files.push({ path: relative(root, path).split('\\').join('/'), text: await readTextBounded(path) });
  return files;
}
