import { assert } from '../errors.ts';
import type { FileHandle, FileSystem } from '../fs/file-system.ts';
import { walSegmentBytesMax } from '../limits.ts';
import { encodeWalFileHeader, walFileHeaderBytes } from './wal-record.ts';

export const walFilePattern = /^wal-(\d{20})\.log$/;

export function walFileName(firstSeq: bigint): string {
  return `wal-${firstSeq.toString().padStart(20, '0')}.log`;
}

export function walFileFirstSeq(name: string): bigint | undefined {
  const match = walFilePattern.exec(name);
  return match === null ? undefined : BigInt(match[1]!);
}

/**
 * Appends records to the current WAL file and rolls to a new file at walSegmentBytesMax. A new
 * file is created, its header fsynced and its directory entry fsynced before any record goes
 * into it, and the previous file is fsynced before it is left, so that the log on disk is
 * always a sequence of complete files plus, at most, one torn tail in the newest.
 */
export class WalWriter {
  private handle: FileHandle;
  private fileSize: number;
  private dirty = false;
  private closedFilesBytes = 0;

  private constructor(
    private readonly fs: FileSystem,
    private readonly walDir: string,
    handle: FileHandle,
    private fileFirstSeq: bigint,
  ) {
    this.handle = handle;
    this.fileSize = walFileHeaderBytes;
  }

  static async create(fs: FileSystem, walDir: string, firstSeq: bigint): Promise<WalWriter> {
    const handle = await WalWriter.createFile(fs, walDir, firstSeq);
    return new WalWriter(fs, walDir, handle, firstSeq);
  }

  private static async createFile(fs: FileSystem, walDir: string, firstSeq: bigint): Promise<FileHandle> {
    const handle = await fs.open(`${walDir}/${walFileName(firstSeq)}`, 'create-exclusive');
    try {
      await handle.write(0, encodeWalFileHeader());
      await handle.sync();
      await fs.syncDir(walDir);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    return handle;
  }

  get currentFile(): string {
    return walFileName(this.fileFirstSeq);
  }

  /** Bytes this writer appended in all its files: the WAL size since open. */
  get bytesWritten(): number {
    return this.closedFilesBytes + this.fileSize;
  }

  /** Appends whole records; `firstSeq` is the sequence number of the first record in `bytes`. */
  async append(bytes: Uint8Array, firstSeq: bigint): Promise<void> {
    assert(bytes.length > 0, 'empty WAL append');
    if (this.fileSize > walFileHeaderBytes && this.fileSize + bytes.length > walSegmentBytesMax) {
      await this.rotate(firstSeq);
    }
    await this.handle.write(this.fileSize, bytes);
    this.fileSize += bytes.length;
    this.dirty = true;
  }

  async sync(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.handle.sync();
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  get needsSync(): boolean {
    return this.dirty;
  }

  /** Moves to a new file whose first record will be `nextSeq`; the old file is fsynced first. */
  async rotate(nextSeq: bigint): Promise<void> {
    assert(nextSeq >= this.fileFirstSeq, 'WAL rotation must move forward');
    if (nextSeq === this.fileFirstSeq) {
      // Nothing was appended to this file since it was created: keep it.
      assert(this.fileSize === walFileHeaderBytes, 'WAL file with records cannot be reused');
      return;
    }
    await this.sync();
    await this.handle.close();
    this.closedFilesBytes += this.fileSize;
    this.handle = await WalWriter.createFile(this.fs, this.walDir, nextSeq);
    this.fileFirstSeq = nextSeq;
    this.fileSize = walFileHeaderBytes;
  }

  async close(): Promise<void> {
    await this.sync();
    await this.handle.close();
  }
}
