import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOmenDbError, OmenDbError } from '../errors.ts';
import { createdDirMode, NodeFileSystem } from '../fs/node-file-system.ts';
import { usersLockRetryMs, usersLockRetryMsMax, usersLockWaitMsMax } from '../limits.ts';
import { acquireDirLock, type DirLock } from '../storage/dir-lock.ts';

/**
 * The cross-process lock on users-file changes: the file `LOCK` in the users file's directory
 * (`<data>/server/LOCK`, next to users.json), taken and released with the data-directory lock's
 * protocol (storage/dir-lock.ts) rather than a second implementation of it:
 *  - exclusive: the lock's content (pid, hostname, process start time, a random owner token) is
 *    written to a private file and published by a hard link, which fails with EEXIST when LOCK
 *    exists; that is O_EXCL's guarantee with plain node:fs (no fcntl), and LOCK is never seen
 *    half written.
 *  - stale: a process killed while holding it leaves LOCK behind. It is taken over when its pid
 *    no longer exists (process.kill(pid, 0) fails with ESRCH), or exists but started at another
 *    time than LOCK records (/proc/<pid>/stat: the pid was reused), or is this process while the
 *    owner token is not one of its live locks. A LOCK written on another host is never judged
 *    stale, because its processes cannot be seen: waiting on it ends in OMENDB_ERR_USERS_BUSY.
 * Waiting is bounded: attempts every usersLockRetryMs (doubling up to usersLockRetryMsMax) until
 * usersLockWaitMsMax has passed, then OMENDB_ERR_USERS_BUSY with nothing changed.
 */

const nodeFs = new NodeFileSystem();

export interface UsersLockOptions {
  /** How long to wait for a held lock; usersLockWaitMsMax unless a test needs it shorter. */
  readonly waitMs?: number;
}

/** Runs `section` while holding the users-file lock of `dir` (created 0700 when missing). */
export async function withUsersLock<T>(
  dir: string,
  section: () => Promise<T>,
  options: UsersLockOptions = {},
): Promise<T> {
  const lock = await acquireUsersLock(dir, options.waitMs ?? usersLockWaitMsMax);
  try {
    return await section();
  } finally {
    await lock.release();
  }
}

async function acquireUsersLock(dir: string, waitMs: number): Promise<DirLock> {
  await mkdir(dir, { recursive: true, mode: createdDirMode });
  const deadline = Date.now() + waitMs;
  // The count bound matches the time bound at the shortest pause, so neither can run away.
  const attemptsMax = Math.ceil(waitMs / usersLockRetryMs) + 1;
  let pauseMs = usersLockRetryMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await acquireDirLock(nodeFs, dir);
    } catch (error) {
      if (!isOmenDbError(error, 'OMENDB_ERR_DIR_LOCKED')) throw error;
      if (attempt >= attemptsMax || Date.now() + pauseMs > deadline) throw busy(dir, waitMs, error);
    }
    await sleep(pauseMs);
    pauseMs = Math.min(pauseMs * 2, usersLockRetryMsMax);
  }
}

function busy(dir: string, waitMs: number, cause: OmenDbError): OmenDbError {
  // DIR_LOCKED always names the holder, as null when its LOCK could not be read.
  const holder = cause.details as { pid: number | null; hostname: string | null };
  return new OmenDbError(
    'OMENDB_ERR_USERS_BUSY',
    `the users file is being changed by another process (pid ${holder.pid} on ${holder.hostname}); gave up after ${waitMs} ms. If no such process runs, remove ${dir}/LOCK`,
    { waitMs, pid: holder.pid },
    { cause },
  );
}
