import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isOmenDbError, type OmenDbError } from '../../src/errors.ts';
import type { FileHandle, FileSystem, OpenMode } from '../../src/fs/file-system.ts';
import { NodeFileSystem } from '../../src/fs/node-file-system.ts';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import {
  acquireDirLock,
  type DirLock,
  type LockContent,
  parseLockContent,
  parseStartTicks,
  processStartTicks,
} from '../../src/storage/dir-lock.ts';
import { createPrng } from '../../src/util/prng.ts';
import { errno } from '../support/codes.ts';

const holderFixture = fileURLToPath(new URL('./fixtures/hold-dir-lock.ts', import.meta.url));
const childStartTimeoutMs = 20_000;
const nodeFs = new NodeFileSystem();

const tempDirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-lock-`);
  tempDirs.push(dir);
  return dir;
}

function lockContent(overrides: Partial<LockContent> = {}): LockContent {
  return {
    pid: process.pid,
    hostname: hostname(),
    startTicks: null,
    owner: 'ab'.repeat(16),
    acquiredAt: new Date().toISOString(),
    ...overrides,
  };
}

async function writeLock(dir: string, content: LockContent | string): Promise<void> {
  await writeFile(`${dir}/LOCK`, typeof content === 'string' ? content : JSON.stringify(content));
}

async function readLock(dir: string): Promise<unknown> {
  return JSON.parse(await readFile(`${dir}/LOCK`, 'utf8'));
}

/** The error a lock attempt failed with; fails the test if it succeeded or failed otherwise. */
async function lockedError(promise: Promise<unknown>): Promise<OmenDbError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isOmenDbError(error) ? error.code : error).toBe('OMENDB_ERR_DIR_LOCKED');
  return error as OmenDbError;
}

/** Field 22 of /proc/<pid>/stat, parsed independently of the code under test. */
function startTicksFromProc(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const afterComm = /\) (.*)$/s.exec(stat);
  const ticks = afterComm?.[1]?.split(' ')[19];
  if (ticks === undefined) throw new Error(`cannot parse /proc/${pid}/stat`);
  return ticks;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await exitOf(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('child did not start');
  return pid;
}

/** A live node process that sleeps until killed. */
async function sleeper(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  if (child.pid === undefined) throw new Error('child did not start');
  return child as ChildProcess & { pid: number };
}

/** Runs the fixture child that takes the lock on `dir`; resolves with its first line of output. */
function startHolder(dir: string): { child: ChildProcess; firstLine: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', holderFixture, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('lock holder did not start')), childStartTimeoutMs);
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(buffered.slice(0, newline));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lock holder exited (${code}) before printing a line`));
    });
  });
  return { child, firstLine };
}

type OpName = 'open' | 'readFile' | 'rename' | 'link' | 'unlink' | 'syncDir';
type Hook = (op: OpName, path: string, target?: string) => Promise<void> | void;

/** Delegates to another file system, running a hook before each call (to race or fail it). */
class HookedFileSystem implements FileSystem {
  readonly lockDomain: object;

  constructor(
    private readonly inner: FileSystem,
    private readonly before: Hook,
  ) {
    this.lockDomain = inner.lockDomain;
  }

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    await this.before('open', path);
    return this.inner.open(path, mode);
  }
  async readFile(path: string): Promise<Uint8Array> {
    await this.before('readFile', path);
    return this.inner.readFile(path);
  }
  async rename(from: string, to: string): Promise<void> {
    await this.before('rename', from, to);
    return this.inner.rename(from, to);
  }
  async link(from: string, to: string): Promise<void> {
    await this.before('link', from, to);
    return this.inner.link(from, to);
  }
  async unlink(path: string): Promise<void> {
    await this.before('unlink', path);
    return this.inner.unlink(path);
  }
  async syncDir(dir: string): Promise<void> {
    await this.before('syncDir', dir);
    return this.inner.syncDir(dir);
  }
  list(dir: string): Promise<string[]> {
    return this.inner.list(dir);
  }
  mkdir(dir: string): Promise<void> {
    return this.inner.mkdir(dir);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  realpath(path: string): Promise<string> {
    return this.inner.realpath(path);
  }
  removeTree(dir: string): Promise<void> {
    return this.inner.removeTree(dir);
  }
}

