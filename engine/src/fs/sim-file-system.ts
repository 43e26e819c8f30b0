/**
 * An in-memory FileSystem that models the OS page cache, for crash testing (the technique of
 * SQLite's crash-test VFS and of LazyFS).
 *
 * Every file is an inode with `durable` bytes (what the disk holds) and a list of pending
 * operations (writes and truncates not yet fsynced). The running process sees the current
 * content: durable bytes with every pending operation applied. `FileHandle.sync()` makes the
 * current content durable. Directory entries work the same way: creates, renames, links and
 * unlinks change the current namespace at once, and become durable only when `syncDir` is
 * called on the directory holding them.
 *
 * `crash(prng)` simulates a power loss: it returns a new SimFileSystem holding what a disk could
 * contain afterwards, and this instance dies (every later call rejects with ESIMCRASHED). Each
 * file keeps a random prefix of its pending operations, and the first operation it does not keep
 * may be torn (a random number of a write's leading bytes survive); each directory keeps a random
 * prefix of its pending entry changes (a rename across two directories ties their prefixes
 * together, and so does syncDir of either). Files decide independently, so data written later to one
 * file can survive while earlier data of another is lost; and a file whose directory entry was
 * never made durable disappears even though its content was fsynced.
 *
 * Fault injection: a crash at a chosen I/O step (`crashAtOp` / `failAtOp`) and arbitrary errors
 * (`injectError`, e.g. EIO from fsync or ENOSPC from a write).
 *
 * Limitations, on purpose: directories are durable as soon as mkdir returns and cannot be renamed
 * or removed; open() of a directory and syncDir() of a file are rejected (the engine does neither).
 */
import { posix } from 'node:path';
import type { Prng } from '../util/prng.ts';
import type { FileHandle, FileSystem, OpenMode } from './file-system.ts';

/**
 * Largest file the simulation holds. Far above anything a test writes, it turns a runaway
 * offset (a bug writing at a garbage position) into EFBIG instead of exhausting the test
 * process's memory.
 */
export const SIM_MAX_FILE_SIZE = 1024 ** 3;

/** The error code of every call rejected because the simulated machine lost power. */
export const SIM_CRASHED_CODE = 'ESIMCRASHED';

/**
 * First allocation for a file's bytes. Buffers then grow by doubling, so a file built from n
 * appends costs O(n) copying in total rather than O(n^2).
 */
const INITIAL_CAPACITY = 256;

/** Every I/O call of the simulation, as counted by `opCount` and seen by an error injector. */
export type SimOpKind =
  | 'open'
  | 'read'
  | 'write'
  | 'size'
  | 'truncate'
  | 'sync'
  | 'close'
  | 'readFile'
  | 'rename'
  | 'link'
  | 'unlink'
  | 'list'
  | 'mkdir'
  | 'syncDir'
  | 'exists'
  | 'realpath';

export interface SimOp {
  readonly kind: SimOpKind;
  /** The (normalized) path the call is about; for rename and link, the source. */
  readonly path: string;
  /** For rename and link: the (normalized) destination. */
  readonly target?: string;
}

/** Returns an error to make the call fail (without effect), or undefined to let it run. */
export type ErrorInjector = (op: SimOp) => NodeJS.ErrnoException | undefined;

export interface SimFileSystemOptions {
  /** 0-based index of the I/O call at which the simulated power loss happens (see failAtOp). */
  crashAtOp?: number;
  /** Overrides SIM_MAX_FILE_SIZE, so that tests can reach EFBIG cheaply. */
  maxFileSize?: number;
}

/** Thrown by every call at or after the simulated power loss. */
export class SimulatedCrashError extends Error {
  readonly code = SIM_CRASHED_CODE;
  override readonly name = 'SimulatedCrashError';
}

function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}' (simulated file system)`);
  error.code = code;
  error.syscall = syscall;
  error.path = path;
  return error;
}

/** Paths are resolved against '/', so '/db/', '/db/./x/..' and 'db' all name '/db'. */
function normalize(path: string): string {
  return posix.resolve('/', path);
}

function checkOffset(what: string, value: number, syscall: string, path: string): void {
  // Node would treat a negative position as "the current offset"; here it is always a bug.
  if (!Number.isSafeInteger(value) || value < 0) throw fsError('EINVAL', `${syscall} ${what}`, path);
}

