/**
 * The file-system seam. Every byte the engine reads or writes goes through this interface so
 * that tests can swap in a simulated file system that models the OS page cache and crashes
 * (see sim-file-system.ts). Paths are POSIX-style strings; the engine only ever builds them
 * from its own names (never from a series name).
 */

export type OpenMode =
  /** Read only; the file must exist. */
  | 'read'
  /** Read and write; create the file if missing (does not truncate). */
  | 'write'
  /** Read and write; fail with code EEXIST if the file already exists. */
  | 'create-exclusive';

export interface FileHandle {
  readonly path: string;
  /** Reads up to `length` bytes at `position`; returns fewer only at end of file. */
  read(position: number, length: number): Promise<Uint8Array>;
  /** Writes all of `data` at `position` (pwrite). Extends the file when writing past its end. */
  write(position: number, data: Uint8Array): Promise<void>;
  /** Current size in bytes, as the process sees it (including data not yet fsynced). */
  size(): Promise<number>;
  truncate(size: number): Promise<void>;
  /** fsync: makes this file's content durable (not its directory entry). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FileSystem {
  open(path: string, mode: OpenMode): Promise<FileHandle>;
  /** Whole-file read convenience; throws ENOENT when missing. */
  readFile(path: string): Promise<Uint8Array>;
  /** Atomic rename within one directory (replaces `to` if it exists). Durable only after syncDir. */
  rename(from: string, to: string): Promise<void>;
  /** Hard link: creates `to` (fails with EEXIST if it exists). Durable only after syncDir. */
  link(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /**
   * Removes a directory and everything in it; nothing if it is missing. Only for a directory the
   * caller made under a name nobody else uses (restore's temporary copy): it is not durable and
   * not ordered with other changes.
   */
  removeTree(dir: string): Promise<void>;
  /** Names (not paths) of the entries in a directory, sorted. Throws ENOENT when missing. */
  list(dir: string): Promise<string[]>;
  /** Creates the directory and its parents; no error if it exists. */
  mkdir(dir: string): Promise<void>;
  /** fsync of a directory: makes creates, renames and unlinks inside it durable. */
  syncDir(dir: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** The directory's canonical identity, for the in-process lock registry. */
  realpath(path: string): Promise<string>;
  /**
   * Identity of the storage this file system reaches: instances with the same domain see the
   * same files (every node:fs instance shares one), so the in-process lock registry is kept per
   * domain. A simulated file system is its own domain, and so is the one left after its crash.
   */
  readonly lockDomain: object;
}

/** Errors from a FileSystem carry a Node-style `code` (ENOENT, EEXIST, EIO, ENOSPC, ...). */
export function fsErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