/** Writes that take a while (a slow disk, a busy thread pool), to widen any create-to-write window. */
class SlowWriteFileSystem extends HookedFileSystem {
  constructor(inner: FileSystem) {
    super(inner, () => undefined);
  }

  override async open(path: string, mode: OpenMode): Promise<FileHandle> {
    const handle = await super.open(path, mode);
    return {
      path: handle.path,
      read: (position, length) => handle.read(position, length),
      write: async (position, data) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return handle.write(position, data);
      },
      size: () => handle.size(),
      truncate: (size) => handle.truncate(size),
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  }
}

const isStaleName = (path: string): boolean => /\/LOCK\.stale-[0-9a-f]+$/.test(path);

describe('dir lock: one engine per directory', () => {
  it('writes a synced LOCK naming this process and leaves no other file', async () => {
    const dir = await tempDir();
    const lock = await acquireDirLock(nodeFs, dir);
    expect(lock.owner).toMatch(/^[0-9a-f]{32}$/);
    const content = (await readLock(dir)) as LockContent;
    expect(content).toEqual({
      pid: process.pid,
      hostname: hostname(),
      startTicks: startTicksFromProc(process.pid),
      owner: lock.owner,
      acquiredAt: expect.any(String),
    });
    expect(new Date(content.acquiredAt).toISOString()).toBe(content.acquiredAt);
    expect(await readdir(dir)).toEqual(['LOCK']);
    await lock.release();
  });

  it('fails a second acquire in the same process with DIR_LOCKED', async () => {
    const dir = await tempDir();
    const lock = await acquireDirLock(nodeFs, dir);
    const before = await readFile(`${dir}/LOCK`);
    const error = await lockedError(acquireDirLock(nodeFs, dir));
    expect(error.status).toBe(409);
    expect(error.details).toEqual({ dir, pid: process.pid, hostname: hostname() });
    // Another NodeFileSystem instance reaches the same files, so it is the same lock domain.
    await lockedError(acquireDirLock(new NodeFileSystem(), dir));
    expect(await readFile(`${dir}/LOCK`)).toEqual(before);
    expect(await readdir(dir)).toEqual(['LOCK']);
    await lock.release();
  });

  it('lets exactly one of many concurrent acquires win', async () => {
    const dir = await tempDir();
    for (let round = 0; round < 5; round++) {
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => acquireDirLock(nodeFs, dir)));
      const won = outcomes.filter((o): o is PromiseFulfilledResult<DirLock> => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(isOmenDbError(outcome.reason, 'OMENDB_ERR_DIR_LOCKED')).toBe(true);
        }
      }
      expect(((await readLock(dir)) as LockContent).owner).toBe(won[0]!.value.owner);
      await won[0]!.value.release();
      expect(await readdir(dir)).toEqual([]);
    }
  });

  it('never lets two acquirers win when writes are slow (LOCK is published whole)', async () => {
    const dir = await tempDir();
    const fs = new SlowWriteFileSystem(nodeFs);
    for (let round = 0; round < 10; round++) {
      const outcomes = await Promise.allSettled([acquireDirLock(fs, dir), acquireDirLock(fs, dir)]);
      const won = outcomes.filter((o): o is PromiseFulfilledResult<DirLock> => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      await won[0]!.value.release();
    }
  });

  it('can be re-acquired after release, by a new owner', async () => {
    const dir = await tempDir();
    const first = await acquireDirLock(nodeFs, dir);
    await first.release();
    expect(await readdir(dir)).toEqual([]);
    const second = await acquireDirLock(nodeFs, dir);
    expect(second.owner).not.toBe(first.owner);
    expect(((await readLock(dir)) as LockContent).owner).toBe(second.owner);
    await second.release();
  });

  it('releases idempotently, and never removes a LOCK that is not its own', async () => {
    const dir = await tempDir();
    const lock = await acquireDirLock(nodeFs, dir);
    const concurrent = [lock.release(), lock.release()];
    expect(concurrent[0]).toBe(concurrent[1]);
    await Promise.all(concurrent);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);

    // A later holder's LOCK survives a late release of the earlier lock.
    const next = await acquireDirLock(nodeFs, dir);
    await lock.release();
    expect(((await readLock(dir)) as LockContent).owner).toBe(next.owner);
    await next.release();

    // A LOCK replaced by someone else (say, by hand) is left alone by release.
    const replaced = await acquireDirLock(nodeFs, dir);
    const foreign = lockContent({ owner: 'cd'.repeat(16) });
    await writeLock(dir, foreign);
    await replaced.release();
    expect(await readLock(dir)).toEqual(foreign);
  });

  it('fails with the file system error when the directory does not exist, and holds nothing', async () => {
    const dir = await tempDir();
    const error = await acquireDirLock(nodeFs, `${dir}/missing`).catch((caught: unknown) => caught);
    expect(isOmenDbError(error)).toBe(false);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});