/** A file's bytes in a buffer that grows geometrically, so appends do not copy the whole file. */
class ByteBuffer {
  private bytes: Uint8Array;
  length: number;

  /** Takes ownership of `content`. */
  constructor(content: Uint8Array = new Uint8Array(0)) {
    this.bytes = content;
    this.length = content.length;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  clone(): ByteBuffer {
    return new ByteBuffer(this.view().slice());
  }

  /** A copy, so that later writes do not change what a caller already read. */
  read(position: number, length: number): Uint8Array {
    if (position >= this.length) return new Uint8Array(0);
    return this.bytes.slice(position, Math.min(position + length, this.length));
  }

  writeAt(position: number, data: Uint8Array): void {
    const end = position + data.length;
    if (end > this.length) {
      this.reserve(end);
      // Bytes past `length` may be stale (left by a shrinking truncate): a gap must read as zeros.
      if (position > this.length) this.bytes.fill(0, this.length, position);
      this.length = end;
    }
    this.bytes.set(data, position);
  }

  truncate(size: number): void {
    if (size > this.length) {
      this.reserve(size);
      this.bytes.fill(0, this.length, size);
    }
    this.length = size;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(capacity, this.bytes.length * 2, INITIAL_CAPACITY));
    grown.set(this.view());
    this.bytes = grown;
  }
}

type DataOp =
  | { readonly kind: 'write'; readonly position: number; readonly data: Uint8Array }
  | { readonly kind: 'truncate'; readonly size: number };

function applyDataOp(bytes: ByteBuffer, op: DataOp): void {
  if (op.kind === 'write') bytes.writeAt(op.position, op.data);
  else bytes.truncate(op.size);
}

/** What a crash keeps of a pending list: a prefix, and how much of a torn write after it. */
interface CrashChooser {
  /** How many of `count` pending operations survive, in 0..count. */
  keptPrefix(count: number): number;
  /** How many leading bytes of the first lost write survive, in 0..length. */
  tornBytes(length: number): number;
}

const keepAll: CrashChooser = { keptPrefix: (count) => count, tornBytes: (length) => length };
const loseAll: CrashChooser = { keptPrefix: () => 0, tornBytes: () => 0 };

function randomChooser(prng: Prng): CrashChooser {
  return {
    keptPrefix: (count) => prng.int(count + 1),
    tornBytes: (length) => prng.int(length + 1),
  };
}

class Inode {
  current: ByteBuffer;
  durable: ByteBuffer;
  pending: DataOp[] = [];
  /** Bytes held by pending writes: decides whether sync replays them or copies the file. */
  private pendingBytes = 0;

  constructor(content: Uint8Array = new Uint8Array(0)) {
    this.current = new ByteBuffer(content);
    this.durable = new ByteBuffer(content.slice());
  }

  write(position: number, data: Uint8Array): void {
    // A zero-byte pwrite changes nothing, not even the size (as on a real file system).
    if (data.length === 0) return;
    const op: DataOp = { kind: 'write', position, data: data.slice() };
    this.pending.push(op);
    this.pendingBytes += data.length;
    applyDataOp(this.current, op);
  }

  truncate(size: number): void {
    const op: DataOp = { kind: 'truncate', size };
    this.pending.push(op);
    applyDataOp(this.current, op);
  }

  sync(): void {
    if (this.pending.length === 0) return;
    // Replay the pending ops onto the durable bytes, or copy the file when that is cheaper.
    if (this.pendingBytes >= this.current.length) this.durable = this.current.clone();
    else for (const op of this.pending) applyDataOp(this.durable, op);
    this.pending = [];
    this.pendingBytes = 0;
  }

  contentAfterCrash(chooser: CrashChooser): Uint8Array {
    const bytes = this.durable.clone();
    const kept = chooser.keptPrefix(this.pending.length);
    for (let i = 0; i < kept; i++) applyDataOp(bytes, this.pending[i]!);
    const torn = this.pending[kept];
    if (torn?.kind === 'write') {
      const survived = chooser.tornBytes(torn.data.length);
      if (survived > 0) bytes.writeAt(torn.position, torn.data.subarray(0, survived));
    }
    return bytes.view();
  }
}

