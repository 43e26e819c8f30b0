import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { assert, OmenDbError } from '../errors.ts';
import { type FileSystem, fsErrorCode } from '../fs/file-system.ts';

/**
 * The data-directory lock: one engine per directory, across this process and every other one.
 *
 * The lock is the file `<dir>/LOCK`, holding JSON that names its owner: pid, hostname, process
 * start time (`startTicks`, to tell a live owner from a later process that reused its pid), a
 * random owner token and the time it was taken. A second acquire fails with
 * OMENDB_ERR_DIR_LOCKED while the owner lives; a lock whose owner is gone is taken over.
 *
 * Publishing. The content is written and fsynced into a private candidate file (created with
 * create-exclusive under a random name) and then hard-linked to LOCK. link fails with EEXIST when
 * LOCK exists, so it is the exclusive create, and LOCK never exists without its whole, durable
 * content. That is what makes an empty or torn LOCK safe to call stale: no live acquirer can be
 * between "create" and "write" (creating LOCK itself empty and writing it afterwards would let a
 * concurrent acquirer see it empty and steal it from its live creator). An empty or torn LOCK
 * therefore only comes from outside this protocol (a tool, a disk error, an older layout).
 *
 * Liveness of the owner named in LOCK:
 *  - another host: alive. We cannot see its processes, and guessing wrong would let two engines
 *    write one directory (on a shared file system); an operator must remove a lock left there.
 *  - this process (same pid): alive iff its owner token is in the live-owner registry of this
 *    file system's lock domain. A lock left by an engine abandoned inside this process, as a
 *    simulated crash does (the recovered file system is a new domain), is therefore stale; so is a
 *    lock from an earlier process that happened to have our pid.
 *  - another process: alive iff signal 0 to its pid does not fail with ESRCH (EPERM: it exists,
 *    owned by another user) and, when /proc tells us its start time and the lock recorded one, the
 *    two are equal (otherwise the pid was reused by an unrelated process).
 */
export interface DirLock {
  /** This holder's random owner token, as recorded in the LOCK file. */
  readonly owner: string;
  /**
   * Removes LOCK if it still names this owner, then makes that durable. Idempotent: every call
   * returns the one release.
   */
  release(): Promise<void>;
}

/** The JSON held by a LOCK file. */
export interface LockContent {
  readonly pid: number;
  readonly hostname: string;
  /** Field 22 of /proc/<pid>/stat, or null where /proc is not available. */
  readonly startTicks: string | null;
  readonly owner: string;
  readonly acquiredAt: string;
}

const lockFileName = 'LOCK';
/** Publish attempts per acquire: the first, and one more after taking over a stale or vanished lock. */
const acquireAttemptsMax = 2;
const ownerTokenBytes = 16;

/** Owner tokens of the locks held in this process, per lock domain (see FileSystem.lockDomain). */
const liveOwnersByDomain = new WeakMap<object, Set<string>>();

function liveOwners(fs: FileSystem): Set<string> {
  let owners = liveOwnersByDomain.get(fs.lockDomain);
  if (owners === undefined) {
    owners = new Set();
    liveOwnersByDomain.set(fs.lockDomain, owners);
  }
  return owners;
}

/**
 * Field 22 (starttime) of a /proc/<pid>/stat line. Field 2 is the command name in parentheses
 * and may itself hold spaces and parentheses, so the fields are counted after the last ')'.
 */
export function parseStartTicks(stat: string): string | null {
  const commEnd = stat.lastIndexOf(')');
  if (commEnd < 0) return null;
  // After the ')' come field 3 (state), field 4, ...: field 22 is at index 22 - 3.
  const ticks = stat
    .slice(commEnd + 1)
    .trim()
    .split(' ')[22 - 3];
  return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : null;
}

/**
 * The start time of a process in clock ticks since boot, or null where /proc is not readable.
 * Read with node:fs directly, not through the FileSystem seam: this is about processes, not
 * data, and a simulated file system has no /proc.
 */