describe('dir lock: stale locks are taken over', () => {
  it('takes over a LOCK whose process has exited', async () => {
    const dir = await tempDir();
    const pid = await deadPid();
    await writeLock(dir, lockContent({ pid, startTicks: '12345' }));
    const lock = await acquireDirLock(nodeFs, dir);
    expect(await readLock(dir)).toMatchObject({ pid: process.pid, owner: lock.owner });
    expect(await readdir(dir)).toEqual(['LOCK']);
    await lock.release();
  });

  it('takes over a LOCK with this pid but an owner token no engine here holds', async () => {
    const dir = await tempDir();
    await writeLock(dir, lockContent({ owner: 'ef'.repeat(16) }));
    const lock = await acquireDirLock(nodeFs, dir);
    expect(((await readLock(dir)) as LockContent).owner).toBe(lock.owner);
    await lock.release();
  });

  it.each([
    ['empty', ''],
    ['torn', '{"pid": 12'],
    ['not an object', '42'],
    ['null', 'null'],
    ['pid 0', JSON.stringify(lockContent({ pid: 0 }))],
    ['negative pid', JSON.stringify(lockContent({ pid: -1 }))],
    ['fractional pid', JSON.stringify(lockContent({ pid: 1.5 }))],
    ['missing owner', JSON.stringify({ ...lockContent(), owner: undefined })],
    ['numeric startTicks', JSON.stringify({ ...lockContent({ pid: 1 }), startTicks: 5 })],
  ])('takes over a LOCK that is %s', async (_name, text) => {
    const dir = await tempDir();
    await writeLock(dir, text);
    const lock = await acquireDirLock(nodeFs, dir);
    expect(((await readLock(dir)) as LockContent).owner).toBe(lock.owner);
    expect(await readdir(dir)).toEqual(['LOCK']);
    await lock.release();
  });

  it('takes over a LOCK whose pid now belongs to a process started at another time', async () => {
    const dir = await tempDir();
    const child = await sleeper();
    const ticks = startTicksFromProc(child.pid);
    await writeLock(dir, lockContent({ pid: child.pid, startTicks: `${ticks}0` }));
    const lock = await acquireDirLock(nodeFs, dir);
    expect(((await readLock(dir)) as LockContent).owner).toBe(lock.owner);
    await lock.release();
  });
});

