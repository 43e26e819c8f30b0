import { crc32 } from 'node:zlib';
import { type ErrorCode, OmenDbError } from '../errors.ts';
import { type FileHandle, type FileSystem, fsErrorCode } from '../fs/file-system.ts';
import { backupCopyChunkBytes } from '../limits.ts';
import { type BackupFile, backupCorrupt } from './backup-manifest.ts';

/** File helpers shared by backup and restore: target checks, checksums, checked copies. */

/**
 * A backup or a restore writes only into a path that does not exist yet or is an empty
 * directory: it never overwrites or mixes with files already there.
 */
export async function requireEmptyTarget(fs: FileSystem, dir: string, code: ErrorCode): Promise<void> {
  let names: string[];
  try {
    names = await fs.list(dir);
  } catch (error) {
    const fsCode = fsErrorCode(error);
    if (fsCode === 'ENOENT') return;
    if (fsCode === 'ENOTDIR') throw new OmenDbError(code, `${dir} is a file, not a directory`, { dir });
    throw error;
  }
  if (names.length > 0) throw new OmenDbError(code, `${dir} is not empty`, { dir, entries: names.length });
}

/** One chunk of a file, with the file's size and CRC32 up to and including it. */
export interface ChecksummedChunk {
  readonly chunk: Uint8Array;
  readonly position: number;
  readonly crc32: number;
}

/**
 * The bytes of an open file in chunks of backupCopyChunkBytes, with the running size and CRC32:
 * what checksumming, copying and streaming a backup file all read. Reads at most `limit` bytes.
 */
export async function* checksummedChunks(
  handle: FileHandle,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<ChecksummedChunk> {
  let position = 0;
  let checksum = 0;
  while (position < limit) {
    const chunk = await handle.read(position, Math.min(backupCopyChunkBytes, limit - position));
    if (chunk.length === 0) return;
    checksum = crc32(chunk, checksum);
    position += chunk.length;
    yield { chunk, position, crc32: checksum };
  }
}

/** Size and CRC32 of a file. */
export async function fileChecksum(fs: FileSystem, path: string): Promise<{ bytes: number; crc32: number }> {
  const handle = await fs.open(path, 'read');
  try {
    let sum = { bytes: 0, crc32: 0 };
    for await (const { position, crc32: checksum } of checksummedChunks(handle))
      sum = { bytes: position, crc32: checksum };
    return sum;
  } finally {
    await handle.close();
  }
}

/** Throws OMENDB_ERR_BACKUP_CORRUPT unless the file at `path` has the size and CRC32 `file` names. */
export async function verifyFile(fs: FileSystem, path: string, file: BackupFile): Promise<void> {
  let actual: { bytes: number; crc32: number };
  try {
    actual = await fileChecksum(fs, path);
  } catch (error) {
    if (fsErrorCode(error) !== 'ENOENT') throw error;
    throw backupCorrupt(`${file.name} is missing`, { file: file.name });
  }
  if (actual.bytes !== file.bytes)
    throw backupCorrupt(`${file.name} is ${actual.bytes} bytes, not ${file.bytes}`, { file: file.name });
  if (actual.crc32 !== file.crc32)
    throw backupCorrupt(`${file.name} fails its checksum`, { file: file.name });
}

/**
 * Copies `from` to the new file `to`, checksumming the bytes as they are read and refusing
 * (OMENDB_ERR_BACKUP_CORRUPT) a source that does not match `file`; the copy is fsynced. The
 * caller syncs the directory.
 */
export async function copyVerified(
  fs: FileSystem,
  from: string,
  to: string,
  file: BackupFile,
): Promise<void> {
  const source = await fs.open(from, 'read');
  try {
    const target = await fs.open(to, 'create-exclusive');
    try {
      let position = 0;
      let checksum = 0;
      for await (const read of checksummedChunks(source)) {
        await target.write(position, read.chunk);
        position = read.position;
        checksum = read.crc32;
        if (position > file.bytes) break;
      }
      if (position !== file.bytes || checksum !== file.crc32)
        throw backupCorrupt(`${file.name} changed or is damaged: its copy fails the checksum`, {
          file: file.name,
        });
      await target.sync();
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * A hard link when the file system allows one (the same device: segments are immutable, so a
 * link is as good as a copy and costs nothing), else a copy; either way checked against `file`.
 */
export async function linkOrCopy(
  fs: FileSystem,
  from: string,
  to: string,
  file: BackupFile,
): Promise<'link' | 'copy'> {
  try {
    await fs.link(from, to);
  } catch (error) {
    const code = fsErrorCode(error);
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw error;
    await copyVerified(fs, from, to, file);
    return 'copy';
  }
  await verifyFile(fs, to, file);
  return 'link';
}