/** Directory path → (entry name → inode). Directories are the keys; files are the entries. */
type Namespace = Map<string, Map<string, Inode>>;

/**
 * A change of directory entries. `set` is a create or a link, `remove` an unlink. A rename is one
 * change, so that it stays atomic.
 */
type NamespaceChange =
  | { readonly kind: 'set'; readonly path: string; readonly inode: Inode }
  | { readonly kind: 'remove'; readonly path: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string; readonly inode: Inode };

/**
 * A change not yet made durable by syncDir, listed under each directory it touches (two for a
 * rename across directories). `seq` orders the changes of several directories.
 */
interface NamespaceOp {
  readonly seq: number;
  readonly change: NamespaceChange;
  readonly dirs: readonly string[];
}

function entriesIn(namespace: Namespace, dir: string): Map<string, Inode> {
  const entries = namespace.get(dir);
  // Directories are durable at mkdir and never removed, so a pending op's directory always exists.
  if (entries === undefined) throw new Error(`simulated file system: no directory ${dir}`);
  return entries;
}

function applyChange(namespace: Namespace, op: NamespaceChange): void {
  switch (op.kind) {
    case 'set':
      entriesIn(namespace, posix.dirname(op.path)).set(posix.basename(op.path), op.inode);
      break;
    case 'remove':
      entriesIn(namespace, posix.dirname(op.path)).delete(posix.basename(op.path));
      break;
    case 'rename':
      entriesIn(namespace, posix.dirname(op.from)).delete(posix.basename(op.from));
      entriesIn(namespace, posix.dirname(op.to)).set(posix.basename(op.to), op.inode);
      break;
  }
}

function cloneNamespace(namespace: Namespace): Namespace {
  const copy: Namespace = new Map();
  for (const [dir, entries] of namespace) copy.set(dir, new Map(entries));
  return copy;
}

/** Counts I/O calls and decides, before each takes effect, whether it crashes or fails. */
class OpGate {
  opCount = 0;
  crashed = false;
  crashAtOp: number | undefined;
  injector: ErrorInjector | undefined;

  constructor(crashAtOp: number | undefined) {
    this.crashAtOp = crashAtOp;
  }

  step(kind: SimOpKind, path: string, target?: string): void {
    if (this.crashed) throw new SimulatedCrashError(`${kind} '${path}': the simulated machine lost power`);
    if (this.crashAtOp !== undefined && this.opCount >= this.crashAtOp) {
      this.crashed = true;
      throw new SimulatedCrashError(`${kind} '${path}': simulated power loss at I/O step ${this.opCount}`);
    }
    this.opCount++;
    const injected = this.injector?.(target === undefined ? { kind, path } : { kind, path, target });
    if (injected !== undefined) throw injected;
  }
}

class SimFileHandle implements FileHandle {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly inode: Inode,
    private readonly writable: boolean,
    private readonly gate: OpGate,
    private readonly maxFileSize: number,
  ) {}

  async read(position: number, length: number): Promise<Uint8Array> {
    this.enter('read');
    checkOffset('position', position, 'read', this.path);
    checkOffset('length', length, 'read', this.path);
    return this.inode.current.read(position, length);
  }

  async write(position: number, data: Uint8Array): Promise<void> {
    this.enter('write');
    if (!this.writable) throw fsError('EBADF', 'write', this.path);
    checkOffset('position', position, 'write', this.path);
    if (position + data.length > this.maxFileSize) throw fsError('EFBIG', 'write', this.path);
    this.inode.write(position, data);
  }

  async size(): Promise<number> {
    this.enter('size');
    return this.inode.current.length;
  }

  async truncate(size: number): Promise<void> {
    this.enter('truncate');
    // ftruncate of a read-only descriptor is EINVAL on Linux, not EBADF.
    if (!this.writable) throw fsError('EINVAL', 'ftruncate', this.path);
    checkOffset('size', size, 'ftruncate', this.path);
    if (size > this.maxFileSize) throw fsError('EFBIG', 'ftruncate', this.path);
    this.inode.truncate(size);
  }

  async sync(): Promise<void> {
    this.enter('sync');
    this.inode.sync();
  }

  async close(): Promise<void> {
    // Closing twice is harmless, as with a node:fs FileHandle.
    this.gate.step('close', this.path);
    this.closed = true;
  }

  private enter(kind: SimOpKind): void {
    this.gate.step(kind, this.path);
    if (this.closed) throw fsError('EBADF', kind, this.path);
  }
}