describe('dir lock: live holders keep it', () => {
  it('fails while another live process holds it (pid and start time match)', async () => {
    const dir = await tempDir();
    const child = await sleeper();
    const content = lockContent({ pid: child.pid, startTicks: startTicksFromProc(child.pid) });
    await writeLock(dir, content);
    const error = await lockedError(acquireDirLock(nodeFs, dir));
    expect(error.details).toMatchObject({ dir, pid: child.pid });
    expect(await readLock(dir)).toEqual(content);
    expect(await readdir(dir)).toEqual(['LOCK']);
    child.kill('SIGKILL');
    await exitOf(child);
    const lock = await acquireDirLock(nodeFs, dir);
    await lock.release();
  });

  it('fails while a live process holds a LOCK that recorded no start time', async () => {
    const dir = await tempDir();
    const child = await sleeper();
    await writeLock(dir, lockContent({ pid: child.pid, startTicks: null }));
    const error = await lockedError(acquireDirLock(nodeFs, dir));
    expect(error.details).toMatchObject({ pid: child.pid });
  });

  it('treats a LOCK from another host as held, even with a pid that is dead here', async () => {
    const dir = await tempDir();
    const content = lockContent({ pid: await deadPid(), hostname: `${hostname()}-elsewhere` });
    await writeLock(dir, content);
    const error = await lockedError(acquireDirLock(nodeFs, dir));
    expect(error.details).toEqual({ dir, pid: content.pid, hostname: content.hostname });
    expect(await readLock(dir)).toEqual(content);
  });

  it.each(['EPERM', 'EINVAL'])('treats a pid whose probe fails with %s as alive', async (code) => {
    const dir = await tempDir();
    // A pid with no /proc entry, so the start-time check cannot tell either.
    const pid = await deadPid();
    await writeLock(dir, lockContent({ pid, startTicks: '1' }));
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => {
      throw errno(code);
    });
    await lockedError(acquireDirLock(nodeFs, dir));
    expect(kill).toHaveBeenCalledWith(pid, 0);
  });

  it('fails across processes, and is taken over once the holder is killed', async () => {
    const dir = await tempDir();
    const { child, firstLine } = startHolder(dir);
    expect(await firstLine).toBe('READY');
    expect(await readLock(dir)).toMatchObject({
      pid: child.pid,
      startTicks: startTicksFromProc(child.pid!),
    });
    const error = await lockedError(acquireDirLock(nodeFs, dir));
    expect(error.details).toMatchObject({ dir, pid: child.pid });

    child.kill('SIGKILL');
    await exitOf(child);
    const lock = await acquireDirLock(nodeFs, dir);
    expect(((await readLock(dir)) as LockContent).owner).toBe(lock.owner);
    expect(await readdir(dir)).toEqual(['LOCK']);

    // And the other way round: this process holds it, so a new child cannot take it.
    const second = startHolder(dir);
    expect(await second.firstLine).toBe('LOCKED OMENDB_ERR_DIR_LOCKED');
    await exitOf(second.child);
    expect(second.child.exitCode).toBe(1);
    await lock.release();
  });
});

