import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OmenDbError } from '../errors.ts';
import {
  passwordLengthMax,
  passwordLengthMin,
  userNameLengthMax,
  usersFileBytesMax,
  usersLockWaitMsMax,
  usersMax,
} from '../limits.ts';
import { Mutex } from '../util/mutex.ts';
import { hashPassword } from './passwords.ts';
import { isRole, type Role } from './roles.ts';
import { type UsersLockOptions, withUsersLock } from './users-lock.ts';

export interface UserRecord {
  readonly name: string;
  readonly role: Role;
  readonly passwordHash: string;
  /**
   * Changes with every password change: tokens carry it, so a token stops working the moment
   * its user's password changes or the user is removed.
   */
  readonly credentialId: string;
}

interface UsersFile {
  version: 1;
  users: UserRecord[];
}

const userNamePattern = /^[A-Za-z0-9_.-]+$/;
/** The users file lives beside, not inside, the engine's files: `<data>/server/users.json`. */
export function usersFilePath(dataDir: string): string {
  return `${dataDir}/server/users.json`;
}

function invalid(message: string, details: Record<string, unknown>): OmenDbError {
  return new OmenDbError('OMENDB_ERR_USERS_INVALID', message, details);
}

export function validateUserName(name: unknown): asserts name is string {
  if (
    typeof name !== 'string' ||
    name.length < 1 ||
    name.length > userNameLengthMax ||
    !userNamePattern.test(name)
  )
    throw invalid(`user name must be 1 to ${userNameLengthMax} characters of [A-Za-z0-9_.-]`, {});
}

export function validateRole(role: unknown): asserts role is Role {
  if (!isRole(role)) throw invalid('role must be admin, writer, reader or monitor', {});
}

export function validatePassword(password: unknown): asserts password is string {
  // Length in characters; the password itself never goes into an error or a log.
  if (
    typeof password !== 'string' ||
    password.length < passwordLengthMin ||
    password.length > passwordLengthMax
  )
    throw invalid(`password must be ${passwordLengthMin} to ${passwordLengthMax} characters`, {});
}

/**
 * The users file: read whole, replaced atomically (temp file with mode 0600, fsync, rename,
 * directory fsync), so a crash leaves the old or the new file, never half of one. The server
 * reloads it when its mtime changes, which is how `omendb users` reaches a running server.
 *
 * Changes are serialized twice: by a mutex among the calls on this store (one server's
 * requests), and by the users-file lock among processes and stores (users-lock.ts). Inside both,
 * the file is read again and the change applied to what it holds then, so a change made
 * elsewhere since this store last looked is kept, never overwritten with an older copy. Slow
 * work (hashing a password) is done before the lock is taken, so the lock is held for one read
 * and one write.
 */
export class UsersStore {
  private users = new Map<string, UserRecord>();
  private loadedStamp = '';
  private readonly changes = new Mutex();
  /** Bumped on every change, loaded or made here: caches of verified credentials key on it. */
  version = 0;

  private constructor(
    readonly path: string,
    private readonly lockOptions: UsersLockOptions,
  ) {}

  static async open(dataDir: string, lockOptions: UsersLockOptions = {}): Promise<UsersStore> {
    const store = new UsersStore(usersFilePath(dataDir), lockOptions);
    await store.reload();
    return store;
  }

  get size(): number {
    return this.users.size;
  }

  get(name: string): UserRecord | undefined {
    return this.users.get(name);
  }

