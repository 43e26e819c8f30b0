import { OmenDbError } from '../errors.ts';
import type { FileSystem } from '../fs/file-system.ts';
import { backupBytesMax, backupFilesMax } from '../limits.ts';
import { linkOrCopy, requireEmptyTarget } from './backup-files.ts';
import {
  type BackupContent,
  type BackupFile,
  backupFormat,
  backupFormatVersion,
  backupManifestName,
  backupSegmentDir,
  encodeBackupManifest,
} from './backup-manifest.ts';
import { encodeManifest, manifestFileName, writeFileAtomic } from './manifest.ts';
import { crc32 } from 'node:zlib';
import type { CheckpointedFiles } from './engine-types.ts';

/**
 * What a backup reads: the engine's `withCheckpointedFiles` view (the data directory, its file
 * system, and the manifest of one checkpoint, whose segments stay on disk while the view is used).
 */
export type CheckpointedView = CheckpointedFiles;

export interface BackupSummary {
  readonly out: string;
  readonly checkpointSeq: string;
  readonly files: number;
  readonly bytes: number;
  /** Segments hard-linked rather than copied. */
  readonly linked: number;
}

/** The MANIFEST exactly as the engine writes it, and the file list of the view, within the limits. */
export function backupContent(view: CheckpointedView): { manifestBytes: Uint8Array; content: BackupContent } {
  const manifestBytes = encodeManifest(view.manifest);
  const files: BackupFile[] = [
    { name: manifestFileName, bytes: manifestBytes.length, crc32: crc32(manifestBytes) },
    ...view.manifest.segments.map((record) => ({
      name: `${backupSegmentDir}/${record.file}`,
      bytes: record.bytes,
      crc32: record.crc32,
    })),
  ];
  const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
  if (files.length > backupFilesMax || bytes > backupBytesMax)
    throw new OmenDbError(
      'OMENDB_ERR_BACKUP_TOO_LARGE',
      `the database has ${files.length} files and ${bytes} bytes: over backupFilesMax or backupBytesMax`,
      { files: files.length, bytes },
    );
  return { manifestBytes, content: { checkpointSeq: view.manifest.checkpointSeq.toString(), files } };
}

/**
 * BACKUP.json last (temp file, fsync, rename, fsync of the directory): its presence marks a
 * complete backup. Returns the backup's summary (`linked`: segments hard-linked, not copied).
 */
export async function sealBackup(
  fs: FileSystem,
  out: string,
  content: BackupContent,
  source: string,
  linked: number,
): Promise<BackupSummary> {
  const bytes = encodeBackupManifest({
    format: backupFormat,
    version: backupFormatVersion,
    createdAt: new Date().toISOString(),
    source,
    ...content,
  });
  await writeFileAtomic(fs, out, `${backupManifestName}.tmp`, backupManifestName, bytes);
  return {
    out,
    checkpointSeq: content.checkpointSeq,
    files: content.files.length,
    bytes: content.files.reduce((sum, file) => sum + file.bytes, 0),
    linked,
  };
}

/**
 * Writes a backup of `view` into `out` (which must not exist or be empty), on the same file
 * system: each segment hard-linked where possible, else copied, and checked against the size and
 * CRC32 the manifest records; then MANIFEST; then BACKUP.json. Call it inside withCheckpointedFiles.
 */
export async function writeBackup(
  view: CheckpointedView,
  out: string,
  source: string,
): Promise<BackupSummary> {
  const { fs } = view;
  await requireEmptyTarget(fs, out, 'OMENDB_ERR_BACKUP_TARGET_NOT_EMPTY');
  const { manifestBytes, content } = backupContent(view);
  await fs.mkdir(`${out}/${backupSegmentDir}`);
  let linked = 0;
  for (const file of content.files) {
    if (file.name === manifestFileName) continue;
    const how = await linkOrCopy(fs, `${view.dir}/${file.name}`, `${out}/${file.name}`, file);
    if (how === 'link') linked++;
  }
  await fs.syncDir(`${out}/${backupSegmentDir}`);
  await writeFileAtomic(fs, out, `${manifestFileName}.tmp`, manifestFileName, manifestBytes);
  return sealBackup(fs, out, content, source, linked);
}
