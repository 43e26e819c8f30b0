import { crc32 } from 'node:zlib';
import { isOmenDbError } from '../errors.ts';
import type { FileSystem } from '../fs/file-system.ts';
import { NodeFileSystem } from '../fs/node-file-system.ts';
import { backupHeaderBytesMax } from '../limits.ts';
import { requireEmptyTarget } from './backup-files.ts';
import {
  type BackupContent,
  type BackupFile,
  backupCorrupt,
  backupFormatVersion,
  backupSegmentDir,
  backupStreamFormat,
  checkAgainstManifest,
  validateContent,
} from './backup-manifest.ts';
import type { BackupSummary } from './backup-writer.ts';
import { sealBackup } from './backup-writer.ts';
import { decodeManifest, manifestFileName } from './manifest.ts';

/** Pulls bytes from an async iterable of chunks, keeping what one read did not use. */
class ChunkReader {
  private pending: Uint8Array = new Uint8Array(0);
  private ended = false;
  private readonly iterator: AsyncIterator<Uint8Array>;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  /** More bytes into `pending`; false once the stream has ended. */
  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.iterator.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    const chunk = next.value;
    if (this.pending.length === 0) this.pending = chunk;
    else {
      const joined = new Uint8Array(this.pending.length + chunk.length);
      joined.set(this.pending);
      joined.set(chunk, this.pending.length);
      this.pending = joined;
    }
    return true;
  }

  /** The bytes up to the first newline (excluded), at most `max` of them. */
  async line(max: number): Promise<Uint8Array> {
    for (;;) {
      const end = this.pending.indexOf(10);
      if (end >= 0) {
        const line = this.pending.subarray(0, end);
        this.pending = this.pending.subarray(end + 1);
        return line;
      }
      if (this.pending.length > max) throw backupCorrupt('the backup stream header is too long');
      if (!(await this.fill())) throw backupCorrupt('the backup stream ended before its header did');
    }
  }

  /** Up to `max` bytes (at least one); undefined at the end of the stream. */
  async take(max: number): Promise<Uint8Array | undefined> {
    if (this.pending.length === 0 && !(await this.fill())) return undefined;
    const chunk = this.pending.subarray(0, Math.min(max, this.pending.length));
    this.pending = this.pending.subarray(chunk.length);
    return chunk;
  }

  async atEnd(): Promise<boolean> {
    while (this.pending.length === 0) if (!(await this.fill())) return true;
    return false;
  }
}

function parseHeader(line: Uint8Array): BackupContent {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(line));
  } catch {
    throw backupCorrupt('the backup stream header is not JSON');
  }
  const { format, version } = (header ?? {}) as { format?: unknown; version?: unknown };
  if (format !== backupStreamFormat || version !== backupFormatVersion)
    throw backupCorrupt('not an OmenDB backup stream of a supported version');
  return validateContent(header, 'the backup stream header');
}

async function receiveFile(
  reader: ChunkReader,
  fs: FileSystem,
  path: string,
  file: BackupFile,
): Promise<Uint8Array | undefined> {
  const handle = await fs.open(path, 'create-exclusive');
  // The MANIFEST is small (manifestBytesMax) and decoded afterwards: keep its bytes.
  const kept: Uint8Array[] = [];
  try {
    let position = 0;
    let checksum = 0;
    while (position < file.bytes) {
      const chunk = await reader.take(file.bytes - position);
      if (chunk === undefined)
        throw backupCorrupt(
          `the backup stream ended inside ${file.name} (${position} of ${file.bytes} bytes)`,
          {
            file: file.name,
          },
        );
      checksum = crc32(chunk, checksum);
      await handle.write(position, chunk);
      if (file.name === manifestFileName) kept.push(chunk.slice());
      position += chunk.length;
    }
    if (checksum !== file.crc32)
      throw backupCorrupt(`${file.name} fails its checksum in the stream`, { file: file.name });
    await handle.sync();
  } finally {
    await handle.close();
  }
  return file.name === manifestFileName ? Buffer.concat(kept) : undefined;
}

/**
 * Writes the backup stream `chunks` into `out` (which must not exist or be empty): every file is
 * checked for its size and CRC32 as it is written, the MANIFEST is decoded and must list exactly
 * the segments received, and BACKUP.json is written last. A stream that stops early or fails a
 * check leaves `out` without BACKUP.json (incomplete, refused by restore) and throws
 * OMENDB_ERR_BACKUP_CORRUPT.
 */
export async function receiveBackup(
  chunks: AsyncIterable<Uint8Array>,
  out: string,
  source: string,
  fs: FileSystem = new NodeFileSystem(),
): Promise<BackupSummary> {
  await requireEmptyTarget(fs, out, 'OMENDB_ERR_BACKUP_TARGET_NOT_EMPTY');
  const reader = new ChunkReader(chunks);
  const content = parseHeader(await reader.line(backupHeaderBytesMax));
  await fs.mkdir(`${out}/${backupSegmentDir}`);
  let manifestBytes: Uint8Array | undefined;
  for (const file of content.files) {
    const kept = await receiveFile(reader, fs, `${out}/${file.name}`, file);
    manifestBytes ??= kept;
  }
  if (!(await reader.atEnd())) throw backupCorrupt('the backup stream has bytes after its last file');
  try {
    checkAgainstManifest(content, decodeManifest(manifestBytes!, `${out}/${manifestFileName}`));
  } catch (error) {
    if (isOmenDbError(error) && error.code === 'OMENDB_ERR_BACKUP_CORRUPT') throw error;
    throw backupCorrupt(`the MANIFEST in the stream is damaged: ${(error as Error).message}`);
  }
  await fs.syncDir(`${out}/${backupSegmentDir}`);
  await fs.syncDir(out);
  return sealBackup(fs, out, content, source, 0);
}
