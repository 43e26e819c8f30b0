import { OmenDbError } from '../errors.ts';
import { type FileSystem, fsErrorCode } from '../fs/file-system.ts';
import { NodeFileSystem } from '../fs/node-file-system.ts';
import { type BackupSummary, writeBackup } from '../storage/backup-writer.ts';
import { openEngine } from '../engine.ts';
import { manifestFileName } from '../storage/manifest.ts';

/**
 * `omendb backup --data DIR --out OUT`: opens the engine on DIR (taking its lock, so a running
 * server's directory is refused with OMENDB_ERR_DIR_LOCKED, and replaying the WAL, so writes not
 * yet in a segment are in the backup too), checkpoints, writes the backup, closes.
 */
export async function backupDirectory(
  data: string,
  out: string,
  fs: FileSystem = new NodeFileSystem(),
): Promise<BackupSummary> {
  // openEngine creates what is missing: a typo, or a directory that holds no database, must not
  // become a new, empty database (with files written into it) and a backup of nothing.
  let names: string[];
  try {
    names = await fs.list(data);
  } catch (error) {
    const code = fsErrorCode(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    throw new OmenDbError('OMENDB_ERR_INPUT_OPTIONS', `data directory ${data} does not exist`, {
      option: 'dir',
      dir: data,
    });
  }
  if (!names.includes(manifestFileName))
    throw new OmenDbError('OMENDB_ERR_INPUT_OPTIONS', `${data} holds no OmenDB database (no MANIFEST)`, {
      option: 'dir',
      dir: data,
    });
  const engine = await openEngine({ dir: data, fs, autoMaintenance: false });
  try {
    return await engine.withCheckpointedFiles((view) => writeBackup(view, out, `data:${data}`));
  } finally {
    await engine.close();
  }
}