export class SimFileSystem implements FileSystem {
  /** Each simulated machine is its own lock domain; the machine left after a crash is a new one. */
  readonly lockDomain: object = {};
  private readonly gate: OpGate;
  private readonly maxFileSize: number;
  private readonly current: Namespace = new Map([['/', new Map()]]);
  private readonly durable: Namespace = new Map([['/', new Map()]]);
  /** Directory → its entry changes not yet made durable by syncDir, oldest first. */
  private readonly pendingByDir = new Map<string, NamespaceOp[]>();
  private nextSeq = 0;

  constructor(options: SimFileSystemOptions = {}) {
    this.gate = new OpGate(options.crashAtOp);
    this.maxFileSize = options.maxFileSize ?? SIM_MAX_FILE_SIZE;
  }

  /** I/O calls performed so far (a call rejected by the crash is not counted; an injected failure is). */
  get opCount(): number {
    return this.gate.opCount;
  }

  /** True once the power is lost: at the crash step, or when crash() has been called. */
  get crashed(): boolean {
    return this.gate.crashed;
  }

  /** The I/O call with 0-based index `n`, and every call after it, rejects with ESIMCRASHED. */
  failAtOp(n: number | undefined): void {
    this.gate.crashAtOp = n;
  }

  /** Consulted before every I/O call takes effect; undefined removes the injector. */
  injectError(injector: ErrorInjector | undefined): void {
    this.gate.injector = injector;
  }

  /**
   * The machine after a power loss with random survival of un-fsynced data and entries. This
   * instance is dead afterwards. It does not change this instance's state, so it may be called
   * again (also after a crash at an I/O step) to draw other outcomes of the same power loss.
   */
  crash(prng: Prng): SimFileSystem {
    return this.crashWith(randomChooser(prng));
  }

  /** The luckiest power loss: every pending write and entry change had reached the disk. */
  crashKeepingAll(): SimFileSystem {
    return this.crashWith(keepAll);
  }

  /** The unluckiest power loss: only what was fsynced (files and directories) survives. */
  crashLosingAll(): SimFileSystem {
    return this.crashWith(loseAll);
  }

  /** Path → content of every file as the disk holds it now (not an I/O call; works when dead). */
  snapshotDurable(): Map<string, Uint8Array> {
    const files = new Map<string, Uint8Array>();
    for (const [dir, entries] of this.durable) {
      for (const [name, inode] of entries) files.set(posix.join(dir, name), inode.durable.view().slice());
    }
    return files;
  }

  async open(rawPath: string, mode: OpenMode): Promise<FileHandle> {
    const path = normalize(rawPath);
    this.gate.step('open', path);
    if (this.current.has(path)) throw fsError('EISDIR', 'open', path);
    const entries = this.parentEntries(path, 'open');
    const name = posix.basename(path);
    let inode = entries.get(name);
    if (inode !== undefined && mode === 'create-exclusive') throw fsError('EEXIST', 'open', path);
    if (inode === undefined) {
      if (mode === 'read') throw fsError('ENOENT', 'open', path);
      inode = new Inode();
      entries.set(name, inode);
      this.recordChange({ kind: 'set', path, inode }, [posix.dirname(path)]);
    }
    return new SimFileHandle(path, inode, mode !== 'read', this.gate, this.maxFileSize);
  }

  async readFile(rawPath: string): Promise<Uint8Array> {
    const path = normalize(rawPath);
    this.gate.step('readFile', path);
    return this.requireFile(path, 'open').current.view().slice();
  }

