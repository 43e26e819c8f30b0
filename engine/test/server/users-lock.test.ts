import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { usersLockWaitMsMax } from '../../src/limits.ts';
import { withUsersLock } from '../../src/server/users-lock.ts';
import { UsersStore, usersFilePath } from '../../src/server/users-store.ts';
import { cleanEnv, runOmendb, stderrCode } from '../cli/cli-process.ts';
import { codeOf } from '../support/codes.ts';

/**
 * The users-file lock: one holder at a time in this process and across processes, a bounded
 * wait that ends in OMENDB_ERR_USERS_BUSY, and a lock left by a killed process taken over.
 */

const holderFixture = fileURLToPath(new URL('./fixtures/hold-users-lock.ts', import.meta.url));
const childStartTimeoutMs = 20_000;
const password = 'users-lock-test-password';
const tempDirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) await kill(child);
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-users-lock-`);
  tempDirs.push(dir);
  return dir;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A child process that holds the users lock of `dir` once it resolves. */
async function holdLockInChild(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holderFixture, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the lock holder did not start')), childStartTimeoutMs);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('HELD\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the lock holder exited: ${output}`));
    });
  });
  return child;
}

describe('withUsersLock', () => {
  it('runs sections one at a time in one process, even from different stores', async () => {
    const dir = await tempDir();
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        withUsersLock(dir, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(5);
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // Released every time, leaving nothing behind but the directory.
    expect(await readdir(dir)).toEqual([]);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('releases the lock when the section throws, and passes the error on', async () => {
    const dir = await tempDir();
    const failure = new Error('section failed');
    await expect(withUsersLock(dir, () => Promise.reject(failure))).rejects.toBe(failure);
    expect(await withUsersLock(dir, async () => 'next', { waitMs: 100 })).toBe('next');
  });

  it('passes on a file-system failure other than a held lock, without waiting', async () => {
    const dir = await tempDir();
    await writeFile(`${dir}/plain`, 'x');
    const started = Date.now();
    await expect(withUsersLock(`${dir}/plain/server`, async () => 'never')).rejects.toMatchObject({
      code: 'ENOTDIR',
    });
    expect(Date.now() - started).toBeLessThan(usersLockWaitMsMax);
  });

  it('a lock held by another live process: OMENDB_ERR_USERS_BUSY after the bounded wait, nothing changed', async () => {
    const dir = await tempDir();
    const waitMs = 1000;
    const store = await UsersStore.open(dir, { waitMs });
    await store.add('before', 'reader', password);
    const fileBefore = await readFile(usersFilePath(dir), 'utf8');
    await holdLockInChild(`${dir}/server`);
    const started = Date.now();
    // Three changes queued in one store: each gives up waitMs after it was asked for, so
    // together they take about waitMs, not three times it. (Removals: no password hash, whose
    // time on a busy machine would blur the figure.)
    const codes = await Promise.all([1, 2, 3].map(() => codeOf(store.remove('before'))));
    const waited = Date.now() - started;
    expect(codes).toEqual(['OMENDB_ERR_USERS_BUSY', 'OMENDB_ERR_USERS_BUSY', 'OMENDB_ERR_USERS_BUSY']);
    expect(waited).toBeGreaterThanOrEqual(waitMs - 50);
    expect(waited).toBeLessThan(2 * waitMs);
    expect(await codeOf(store.add('during', 'reader', password))).toBe('OMENDB_ERR_USERS_BUSY');
    expect(await readFile(usersFilePath(dir), 'utf8')).toBe(fileBefore);
    // A wait of 0 refuses after one attempt, not after the default wait.
    const once = Date.now();
    const refused = withUsersLock(`${dir}/server`, async () => 'never', { waitMs: 0 });
    expect(await codeOf(refused)).toBe('OMENDB_ERR_USERS_BUSY');
    expect(Date.now() - once).toBeLessThan(usersLockWaitMsMax);
  });

  it(`omendb users add waits usersLockWaitMsMax (${usersLockWaitMsMax} ms) for a live holder, then exits 1 with OMENDB_ERR_USERS_BUSY`, async () => {
    const dir = await tempDir();
    await holdLockInChild(`${dir}/server`);
    const started = Date.now();
    const result = await runOmendb(['users', 'add', 'late', '--role', 'reader', '--data', dir], {
      env: cleanEnv({ OMENDB_USER_PASSWORD: password }),
    });
    expect(result.exitCode, String(result.stderr)).toBe(1);
    expect(stderrCode(result.stderr)).toBe('OMENDB_ERR_USERS_BUSY');
    expect(Date.now() - started).toBeGreaterThanOrEqual(usersLockWaitMsMax);
    expect((await UsersStore.open(dir)).list()).toEqual([]);
  });

  it('a lock left by a killed process does not block: the next change takes it over at once', async () => {
    const dir = await tempDir();
    const holder = await holdLockInChild(`${dir}/server`);
    await kill(holder);
    // The dead holder's LOCK is still there, naming its pid.
    const lock = JSON.parse(await readFile(`${dir}/server/LOCK`, 'utf8')) as { pid: number };
    expect(lock.pid).toBe(holder.pid);
    // Taken over in the first attempt: a wait of 0 allows no second one.
    expect(await withUsersLock(`${dir}/server`, async () => 'taken', { waitMs: 0 })).toBe('taken');
    const holderAgain = await holdLockInChild(`${dir}/server`);
    await kill(holderAgain);
    await (await UsersStore.open(dir)).add('after-kill', 'writer', password);
    // And from another process, through the real command.
    const result = await runOmendb(['users', 'add', 'cli-after-kill', '--role', 'reader', '--data', dir], {
      env: cleanEnv({ OMENDB_USER_PASSWORD: password }),
    });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect((await UsersStore.open(dir)).list().map((user) => user.name)).toEqual([
      'after-kill',
      'cli-after-kill',
    ]);
    expect(await readdir(`${dir}/server`)).toEqual(['users.json']);
  });
});
