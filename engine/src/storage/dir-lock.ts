import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { OmenDbError } from '../errors.ts';
import { type FileSystem, fsErrorCode } from '../fs/file-system.ts';

/**
 * The data-directory lock: a LOCK file created with O_EXCL holding the owner's pid, process start
 * time and a random owner token. A second engine on the same directory fails with
 * OMENDB_ERR_DIR_LOCKED; a lock whose owner is gone (a killed process, or an engine abandoned
 * inside this process by a simulated crash) is taken over.
 */
export interface DirLock {
  readonly owner: string;
  release(): Promise<void>;
}

interface LockContent {
  pid: number;
  hostname: string;
  startTicks: string | null;
  owner: string;
  acquiredAt: string;
}

const lockFileName = 'LOCK';
/** Exclusive-create attempts: the first, and one after taking over a stale lock. */
const acquireAttemptsMax = 2;

/** Owners alive in this process, per file-system domain (see FileSystem.lockDomain). */
const liveOwners = new WeakMap<object, Set<string>>();

function ownersOf(fs: FileSystem): Set<string> {
  let owners = liveOwners.get(fs.lockDomain);
  if (owners === undefined) {
    owners = new Set();
    liveOwners.set(fs.lockDomain, owners);
  }
  return owners;
}

/**
 * Field 22 of /proc/<pid>/stat: the process start time in clock ticks since boot. With the pid
 * it identifies a process even after its pid is reused. Read with node:fs directly: this is
 * about processes, not data, so it does not go through the file-system seam.
 */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return fsErrorCode(error) === 'EPERM';
  }
}

function ownerAlive(fs: FileSystem, content: LockContent): boolean {
  // Another host (a shared file system): we cannot see its processes, so we must assume it lives.
  if (content.hostname !== hostname()) return true;
  if (content.pid === process.pid) return ownersOf(fs).has(content.owner);
  if (!processAlive(content.pid)) return false;
  const ticks = processStartTicks(content.pid);
  return content.startTicks === null || ticks === null || ticks === content.startTicks;
}

function parseLock(bytes: Uint8Array): LockContent | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as LockContent;
    if (
      typeof parsed.pid === 'number' &&
      typeof parsed.owner === 'string' &&
      typeof parsed.hostname === 'string'
    ) {
      return parsed;
    }
  } catch {
    // fall through: an empty or torn lock file
  }
  return undefined;
}

function lockedError(dir: string, holder: LockContent | undefined): OmenDbError {
  return new OmenDbError('OMENDB_ERR_DIR_LOCKED', `data directory ${dir} is locked by another engine`, {
    dir,
    pid: holder?.pid ?? null,
  });
}

async function tryCreate(fs: FileSystem, dir: string, content: LockContent): Promise<boolean> {
  let handle: Awaited<ReturnType<FileSystem['open']>>;
  try {
    handle = await fs.open(`${dir}/${lockFileName}`, 'create-exclusive');
  } catch (error) {
    if (fsErrorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.write(0, new TextEncoder().encode(JSON.stringify(content)));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.syncDir(dir);
  return true;
}

/**
 * Takes over a stale lock without racing another taker: the stale file is renamed away (only
 * one rename of it can succeed), then read back. If what we moved is not the stale content we
 * judged (a racer had already replaced it with a live lock), it is linked back (link fails if
 * yet another lock exists, which is fine) and we report the directory as locked.
 */
async function takeOver(fs: FileSystem, dir: string, stale: Uint8Array): Promise<boolean> {
  const lockPath = `${dir}/${lockFileName}`;
  const moved = `${dir}/${lockFileName}.stale-${randomBytes(8).toString('hex')}`;
  try {
    await fs.rename(lockPath, moved);
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') return true;
    throw error;
  }
  const movedBytes = await fs.readFile(moved);
  const same = movedBytes.length === stale.length && movedBytes.every((b, i) => b === stale[i]);
  if (!same) {
    await fs.link(moved, lockPath).catch(() => undefined);
    await fs.unlink(moved);
    return false;
  }
  await fs.unlink(moved);
  return true;
}

export async function acquireDirLock(fs: FileSystem, dir: string): Promise<DirLock> {
  const content: LockContent = {
    pid: process.pid,
    hostname: hostname(),
    startTicks: processStartTicks(process.pid),
    owner: randomBytes(16).toString('hex'),
    acquiredAt: new Date().toISOString(),
  };
  let holder: LockContent | undefined;
  for (let attempt = 0; attempt < acquireAttemptsMax; attempt++) {
    ownersOf(fs).add(content.owner);
    let created = false;
    try {
      created = await tryCreate(fs, dir, content);
    } finally {
      if (!created) ownersOf(fs).delete(content.owner);
    }
    if (created) return makeLock(fs, dir, content.owner);
    const existing = await fs.readFile(`${dir}/${lockFileName}`).catch((error: unknown) => {
      if (fsErrorCode(error) === 'ENOENT') return undefined;
      throw error;
    });
    if (existing === undefined) continue;
    holder = parseLock(existing);
    // An empty or torn LOCK: its creator died between create and the synced write of its identity.
    if (holder !== undefined && ownerAlive(fs, holder)) throw lockedError(dir, holder);
    if (!(await takeOver(fs, dir, existing))) throw lockedError(dir, holder);
  }
  throw lockedError(dir, holder);
}

function makeLock(fs: FileSystem, dir: string, owner: string): DirLock {
  let released = false;
  return {
    owner,
    async release() {
      if (released) return;
      released = true;
      ownersOf(fs).delete(owner);
      const path = `${dir}/${lockFileName}`;
      const current = await fs.readFile(path).catch(() => undefined);
      if (current !== undefined && parseLock(current)?.owner === owner) {
        await fs.unlink(path);
        await fs.syncDir(dir);
      }
    },
  };
}