  async rename(rawFrom: string, rawTo: string): Promise<void> {
    const from = normalize(rawFrom);
    const to = normalize(rawTo);
    this.gate.step('rename', from, to);
    if (this.current.has(from)) throw fsError('ENOTSUP', 'rename (of a directory)', from);
    const inode = this.requireFile(from, 'rename');
    if (this.current.has(to)) {
      // Linux refuses to rename a file onto one of its own ancestor directories with ENOTEMPTY.
      throw fsError(from.startsWith(`${to}/`) ? 'ENOTEMPTY' : 'EISDIR', 'rename', to);
    }
    const target = this.parentEntries(to, 'rename');
    // POSIX: renaming a file onto itself, or onto another link to it, does nothing.
    if (target.get(posix.basename(to)) === inode) return;
    entriesIn(this.current, posix.dirname(from)).delete(posix.basename(from));
    target.set(posix.basename(to), inode);
    this.recordChange({ kind: 'rename', from, to, inode }, [posix.dirname(from), posix.dirname(to)]);
  }

  async link(rawFrom: string, rawTo: string): Promise<void> {
    const from = normalize(rawFrom);
    const to = normalize(rawTo);
    this.gate.step('link', from, to);
    // Linux checks the destination before refusing to link a directory (EPERM).
    const inode = this.current.has(from) ? undefined : this.requireFile(from, 'link');
    const target = this.parentEntries(to, 'link');
    if (this.current.has(to) || target.has(posix.basename(to))) throw fsError('EEXIST', 'link', to);
    if (inode === undefined) throw fsError('EPERM', 'link', from);
    target.set(posix.basename(to), inode);
    this.recordChange({ kind: 'set', path: to, inode }, [posix.dirname(to)]);
  }

  async unlink(rawPath: string): Promise<void> {
    const path = normalize(rawPath);
    this.gate.step('unlink', path);
    this.requireFile(path, 'unlink');
    // Open handles keep the inode, so they go on working, as on POSIX.
    entriesIn(this.current, posix.dirname(path)).delete(posix.basename(path));
    this.recordChange({ kind: 'remove', path }, [posix.dirname(path)]);
  }

  /**
   * Directories are durable at mkdir and never removed here (renaming one is not modelled either),
   * so removing one is refused rather than half modelled.
   */
  async removeTree(rawDir: string): Promise<void> {
    throw fsError('ENOTSUP', 'rm (of a directory)', normalize(rawDir));
  }

  async list(rawDir: string): Promise<string[]> {
    const dir = normalize(rawDir);
    this.gate.step('list', dir);
    const names = [...this.requireDir(dir, 'scandir').keys()];
    for (const other of this.current.keys()) {
      if (other !== dir && posix.dirname(other) === dir) names.push(posix.basename(other));
    }
    return names.sort();
  }

  /** Directories are durable as soon as they exist: the engine creates them once, at open. */
  async mkdir(rawDir: string): Promise<void> {
    const dir = normalize(rawDir);
    this.gate.step('mkdir', dir);
    let prefix = '/';
    for (const part of dir.split('/').filter((p) => p !== '')) {
      prefix = posix.join(prefix, part);
      if (this.current.has(prefix)) continue;
      if (entriesIn(this.current, posix.dirname(prefix)).has(part)) {
        throw fsError(prefix === dir ? 'EEXIST' : 'ENOTDIR', 'mkdir', dir);
      }
      this.current.set(prefix, new Map());
      this.durable.set(prefix, new Map());
    }
  }

  async syncDir(rawDir: string): Promise<void> {
    const dir = normalize(rawDir);
    this.gate.step('syncDir', dir);
    this.requireDir(dir, 'fsync');
    const kept = new Map([[dir, this.pendingOf(dir).length]]);
    for (const op of this.closedPrefixes(kept)) applyChange(this.durable, op.change);
    for (const [keptDir, count] of kept) {
      const rest = this.pendingOf(keptDir).slice(count);
      if (rest.length > 0) this.pendingByDir.set(keptDir, rest);
      else this.pendingByDir.delete(keptDir);
    }
  }

  async exists(rawPath: string): Promise<boolean> {
    const path = normalize(rawPath);
    this.gate.step('exists', path);
    return this.pathExists(path);
  }

  async realpath(rawPath: string): Promise<string> {
    const path = normalize(rawPath);
    this.gate.step('realpath', path);
    if (!this.pathExists(path)) throw fsError('ENOENT', 'realpath', path);
    return path;
  }

  private pathExists(path: string): boolean {
    return (
      this.current.has(path) || this.current.get(posix.dirname(path))?.has(posix.basename(path)) === true
    );
  }