  list(): { name: string; role: Role }[] {
    return [...this.users.values()]
      .map(({ name, role }) => ({ name, role }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async add(name: string, role: Role, password: string): Promise<void> {
    validateUserName(name);
    validateRole(role);
    validatePassword(password);
    // Refused before paying for a hash when it already exists; checked again under the lock.
    await this.reload();
    refuseAdd(this.users, name);
    const passwordHash = await hashPassword(password);
    await this.change((users) => {
      refuseAdd(users, name);
      return new Map(users).set(name, { name, role, passwordHash, credentialId: newCredentialId() });
    });
  }

  async remove(name: string): Promise<void> {
    validateUserName(name);
    await this.change((users) => {
      if (!users.has(name)) throw notFound(name);
      const next = new Map(users);
      next.delete(name);
      return next;
    });
  }

  async setPassword(name: string, password: string): Promise<void> {
    validateUserName(name);
    validatePassword(password);
    await this.reload();
    if (!this.users.has(name)) throw notFound(name);
    const passwordHash = await hashPassword(password);
    await this.change((users) => {
      // The record as it is now: the user may have been removed (or changed) while hashing.
      const current = users.get(name);
      if (current === undefined) throw notFound(name);
      return new Map(users).set(name, { ...current, passwordHash, credentialId: newCredentialId() });
    });
  }

  /**
   * Reads the file again if it changed since the last read; true when it did. A change made
   * through this store while the file was being read is newer than what was read, so the read
   * is then dropped (the next reload sees the file as the change left it).
   */
  async reload(): Promise<boolean> {
    const version = this.version;
    const stamp = await fileStamp(this.path);
    if (stamp === this.loadedStamp) return false;
    const users = stamp === '' ? new Map<string, UserRecord>() : await readUsersFile(this.path);
    if (this.version !== version) return false;
    this.adopt(users, stamp);
    return true;
  }

  /**
   * Applies `edit` to the file's current content and writes the result, under both locks. The
   * wait for the file lock counts from the call, so a change queued behind others in this store
   * still fails within usersLockWaitMsMax of being asked for, not after its predecessors' waits.
   */
  private change(edit: (users: ReadonlyMap<string, UserRecord>) => Map<string, UserRecord>): Promise<void> {
    const deadline = Date.now() + (this.lockOptions.waitMs ?? usersLockWaitMsMax);
    return this.changes.run(() =>
      withUsersLock(
        dirname(this.path),
        async () => {
          // Read whatever the stamp says: two writes within one mtime tick can look alike.
          const stamp = await fileStamp(this.path);
          this.adopt(stamp === '' ? new Map() : await readUsersFile(this.path), stamp);
          await this.commit(edit(this.users));
        },
        { waitMs: Math.max(0, deadline - Date.now()) },
      ),
    );
  }

  private async commit(next: Map<string, UserRecord>): Promise<void> {
    const file: UsersFile = { version: 1, users: [...next.values()] };
    await writeFileAtomic0600(this.path, `${JSON.stringify(file, null, 2)}\n`);
    this.adopt(next, await fileStamp(this.path));
  }

  private adopt(users: Map<string, UserRecord>, stamp: string): void {
    this.users = users;
    this.loadedStamp = stamp;
    this.version++;
  }
}

function refuseAdd(users: ReadonlyMap<string, UserRecord>, name: string): void {
  if (users.has(name)) throw new OmenDbError('OMENDB_ERR_USERS_EXISTS', `user ${name} exists`, { name });
  if (users.size >= usersMax)
    throw new OmenDbError('OMENDB_ERR_USERS_LIMIT', `at most ${usersMax} users`, { usersMax });
}

function notFound(name: string): OmenDbError {
  return new OmenDbError('OMENDB_ERR_USERS_NOT_FOUND', `no user ${name}`, { name });
}

function newCredentialId(): string {
  return randomBytes(12).toString('base64url');
}

/** mtime, size and inode: a rename by another process changes at least the inode. */
async function fileStamp(path: string): Promise<string> {
  try {
    const info = await stat(path, { bigint: true });
    return `${info.mtimeNs}:${info.size}:${info.ino}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

async function readUsersFile(path: string): Promise<Map<string, UserRecord>> {
  const corrupt = (why: string) =>
    new OmenDbError('OMENDB_ERR_USERS_FILE_CORRUPT', `users file ${path}: ${why}`, { path });
  const info = await stat(path);
  if (info.size > usersFileBytesMax) throw corrupt(`larger than ${usersFileBytesMax} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw corrupt('not JSON');
  }
  const file = parsed as Partial<UsersFile> | null;
  if (file === null || typeof file !== 'object' || file.version !== 1 || !Array.isArray(file.users))
    throw corrupt('expected {"version": 1, "users": [...]}');
  if (file.users.length > usersMax) throw corrupt(`more than ${usersMax} users`);
  const users = new Map<string, UserRecord>();
  for (const entry of file.users) {
    const { name, role, passwordHash, credentialId } = (entry ?? {}) as Partial<UserRecord>;
    try {
      validateUserName(name);
      validateRole(role);
    } catch {
      throw corrupt('an entry has an invalid name or role');
    }
    if (typeof passwordHash !== 'string' || typeof credentialId !== 'string' || users.has(name))
      throw corrupt(`entry ${name} is invalid or repeated`);
    users.set(name, { name, role, passwordHash, credentialId });
  }
  return users;
}

/**
 * Writes a secret-bearing file so that no reader ever sees it half written or world-readable:
 * created 0600 under a temp name (chmod again, in case a umask or an old file interfered),
 * fsynced, renamed over the target, and the directory fsynced.
 */
export async function writeFileAtomic0600(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.chmod(0o600);
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    // The old file is untouched; leave no half-written temp file beside it.
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
