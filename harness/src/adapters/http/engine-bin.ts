import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The `omendb` command of the installed @omendb/engine package, found through its package.json
 * (never a path into engine/src): the harness runs exactly what a user runs.
 */

export interface EngineBin {
  /** The engine package's directory (the server runs with it as cwd, so tsx finds its config). */
  readonly packageDir: string;
  /** The absolute path of the `omendb` bin script. */
  readonly binPath: string;
  readonly version: string;
}

let cached: EngineBin | undefined;

export function engineBin(): EngineBin {
  if (cached !== undefined) return cached;
  const packageJsonPath = createRequire(import.meta.url).resolve('@omendb/engine/package.json');
  const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
    version: string;
    bin: { omendb: string };
  };
  const packageDir = dirname(packageJsonPath);
  cached = { packageDir, binPath: join(packageDir, manifest.bin.omendb), version: manifest.version };
  return cached;
}