  /** The entries of `path`'s directory; ENOENT if it is missing, ENOTDIR if a file is in the way. */
  private parentEntries(path: string, syscall: string): Map<string, Inode> {
    const parent = posix.dirname(path);
    const entries = this.current.get(parent);
    if (entries !== undefined) return entries;
    throw fsError(this.fileInTheWay(parent) ? 'ENOTDIR' : 'ENOENT', syscall, path);
  }

  private requireDir(dir: string, syscall: string): Map<string, Inode> {
    const entries = this.current.get(dir);
    if (entries !== undefined) return entries;
    throw fsError(this.fileInTheWay(dir) ? 'ENOTDIR' : 'ENOENT', syscall, dir);
  }

  private requireFile(path: string, syscall: string): Inode {
    if (this.current.has(path)) throw fsError('EISDIR', syscall, path);
    const inode = this.parentEntries(path, syscall).get(posix.basename(path));
    if (inode === undefined) throw fsError('ENOENT', syscall, path);
    return inode;
  }

  /** True when `dir` or one of its ancestors is a file. */
  private fileInTheWay(dir: string): boolean {
    for (let p = dir; p !== '/'; p = posix.dirname(p)) {
      if (this.current.get(posix.dirname(p))?.has(posix.basename(p))) return true;
    }
    return false;
  }

  private recordChange(change: NamespaceChange, dirs: readonly string[]): void {
    const op: NamespaceOp = { seq: this.nextSeq++, change, dirs: [...new Set(dirs)] };
    for (const dir of op.dirs) {
      let ops = this.pendingByDir.get(dir);
      if (ops === undefined) {
        ops = [];
        this.pendingByDir.set(dir, ops);
      }
      ops.push(op);
    }
  }

  private crashWith(chooser: CrashChooser): SimFileSystem {
    this.gate.crashed = true;
    const next = new SimFileSystem({ maxFileSize: this.maxFileSize });
    // Hard links share an inode: build each survivor once so that they still share it.
    const survivors = new Map<Inode, Inode>();
    for (const [dir, entries] of this.namespaceAfterCrash(chooser)) {
      const files = new Map<string, Inode>();
      for (const [name, inode] of entries) {
        let survivor = survivors.get(inode);
        if (survivor === undefined) {
          survivor = new Inode(inode.contentAfterCrash(chooser));
          survivors.set(inode, survivor);
        }
        files.set(name, survivor);
      }
      next.current.set(dir, files);
      next.durable.set(dir, new Map(files));
    }
    return next;
  }

  /** The durable namespace plus, per directory, a chosen prefix of its pending changes. */
  private namespaceAfterCrash(chooser: CrashChooser): Namespace {
    const kept = new Map<string, number>();
    for (const [dir, ops] of this.pendingByDir) kept.set(dir, chooser.keptPrefix(ops.length));
    const namespace = cloneNamespace(this.durable);
    for (const op of this.closedPrefixes(kept)) applyChange(namespace, op.change);
    return namespace;
  }

  private pendingOf(dir: string): readonly NamespaceOp[] {
    return this.pendingByDir.get(dir) ?? [];
  }

  /**
   * Grows the kept prefix counts (directory → how many of its pending changes survive) until a
   * kept cross-directory rename is kept in both its directories, with every earlier change of
   * both. Each directory then holds a prefix of its own history: a state it really went through.
   * Returns the kept changes in the order they were made.
   */
  private closedPrefixes(kept: Map<string, number>): NamespaceOp[] {
    let grown = true;
    while (grown) {
      grown = false;
      for (const [dir, count] of kept) {
        for (const op of this.pendingOf(dir).slice(0, count)) {
          for (const other of op.dirs) {
            const needed = this.pendingOf(other).indexOf(op) + 1;
            if ((kept.get(other) ?? 0) >= needed) continue;
            kept.set(other, needed);
            grown = true;
          }
        }
      }
    }
    const ops = new Set<NamespaceOp>();
    for (const [dir, count] of kept) for (const op of this.pendingOf(dir).slice(0, count)) ops.add(op);
    return [...ops].sort((a, b) => a.seq - b.seq);
  }
}