describe('dir lock: racing takers', () => {
  it('puts back a live lock that replaced the stale one before its rename', async () => {
    const dir = await tempDir();
    await writeLock(dir, '');
    const racer = lockContent({ pid: await deadPid(), owner: '12'.repeat(16) });
    const fs = new HookedFileSystem(nodeFs, async (op, path) => {
      // Between our read of the empty LOCK and our rename, another taker replaced it.
      if (op === 'rename' && path === `${dir}/LOCK`) await writeLock(dir, racer);
    });
    const error = await lockedError(acquireDirLock(fs, dir));
    expect(error.details).toMatchObject({ pid: racer.pid });
    expect(await readLock(dir)).toEqual(racer);
    expect(await readdir(dir)).toEqual(['LOCK']);
  });

  it('leaves alone a lock published after its rename, when putting back the one it moved', async () => {
    const dir = await tempDir();
    await writeLock(dir, '');
    const racer = lockContent({ pid: await deadPid(), owner: '34'.repeat(16) });
    const newest = lockContent({ owner: '56'.repeat(16) });
    const fs = new HookedFileSystem(nodeFs, async (op, path, target) => {
      if (op === 'rename' && path === `${dir}/LOCK`) await writeLock(dir, racer);
      // After the rename, yet another acquirer publishes LOCK: the link back fails with EEXIST.
      if (op === 'link' && target === `${dir}/LOCK` && isStaleName(path)) await writeLock(dir, newest);
    });
    const error = await lockedError(acquireDirLock(fs, dir));
    expect(error.details).toMatchObject({ pid: racer.pid });
    expect(await readLock(dir)).toEqual(newest);
    expect(await readdir(dir)).toEqual(['LOCK']);
  });

  it('publishes when another taker already moved the stale lock away', async () => {
    const dir = await tempDir();
    await writeLock(dir, '');
    const fs = new HookedFileSystem(nodeFs, async (op, path) => {
      if (op === 'rename' && path === `${dir}/LOCK`) await unlink(`${dir}/LOCK`);
    });
    const lock = await acquireDirLock(fs, dir);
    expect(((await readLock(dir)) as LockContent).owner).toBe(lock.owner);
    await lock.release();
  });

  it('fails when another engine publishes between its takeover and its second publish', async () => {
    const dir = await tempDir();
    await writeLock(dir, lockContent({ pid: await deadPid() }));
    let other: DirLock | undefined;
    const fs = new HookedFileSystem(nodeFs, async (op, path) => {
      if (op === 'unlink' && isStaleName(path)) other = await acquireDirLock(nodeFs, dir);
    });
    const error = await lockedError(acquireDirLock(fs, dir));
    expect(error.details).toMatchObject({ pid: process.pid });
    expect(other).toBeDefined();
    expect(((await readLock(dir)) as LockContent).owner).toBe(other!.owner);
    expect(await readdir(dir)).toEqual(['LOCK']);
    await other!.release();
  });

  it('publishes again when the LOCK it collided with is released before it is read', async () => {
    const dir = await tempDir();
    const holder = await acquireDirLock(nodeFs, dir);
    let reads = 0;
    const fs = new HookedFileSystem(nodeFs, async (op, path) => {
      if (op === 'readFile' && path === `${dir}/LOCK` && reads++ === 0) await holder.release();
    });
    const lock = await acquireDirLock(fs, dir);
    expect(((await readLock(dir)) as LockContent).owner).toBe(lock.owner);
    await lock.release();
  });

  it('gives up with DIR_LOCKED when the LOCK keeps appearing and vanishing', async () => {
    const dir = await tempDir();
    const fs = new HookedFileSystem(nodeFs, async (op, path, target) => {
      if (op === 'link' && target === `${dir}/LOCK`) await writeLock(dir, lockContent());
      if (op === 'readFile' && path === `${dir}/LOCK`) await unlink(`${dir}/LOCK`);
    });
    const error = await lockedError(acquireDirLock(fs, dir));
    expect(error.details).toEqual({ dir, pid: null, hostname: null });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('dir lock: I/O failures', () => {
  it('rethrows a failed publish and holds nothing afterwards', async () => {
    const dir = await tempDir();
    const fs = new HookedFileSystem(nodeFs, (op) => {
      if (op === 'link') throw errno('EIO');
    });
    await expect(acquireDirLock(fs, dir)).rejects.toMatchObject({ code: 'EIO' });
    expect(await readdir(dir)).toEqual([]);
    const lock = await acquireDirLock(nodeFs, dir);
    await lock.release();
  });

  it('removes its LOCK when making it durable fails', async () => {
    const dir = await tempDir();
    const fs = new HookedFileSystem(nodeFs, (op) => {
      if (op === 'syncDir') throw errno('EIO');
    });
    await expect(acquireDirLock(fs, dir)).rejects.toMatchObject({ code: 'EIO' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('rethrows a failed rename of the stale lock', async () => {
    const dir = await tempDir();
    await writeLock(dir, '');
    const fs = new HookedFileSystem(nodeFs, (op) => {
      if (op === 'rename') throw errno('EIO');
    });
    await expect(acquireDirLock(fs, dir)).rejects.toMatchObject({ code: 'EIO' });
    expect(await readdir(dir)).toEqual(['LOCK']);
  });

  it('puts the moved lock back when it cannot read it', async () => {
    const dir = await tempDir();
    await writeLock(dir, 'torn');
    const fs = new HookedFileSystem(nodeFs, (op, path) => {
      if (op === 'readFile' && isStaleName(path)) throw errno('EIO');
    });
    await expect(acquireDirLock(fs, dir)).rejects.toMatchObject({ code: 'EIO' });
    expect(await readFile(`${dir}/LOCK`, 'utf8')).toBe('torn');
    expect(await readdir(dir)).toEqual(['LOCK']);
  });

  it('rethrows a failed link back of a live lock it moved', async () => {
    const dir = await tempDir();
    await writeLock(dir, '');
    const fs = new HookedFileSystem(nodeFs, async (op, path, target) => {
      if (op === 'rename' && path === `${dir}/LOCK`) await writeLock(dir, lockContent());
      if (op === 'link' && target === `${dir}/LOCK` && isStaleName(path)) throw errno('EIO');
    });
    await expect(acquireDirLock(fs, dir)).rejects.toMatchObject({ code: 'EIO' });
  });

  it('keeps a failed release failed, and stops counting the owner as live', async () => {
    const dir = await tempDir();
    const fs = new HookedFileSystem(nodeFs, (op, path) => {
      if (op === 'unlink' && path === `${dir}/LOCK`) throw errno('EIO');
    });
    const lock = await acquireDirLock(fs, dir);
    await expect(lock.release()).rejects.toMatchObject({ code: 'EIO' });
    await expect(lock.release()).rejects.toMatchObject({ code: 'EIO' });
    // Its LOCK is still there, but no engine here owns it any more: it is stale.
    const next = await acquireDirLock(nodeFs, dir);
    await next.release();
  });

  it('releases quietly when its LOCK vanishes before the unlink', async () => {
    const dir = await tempDir();
    const fs = new HookedFileSystem(nodeFs, async (op, path) => {
      if (op === 'unlink' && path === `${dir}/LOCK`) await unlink(path);
    });
    const lock = await acquireDirLock(fs, dir);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('dir lock: on the simulated file system', () => {
  const dir = '/db';

  async function simWithDir(): Promise<SimFileSystem> {
    const fs = new SimFileSystem();
    await fs.mkdir(dir);
    return fs;
  }

  it('holds the lock per simulated machine', async () => {
    const fs = await simWithDir();
    const lock = await acquireDirLock(fs, dir);
    await lockedError(acquireDirLock(fs, dir));
    // Another simulated machine is another lock domain, with its own files.
    const other = await simWithDir();
    await (await acquireDirLock(other, dir)).release();
    await lock.release();
    expect(await fs.list(dir)).toEqual([]);
  });

  it('makes LOCK durable before acquire returns', async () => {
    const fs = await simWithDir();
    const lock = await acquireDirLock(fs, dir);
    const durable = fs.crashLosingAll().snapshotDurable();
    expect([...durable.keys()]).toEqual([`${dir}/LOCK`]);
    expect(parseLockContent(durable.get(`${dir}/LOCK`)!)?.owner).toBe(lock.owner);
  });

  it('takes over the lock of an engine abandoned by a crash', async () => {
    const fs = await simWithDir();
    await acquireDirLock(fs, dir);
    for (const recovered of [fs.crashKeepingAll(), fs.crashLosingAll()]) {
      const lock = await acquireDirLock(recovered, dir);
      await lockedError(acquireDirLock(recovered, dir));
      await lock.release();
    }
  });

  it('never leaves a lock that wedges the directory, whatever step of acquire or release crashes', async () => {
    const probe = await simWithDir();
    const opsBefore = probe.opCount;
    await (await acquireDirLock(probe, dir)).release();
    const steps = probe.opCount - opsBefore;
    expect(steps).toBeGreaterThan(5);
    const prng = createPrng(20_240_601);
    for (let crashAt = 0; crashAt <= steps; crashAt++) {
      const fs = await simWithDir();
      fs.failAtOp(fs.opCount + crashAt);
      await acquireDirLock(fs, dir)
        .then((lock) => lock.release())
        .catch((error: unknown) => expect((error as NodeJS.ErrnoException).code).toBe('ESIMCRASHED'));
      for (let draw = 0; draw < 8; draw++) {
        const recovered = fs.crash(prng);
        const lock = await acquireDirLock(recovered, dir);
        await lock.release();
        const left = (await recovered.list(dir)).filter((name) => !name.startsWith('LOCK.new-'));
        expect(left, `crash at step ${crashAt}`).toEqual([]);
      }
    }
  });
});

describe('dir lock: helpers', () => {
  it('reads field 22 of /proc/<pid>/stat after the last parenthesis', () => {
    const rest = Array.from({ length: 50 }, (_, i) => String(i + 3));
    expect(parseStartTicks(`42 (tricky) name) (x) ${rest.join(' ')}\n`)).toBe('22');
    expect(parseStartTicks('42 no parenthesis at all')).toBeNull();
    expect(parseStartTicks('42 (short) S 1 2')).toBeNull();
    expect(parseStartTicks(`42 (x) ${rest.slice(0, 19).join(' ')} later`)).toBeNull();
  });

  it('reads the start time of a live process, and null for a missing one', async () => {
    expect(await processStartTicks(process.pid)).toBe(startTicksFromProc(process.pid));
    expect(await processStartTicks(await deadPid())).toBeNull();
  });
});
