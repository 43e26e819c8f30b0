import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { OmenDbError } from '@omendb/engine';
import { staticFactFileBytesMax, staticFactHelpMsMax } from '../../limits.ts';

/** The repository's own commands, as a user runs them from its root. */
export const engineBinPath = 'engine/bin/omendb.js';
export const harnessBinPath = 'harness/bin/omendb-harness.js';

/**
 * What `node <bin> --help` prints (stdout then stderr), run from the repository's root with a
 * bounded time and output. A failing command is OMENDB_ERR_HARNESS_UNAVAILABLE: its usage is not
 * evidence of anything.
 */
export function helpOutput(repoRoot: string, bin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(repoRoot, bin), '--help'],
      { cwd: repoRoot, timeout: staticFactHelpMsMax, maxBuffer: staticFactFileBytesMax, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error !== null)
          reject(
            new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', `node ${bin} --help failed: ${error.message}`, {
              stderr: stderr.slice(0, 2000),
            }),
          );
        else resolve(`${stdout}\n${stderr}`);
      },
    );
  });
}
