import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository these tests run in (the facts' "repo as it is"). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A temporary repository root holding the given files (path relative to the root -> text). */
export async function fixtureRepo(files: Readonly<Record<string, string>>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'omendb-facts-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

export async function removeFixture(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

/** A stand-in bin that prints `help` (or exits with `exitCode`), as `node <bin> --help` runs it. */
export function fakeBin(help: string, exitCode = 0): string {
  return `process.stdout.write(${JSON.stringify(help)});\nprocess.exitCode = ${exitCode};\n`;
}
