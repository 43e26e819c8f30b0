import { constants } from 'node:fs';
import {
  type FileHandle as NodeHandle,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  link,
  unlink,
  rm,
  access,
} from 'node:fs/promises';
import { type FileHandle, type FileSystem, fsErrorCode, type OpenMode } from './file-system.ts';

/**
 * Modes of what the engine creates: its files hold the user's data (and LOCK names its process),
 * so they are private to the user running it, whatever the umask (which can only remove bits)
 * and whether or not the data directory existed. Existing files and directories keep their mode.
 */
export const createdFileMode = 0o600;
export const createdDirMode = 0o700;

/** Every node:fs instance reaches the same files, so they share one lock domain. */
const nodeLockDomain = Object.freeze({ name: 'node:fs' });

const flagsByMode: Record<OpenMode, number> = {
  read: constants.O_RDONLY,
  write: constants.O_RDWR | constants.O_CREAT,
  'create-exclusive': constants.O_RDWR | constants.O_CREAT | constants.O_EXCL,
};

/** Node reads a negative position as "the current offset": refuse it rather than hide a bug. */
function checkPosition(position: number, path: string): void {
  if (!Number.isSafeInteger(position) || position < 0) {
    const error: NodeJS.ErrnoException = new Error(`EINVAL: invalid position ${position}, '${path}'`);
    error.code = 'EINVAL';
    throw error;
  }
}

class NodeFileHandle implements FileHandle {
  constructor(
    readonly path: string,
    private readonly handle: NodeHandle,
  ) {}

  async read(position: number, length: number): Promise<Uint8Array> {
    checkPosition(position, this.path);
    const buffer = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  }

  async write(position: number, data: Uint8Array): Promise<void> {
    checkPosition(position, this.path);
    let written = 0;
    // pwrite may write less than asked (a signal, a full pipe): loop until every byte is down.
    while (written < data.length) {
      const { bytesWritten } = await this.handle.write(
        data,
        written,
        data.length - written,
        position + written,
      );
      written += bytesWritten;
    }
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  truncate(size: number): Promise<void> {
    return this.handle.truncate(size);
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The production file system: node:fs/promises, with fsync of files and directories. */
export class NodeFileSystem implements FileSystem {
  readonly lockDomain: object = nodeLockDomain;

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    return new NodeFileHandle(path, await open(path, flagsByMode[mode], createdFileMode));
  }

  async readFile(path: string): Promise<Uint8Array> {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  rename(from: string, to: string): Promise<void> {
    return rename(from, to);
  }

  link(from: string, to: string): Promise<void> {
    return link(from, to);
  }

  unlink(path: string): Promise<void> {
    return unlink(path);
  }

  removeTree(dir: string): Promise<void> {
    return rm(dir, { recursive: true, force: true });
  }

  async list(dir: string): Promise<string[]> {
    return (await readdir(dir)).sort();
  }

  /** Every directory created here, parents included, is createdDirMode (node applies the mode to each). */
  async mkdir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: createdDirMode });
  }

  async syncDir(dir: string): Promise<void> {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await access(path);
      return true;
    } catch (error) {
      const code = fsErrorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw error;
    }
  }

  realpath(path: string): Promise<string> {
    return realpath(path);
  }
}
