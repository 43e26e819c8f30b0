import { OmenDbError } from '../errors.ts';
import { backupDirectory } from './backup-offline.ts';
import { receiveBackup } from '../storage/backup-receive.ts';
import { requireEmptyTarget } from '../storage/backup-files.ts';
import { NodeFileSystem } from '../fs/node-file-system.ts';
import { backupUrl, requestBackup } from './backup-request.ts';
import { parseCommandFlags } from './command-flags.ts';
import { backupUsage } from './usage.ts';

/**
 * `omendb backup`: a consistent copy of a database into OUT (a new or empty directory): the
 * MANIFEST, the segments it lists and BACKUP.json (every file with its size and CRC32, written
 * last). Prints a JSON summary.
 */
export async function backupCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const flags = parseCommandFlags(argv, ['data', 'url', 'out'], backupUsage);
  const out = flags.out;
  if (out === undefined || (flags.data === undefined) === (flags.url === undefined))
    throw new OmenDbError(
      'OMENDB_ERR_CONFIG_INVALID',
      `give --out and one of --data or --url\n${backupUsage}`,
    );
  const started = performance.now();
  let summary: object;
  if (flags.data !== undefined) summary = await backupDirectory(flags.data, out);
  else {
    const url = backupUrl(flags.url!);
    // Refused before the server checkpoints and starts sending.
    await requireEmptyTarget(new NodeFileSystem(), out, 'OMENDB_ERR_BACKUP_TARGET_NOT_EMPTY');
    summary = await receiveBackup(await requestBackup(url, env), out, `url:${url.origin}`);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ ok: true, ...summary, seconds })}\n`);
  return 0;
}
