import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OmenDbError } from '@omendb/engine';
import { coverageSourceDepthMax, coverageSourceFilesMax } from '../limits.ts';

/** Every .ts file under `dir` (declarations aside), sorted: the files a coverage map must list. */
export async function sourceFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(current: string, depth: number): Promise<void> {
    if (depth > coverageSourceDepthMax) return;
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        found.push(path);
        if (found.length > coverageSourceFilesMax)
          throw new OmenDbError(
            'OMENDB_ERR_HARNESS_USAGE',
            `more than ${coverageSourceFilesMax} source files under ${dir}`,
          );
      }
    }
  }
  await walk(dir, 0);
  return found.sort();
}