export async function processStartTicks(pid: number): Promise<string | null> {
  try {
    return parseStartTicks(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user. Anything but ESRCH: we cannot tell, so alive.
    return fsErrorCode(error) !== 'ESRCH';
  }
}

async function ownerAlive(fs: FileSystem, holder: LockContent): Promise<boolean> {
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return liveOwners(fs).has(holder.owner);
  if (!processExists(holder.pid)) return false;
  if (holder.startTicks === null) return true;
  const ticks = await processStartTicks(holder.pid);
  return ticks === null || ticks === holder.startTicks;
}

/** The owner named by LOCK bytes, or undefined for an empty, torn or foreign file. */
export function parseLockContent(bytes: Uint8Array): LockContent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { pid, hostname, startTicks, owner, acquiredAt } = parsed as Record<string, unknown>;
  // A pid of 0 or below would make kill(pid, 0) probe a process group: not a lock we wrote.
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof hostname !== 'string' || typeof owner !== 'string' || typeof acquiredAt !== 'string') {
    return undefined;
  }
  if (startTicks !== null && typeof startTicks !== 'string') return undefined;
  return { pid, hostname, startTicks, owner, acquiredAt };
}

function lockedError(dir: string, holder: LockContent | undefined): OmenDbError {
  const details = { dir, pid: holder?.pid ?? null, hostname: holder?.hostname ?? null };
  if (holder === undefined) {
    return new OmenDbError(
      'OMENDB_ERR_DIR_LOCKED',
      `data directory ${dir} is locked by another engine`,
      details,
    );
  }
  const where = holder.hostname === hostname() ? '' : ` on host ${holder.hostname}`;
  const hint =
    where === '' ? '' : `; if no engine runs there, remove ${dir}/${lockFileName} by hand to take it over`;
  return new OmenDbError(
    'OMENDB_ERR_DIR_LOCKED',
    `data directory ${dir} is locked by another engine (pid ${holder.pid}${where})${hint}`,
    details,
  );
}

