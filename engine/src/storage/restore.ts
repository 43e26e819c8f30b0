import { randomBytes } from 'node:crypto';
import { isOmenDbError } from '../errors.ts';
import { type FileSystem, fsErrorCode } from '../fs/file-system.ts';
import { NodeFileSystem } from '../fs/node-file-system.ts';
import { backupHeaderBytesMax } from '../limits.ts';
import { copyVerified, requireEmptyTarget, verifyFile } from './backup-files.ts';
import {
  type BackupManifest,
  backupCorrupt,
  backupManifestName,
  backupSegmentDir,
  checkAgainstManifest,
  decodeBackupManifest,
} from './backup-manifest.ts';
import { decodeManifest, type Manifest, manifestFileName } from './manifest.ts';

export interface RestoreSummary {
  readonly data: string;
  readonly checkpointSeq: string;
  readonly files: number;
  readonly bytes: number;
  readonly segments: number;
  readonly points: number;
}

/** BACKUP.json, read only up to one byte past its bound: a huge file is refused, never buffered. */
async function readBoundedFile(fs: FileSystem, path: string, max: number): Promise<Uint8Array> {
  const handle = await fs.open(path, 'read');
  try {
    return await handle.read(0, Math.min(await handle.size(), max + 1));
  } finally {
    await handle.close();
  }
}

async function readBackupManifest(fs: FileSystem, from: string): Promise<BackupManifest> {
  try {
    return decodeBackupManifest(
      await readBoundedFile(fs, `${from}/${backupManifestName}`, backupHeaderBytesMax),
    );
  } catch (error) {
    const code = fsErrorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw backupCorrupt(`${from} has no ${backupManifestName}: not a backup, or an incomplete one`, {
        dir: from,
      });
    throw error;
  }
}

/**
 * Verifies the backup in `from` without writing anything: BACKUP.json and its own checksum, the
 * size and CRC32 of every file it lists, the MANIFEST's checksum, and that the MANIFEST lists
 * exactly those segments with the same sizes and checksums. Throws OMENDB_ERR_BACKUP_CORRUPT.
 */
export async function verifyBackup(
  from: string,
  fs: FileSystem = new NodeFileSystem(),
): Promise<{ backup: BackupManifest; manifest: Manifest }> {
  const backup = await readBackupManifest(fs, from);
  for (const file of backup.files) await verifyFile(fs, `${from}/${file.name}`, file);
  let manifest: Manifest;
  try {
    manifest = decodeManifest(
      await fs.readFile(`${from}/${manifestFileName}`),
      `${from}/${manifestFileName}`,
    );
  } catch (error) {
    if (!isOmenDbError(error)) throw error;
    throw backupCorrupt(`the backup's MANIFEST is damaged: ${error.message}`, { file: manifestFileName });
  }
  checkAgainstManifest(backup, manifest);
  return { backup, manifest };
}

function splitPath(path: string): { parent: string; base: string } {
  const trimmed = path.replace(/\/+$/, '') || '/';
  const at = trimmed.lastIndexOf('/');
  if (at < 0) return { parent: '.', base: trimmed };
  return { parent: at === 0 ? '/' : trimmed.slice(0, at), base: trimmed.slice(at + 1) };
}

/**
 * `omendb restore --from BACKUP --data NEWDIR`: refuses a NEWDIR that is not empty, verifies the
 * whole backup before writing anything, then copies it into a temp directory beside NEWDIR
 * (checksumming again as it copies: a file that changed since is refused), adds an empty wal/,
 * fsyncs, and renames the temp directory to NEWDIR. A failure leaves NEWDIR as it was.
 */
export async function restoreBackup(
  from: string,
  data: string,
  fs: FileSystem = new NodeFileSystem(),
): Promise<RestoreSummary> {
  await requireEmptyTarget(fs, data, 'OMENDB_ERR_RESTORE_TARGET_NOT_EMPTY');
  const { backup, manifest } = await verifyBackup(from, fs);
  const { parent, base } = splitPath(data);
  await fs.mkdir(parent);
  const temp = `${parent}/.${base}.restore-${randomBytes(6).toString('hex')}`;
  try {
    await fs.mkdir(`${temp}/${backupSegmentDir}`);
    await fs.mkdir(`${temp}/wal`);
    for (const file of backup.files)
      await copyVerified(fs, `${from}/${file.name}`, `${temp}/${file.name}`, file);
    await fs.syncDir(`${temp}/${backupSegmentDir}`);
    await fs.syncDir(`${temp}/wal`);
    await fs.syncDir(temp);
    // Checked again just before: an empty directory is replaced by the rename, a full one is not.
    await requireEmptyTarget(fs, data, 'OMENDB_ERR_RESTORE_TARGET_NOT_EMPTY');
    await fs.rename(temp, data);
    await fs.syncDir(parent);
  } catch (error) {
    // The temp directory is ours alone (a random name): remove it whatever it holds.
    await fs.removeTree(temp);
    throw error;
  }
  return {
    data,
    checkpointSeq: backup.checkpointSeq,
    files: backup.files.length,
    bytes: backup.files.reduce((sum, file) => sum + file.bytes, 0),
    segments: manifest.segments.length,
    points: manifest.segments.reduce((sum, segment) => sum + segment.points, 0),
  };
}