async function readIfExists(fs: FileSystem, path: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

async function writeCandidate(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  const handle = await fs.open(path, 'create-exclusive');
  try {
    await handle.write(0, bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Links the candidate to LOCK; false when LOCK already exists. */
async function linkExclusive(fs: FileSystem, candidate: string, lockPath: string): Promise<boolean> {
  try {
    await fs.link(candidate, lockPath);
    return true;
  } catch (error) {
    if (fsErrorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

type TakeOver = { readonly taken: true } | { readonly taken: false; readonly found: Uint8Array };

/**
 * Removes a stale LOCK whose bytes were `stale`, safely against other takers and acquirers:
 *  1. rename LOCK to a private name. Only one rename of a given LOCK can succeed, so at most one
 *     taker moves it; a taker that finds it gone (ENOENT) simply retries the publish, which is
 *     exclusive anyway.
 *  2. read what was moved. Between our read of `stale` and the rename, another taker may have
 *     removed the stale lock and a live acquirer published a new one: then we moved a live lock.
 *  3. if the bytes differ from `stale`, put the live lock back by linking it to LOCK (that fails
 *     with EEXIST only if yet another acquirer published meanwhile, which then holds the
 *     directory), drop our name for it and report the directory locked.
 *  4. otherwise drop the stale file; the caller publishes once more.
 * Three concurrent acquirers on a stale lock can still, in the window of step 3, leave one live
 * holder without its LOCK file; that needs a crashed holder and three openers racing together.
 */
async function takeOver(fs: FileSystem, dir: string, stale: Uint8Array): Promise<TakeOver> {
  const lockPath = `${dir}/${lockFileName}`;
  const moved = `${dir}/${lockFileName}.stale-${randomBytes(ownerTokenBytes).toString('hex')}`;
  try {
    await fs.rename(lockPath, moved);
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') return { taken: true };
    throw error;
  }
  let found: Uint8Array;
  try {
    found = await fs.readFile(moved);
  } catch (error) {
    // We cannot tell what we moved: put it back as if it were live.
    await fs.link(moved, lockPath).catch(() => undefined);
    await fs.unlink(moved).catch(() => undefined);
    throw error;
  }
  if (sameBytes(found, stale)) {
    await fs.unlink(moved);
    return { taken: true };
  }
  try {
    await fs.link(moved, lockPath);
  } catch (error) {
    if (fsErrorCode(error) !== 'EEXIST') throw error;
  }
  await fs.unlink(moved);
  return { taken: false, found };
}

/** Publishes the candidate as LOCK, taking over a stale lock at most once; else DIR_LOCKED. */
async function publish(fs: FileSystem, dir: string, candidate: string): Promise<void> {
  const lockPath = `${dir}/${lockFileName}`;
  let holder: LockContent | undefined;
  for (let attempt = 1; attempt <= acquireAttemptsMax; attempt++) {
    if (await linkExclusive(fs, candidate, lockPath)) return;
    const existing = await readIfExists(fs, lockPath);
    // Released between our link and our read: publish again.
    if (existing === undefined) continue;
    holder = parseLockContent(existing);
    if (attempt === acquireAttemptsMax) break;
    // An empty or torn LOCK (holder undefined) is stale: see "Publishing" above.
    if (holder !== undefined && (await ownerAlive(fs, holder))) break;
    const outcome = await takeOver(fs, dir, existing);
    if (!outcome.taken) {
      holder = parseLockContent(outcome.found);
      break;
    }
  }
  throw lockedError(dir, holder);
}

/**
 * Takes the lock on `dir` (which must exist), or fails with OMENDB_ERR_DIR_LOCKED (details: dir,
 * pid and hostname of the holder, null when unknown) while another live engine holds it.
 */
export async function acquireDirLock(fs: FileSystem, dir: string): Promise<DirLock> {
  const owner = randomBytes(ownerTokenBytes).toString('hex');
  const content: LockContent = {
    pid: process.pid,
    hostname: hostname(),
    startTicks: await processStartTicks(process.pid),
    owner,
    acquiredAt: new Date().toISOString(),
  };
  const candidate = `${dir}/${lockFileName}.new-${owner}`;
  const owners = liveOwners(fs);
  assert(!owners.has(owner), 'owner tokens are unique');
  // Live before LOCK can name us: an acquirer in this process that reads it must see it held.
  owners.add(owner);
  let published = false;
  try {
    try {
      await writeCandidate(fs, candidate, new TextEncoder().encode(JSON.stringify(content)));
      await publish(fs, dir, candidate);
      published = true;
    } finally {
      // LOCK (if published) keeps the inode; the candidate name was only the way to publish it
      // whole. A name left behind by a failed unlink is harmless, so its error is not ours.
      await fs.unlink(candidate).catch(() => undefined);
    }
    await fs.syncDir(dir);
  } catch (error) {
    if (published) await removeIfOwned(fs, dir, owner).catch(() => undefined);
    owners.delete(owner);
    throw error;
  }
  return heldLock(fs, dir, owner);
}

/** Unlinks LOCK if it names `owner`; true when it did. */
async function removeIfOwned(fs: FileSystem, dir: string, owner: string): Promise<boolean> {
  const lockPath = `${dir}/${lockFileName}`;
  const bytes = await readIfExists(fs, lockPath);
  if (bytes === undefined || parseLockContent(bytes)?.owner !== owner) return false;
  try {
    await fs.unlink(lockPath);
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') return false;
    throw error;
  }
  return true;
}

function heldLock(fs: FileSystem, dir: string, owner: string): DirLock {
  let released: Promise<void> | undefined;
  const release = async (): Promise<void> => {
    try {
      if (await removeIfOwned(fs, dir, owner)) await fs.syncDir(dir);
    } finally {
      // Only now: while LOCK names us, an acquirer in this process must judge it alive, or it
      // could take it over and lose its own LOCK to our unlink.
      liveOwners(fs).delete(owner);
    }
  };
  return {
    owner,
    release() {
      released ??= release();
      return released;
    },
  };
}
