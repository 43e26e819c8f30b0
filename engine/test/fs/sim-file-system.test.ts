import { describe, expect, it } from 'vitest';
import type { FileHandle } from '../../src/fs/file-system.ts';
import {
  SIM_CRASHED_CODE,
  SimFileSystem,
  type SimOp,
  SimulatedCrashError,
} from '../../src/fs/sim-file-system.ts';
import { createPrng, type Prng } from '../../src/util/prng.ts';
import { seededPrng } from '../support/seeds.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);
const text = (data: Uint8Array): string => decoder.decode(data);

/** A new file system with the given directories, made in order. */
async function fresh(dirs: readonly string[] = ['/db']): Promise<SimFileSystem> {
  const fs = new SimFileSystem();
  for (const dir of dirs) await fs.mkdir(dir);
  return fs;
}

/** Creates (or overwrites from 0) a file; fsyncs its content unless told not to. */
async function put(fs: SimFileSystem, path: string, content: string, sync = true): Promise<void> {
  const handle = await fs.open(path, 'write');
  await handle.write(0, bytes(content));
  if (sync) await handle.sync();
  await handle.close();
}

async function readText(fs: SimFileSystem, path: string): Promise<string> {
  return text(await fs.readFile(path));
}

/** Every directory and file reachable from '/', with file contents, through the public API. */
async function dump(
  fs: SimFileSystem,
  dir = '/',
  out = new Map<string, string>(),
): Promise<Map<string, string>> {
  for (const name of await fs.list(dir)) {
    const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
    try {
      out.set(path, await readText(fs, path));
    } catch (error) {
      expect(error).toMatchObject({ code: 'EISDIR' });
      out.set(path, '<dir>');
      await dump(fs, path, out);
    }
  }
  return out;
}

function randomBytes(prng: Prng, length: number): Uint8Array {
  const data = new Uint8Array(length);
  // Never 0, so that a wrongly zero-filled byte cannot pass for written data.
  for (let i = 0; i < length; i++) data[i] = 1 + prng.int(255);
  return data;
}

describe('SimFileSystem: file content', () => {
  it('reads back what was written, and reads past the end return fewer bytes', async () => {
    const fs = await fresh();
    const handle = await fs.open('/db/f', 'create-exclusive');
    await handle.write(0, bytes('hello world'));
    expect(await handle.size()).toBe(11);
    expect(text(await handle.read(0, 5))).toBe('hello');
    expect(text(await handle.read(6, 100))).toBe('world');
    expect((await handle.read(11, 4)).length).toBe(0);
    expect((await handle.read(50, 4)).length).toBe(0);
    await handle.write(6, bytes('WORLD!'));
    expect(await readText(fs, '/db/f')).toBe('hello WORLD!');
  });

  it('zero-fills the gap when writing past the end', async () => {
    const fs = await fresh();
    const handle = await fs.open('/db/f', 'write');
    await handle.write(0, bytes('ab'));
    await handle.write(5, bytes('cd'));
    expect(Array.from(await fs.readFile('/db/f'))).toEqual([97, 98, 0, 0, 0, 99, 100]);
  });

  it('zero-fills after a shrinking truncate, even where old bytes were', async () => {
    const fs = await fresh();
    const handle = await fs.open('/db/f', 'write');
    await handle.write(0, bytes('abcdefgh'));
    await handle.truncate(2);
    expect(await handle.size()).toBe(2);
    await handle.truncate(4);
    expect(Array.from(await handle.read(0, 10))).toEqual([97, 98, 0, 0]);
    await handle.truncate(1);
    await handle.write(3, bytes('z'));
    expect(Array.from(await handle.read(0, 10))).toEqual([97, 0, 0, 122]);
  });

  it('grows a file over many appends', async () => {
    const fs = await fresh();
    const handle = await fs.open('/db/f', 'write');
    const expected: number[] = [];
    for (let i = 0; i < 2000; i++) {
      await handle.write(i, Uint8Array.of(i % 251));
      expected.push(i % 251);
    }
    expect(Array.from(await fs.readFile('/db/f'))).toEqual(expected);
  });

  it('copies data in and out, so callers cannot alias file content', async () => {
    const fs = await fresh();
    const handle = await fs.open('/db/f', 'write');
    const data = bytes('abc');
    await handle.write(0, data);
    data[0] = 120;
    const read = await handle.read(0, 3);
    const whole = await fs.readFile('/db/f');
    await handle.write(0, bytes('XYZ'));
    expect(text(read)).toBe('abc');
    expect(text(whole)).toBe('abc');
  });

  it('keeps what was written even if the caller reuses its buffer before the crash', async () => {
    const fs = await fresh();
    await fs.syncDir('/db');
    const handle = await fs.open('/db/f', 'write');
    await fs.syncDir('/db');
    const data = bytes('abc');
    await handle.write(0, data);
    data.fill(0);
    expect(await readText(fs.crashKeepingAll(), '/db/f')).toBe('abc');
  });

  it('ignores a zero-byte write, even past the end', async () => {
    const fs = await fresh();
    const handle = await fs.open('/db/f', 'write');
    await handle.write(10, new Uint8Array(0));
    expect(await handle.size()).toBe(0);
  });

  it("does not truncate on open 'write'", async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'keep me');
    const handle = await fs.open('/db/f', 'write');
    expect(await handle.size()).toBe(7);
  });

  it('rejects invalid positions and sizes with EINVAL, and oversize files with EFBIG', async () => {
    const fs = new SimFileSystem({ maxFileSize: 16 });
    const handle = await fs.open('/f', 'write');
    await expect(handle.read(-1, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(handle.read(0, 1.5)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(handle.write(-1, bytes('a'))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(handle.truncate(Number.NaN)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(handle.write(10, bytes('1234567'))).rejects.toMatchObject({ code: 'EFBIG' });
    await expect(handle.truncate(17)).rejects.toMatchObject({ code: 'EFBIG' });
    await handle.write(10, bytes('123456'));
    expect(await handle.size()).toBe(16);
  });

  it('refuses writes and truncates through a read-only handle', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'abc');
    const handle = await fs.open('/db/f', 'read');
    await expect(handle.write(0, bytes('x'))).rejects.toMatchObject({ code: 'EBADF' });
    await expect(handle.truncate(0)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(await readText(fs, '/db/f')).toBe('abc');
  });

  it('rejects calls on a closed handle with EBADF; closing twice is harmless', async () => {
    const fs = await fresh();
    const handle = await fs.open('/db/f', 'write');
    await handle.close();
    await handle.close();
    await expect(handle.read(0, 1)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(handle.write(0, bytes('x'))).rejects.toMatchObject({ code: 'EBADF' });
    await expect(handle.size()).rejects.toMatchObject({ code: 'EBADF' });
    await expect(handle.sync()).rejects.toMatchObject({ code: 'EBADF' });
    expect(await fs.readFile('/db/f')).toEqual(new Uint8Array(0));
  });
});

describe('SimFileSystem: namespace', () => {
  it('reports ENOENT, EEXIST, EISDIR and ENOTDIR like POSIX', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'x');
    await expect(fs.open('/db/missing', 'read')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.open('/db/f', 'create-exclusive')).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(fs.open('/nodir/f', 'write')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.open('/db/f/g', 'write')).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(fs.open('/db', 'read')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(fs.readFile('/db/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.readFile('/db')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(fs.list('/db/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.list('/db/f')).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(fs.list('/db/f/g')).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(fs.syncDir('/db/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.unlink('/db/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.unlink('/db')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(fs.realpath('/db/missing')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses removeTree with ENOTSUP: directories are never removed in the simulation', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'x');
    await expect(fs.removeTree('/db')).rejects.toMatchObject({ code: 'ENOTSUP' });
    expect(await fs.list('/db')).toEqual(['f']);
  });

  it('normalizes paths', async () => {
    const fs = await fresh();
    await put(fs, '/db//./f', 'x');
    expect(await readText(fs, 'db/f')).toBe('x');
    expect(await fs.realpath('/db/sub/../f')).toBe('/db/f');
    expect(await fs.realpath('/db/')).toBe('/db');
    expect(await fs.exists('/db/x/../f')).toBe(true);
  });

  it('lists files and subdirectories of one directory, sorted', async () => {
    const fs = await fresh();
    await fs.mkdir('/db/wal/deep');
    await fs.mkdir('/db/segments');
    for (const name of ['b', 'a', 'C', '10', '9']) await put(fs, `/db/${name}`, name);
    await put(fs, '/db/wal/w', 'w');
    expect(await fs.list('/db')).toEqual(['10', '9', 'C', 'a', 'b', 'segments', 'wal']);
    expect(await fs.list('/db/wal')).toEqual(['deep', 'w']);
    expect(await fs.list('/')).toEqual(['db']);
  });

  it('mkdir creates parents, accepts existing directories and refuses files in the way', async () => {
    const fs = new SimFileSystem();
    await fs.mkdir('/a/b/c');
    await fs.mkdir('/a/b');
    expect(await fs.list('/a/b')).toEqual(['c']);
    await put(fs, '/a/file', 'x');
    await expect(fs.mkdir('/a/file')).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(fs.mkdir('/a/file/sub')).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(await fs.exists('/a/b/c')).toBe(true);
    expect(await fs.exists('/a/nope')).toBe(false);
    expect(await fs.exists('/a/file/sub')).toBe(false);
  });

  it('rename replaces the destination atomically; a handle on the old destination keeps its inode', async () => {
    const fs = await fresh();
    await put(fs, '/db/a', 'old');
    await put(fs, '/db/tmp', 'new');
    const oldHandle = await fs.open('/db/a', 'read');
    await fs.rename('/db/tmp', '/db/a');
    expect(await readText(fs, '/db/a')).toBe('new');
    expect(await fs.exists('/db/tmp')).toBe(false);
    expect(text(await oldHandle.read(0, 10))).toBe('old');
    expect(await fs.list('/db')).toEqual(['a']);
  });

  it('rename of a file onto itself or onto another link to it does nothing', async () => {
    const fs = await fresh();
    await put(fs, '/db/a', 'x');
    await fs.rename('/db/a', '/db/a');
    await fs.link('/db/a', '/db/b');
    await fs.rename('/db/a', '/db/b');
    expect(await fs.list('/db')).toEqual(['a', 'b']);
  });

  it('rename fails with ENOENT, EISDIR and ENOTSUP where it must', async () => {
    const fs = await fresh();
    await fs.mkdir('/db/sub');
    await put(fs, '/db/a', 'x');
    await expect(fs.rename('/db/missing', '/db/b')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.rename('/db/a', '/db/sub')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(fs.rename('/db/a', '/nodir/b')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.rename('/db/sub', '/db/sub2')).rejects.toMatchObject({ code: 'ENOTSUP' });
    expect(await fs.list('/db')).toEqual(['a', 'sub']);
  });

  it('link shares the inode and fails with EEXIST, ENOENT or EPERM', async () => {
    const fs = await fresh();
    await fs.mkdir('/db/sub');
    await put(fs, '/db/a', 'one');
    await put(fs, '/db/b', 'two');
    await fs.link('/db/a', '/db/c');
    const handle = await fs.open('/db/c', 'write');
    await handle.write(0, bytes('ONE'));
    expect(await readText(fs, '/db/a')).toBe('ONE');
    await expect(fs.link('/db/a', '/db/b')).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(fs.link('/db/a', '/db/sub')).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(fs.link('/db/missing', '/db/d')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.link('/db/a', '/nodir/d')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.link('/db/sub', '/db/d')).rejects.toMatchObject({ code: 'EPERM' });
    expect(await readText(fs, '/db/b')).toBe('two');
  });

  it('unlink of an open file keeps the handle working', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'abc');
    const handle = await fs.open('/db/f', 'write');
    await fs.unlink('/db/f');
    expect(await fs.exists('/db/f')).toBe(false);
    await handle.write(3, bytes('def'));
    await handle.sync();
    expect(text(await handle.read(0, 10))).toBe('abcdef');
    expect(await fs.list('/db')).toEqual([]);
    // A new file under the old name is a different inode.
    await put(fs, '/db/f', 'new');
    expect(text(await handle.read(0, 10))).toBe('abcdef');
  });

  it('gives every instance its own lock domain, and a new one after a crash', async () => {
    const a = new SimFileSystem();
    const b = new SimFileSystem();
    expect(a.lockDomain).not.toBe(b.lockDomain);
    expect(a.crashKeepingAll().lockDomain).not.toBe(a.lockDomain);
  });
});

describe('SimFileSystem: crashes', () => {
  it('keeps fsynced data whose entry was synced, under every crash', async () => {
    const master = seededPrng();
    for (let run = 0; run < 200; run++) {
      const fs = await fresh();
      await put(fs, '/db/durable', 'safe');
      await fs.syncDir('/db');
      const handle = await fs.open('/db/durable', 'write');
      await handle.write(4, bytes(' and more'));
      await put(fs, '/db/later', 'maybe', master.chance(0.5));
      const after = fs.crash(createPrng(master.int(2 ** 32)));
      expect((await readText(after, '/db/durable')).startsWith('safe')).toBe(true);
    }
  });

  it('loses unsynced data with crashLosingAll and keeps it with crashKeepingAll', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'synced');
    await fs.syncDir('/db');
    const handle = await fs.open('/db/f', 'write');
    await handle.write(6, bytes('+pending'));
    await handle.truncate(10);
    expect(await readText(fs.crashLosingAll(), '/db/f')).toBe('synced');
    expect(await readText(fs.crashKeepingAll(), '/db/f')).toBe('synced+pen');
  });

  it('makes data durable by replaying small pending changes or copying the file', async () => {
    const fs = await fresh();
    const handle = await fs.open('/db/f', 'write');
    await fs.syncDir('/db');
    await handle.write(0, new Uint8Array(1000).fill(1));
    await handle.sync();
    await handle.write(500, new Uint8Array(10).fill(2));
    await handle.truncate(900);
    await handle.sync();
    await handle.sync();
    const content = await fs.crashLosingAll().readFile('/db/f');
    const expected = new Uint8Array(900).fill(1);
    expected.fill(2, 500, 510);
    expect(content).toEqual(expected);
  });

  it('loses a file created without syncDir even though its content was fsynced', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'fsynced content');
    expect(await fs.crashLosingAll().exists('/db/f')).toBe(false);
    expect(await readText(fs.crashKeepingAll(), '/db/f')).toBe('fsynced content');
    const synced = await fresh();
    await put(synced, '/db/f', 'fsynced content');
    await synced.syncDir('/db');
    expect(await readText(synced.crashLosingAll(), '/db/f')).toBe('fsynced content');
  });

  it('reverts a rename without syncDir, and keeps it after syncDir', async () => {
    const fs = await fresh();
    await put(fs, '/db/a', 'old');
    await put(fs, '/db/tmp', 'new');
    await fs.syncDir('/db');
    await fs.rename('/db/tmp', '/db/a');
    const lost = fs.crashLosingAll();
    expect(await readText(lost, '/db/a')).toBe('old');
    expect(await readText(lost, '/db/tmp')).toBe('new');
    const kept = fs.crashKeepingAll();
    expect(await dump(kept)).toEqual(
      new Map([
        ['/db', '<dir>'],
        ['/db/a', 'new'],
      ]),
    );

    const synced = await fresh();
    await put(synced, '/db/tmp', 'new');
    await synced.syncDir('/db');
    await synced.rename('/db/tmp', '/db/a');
    await synced.syncDir('/db');
    expect(await dump(synced.crashLosingAll())).toEqual(
      new Map([
        ['/db', '<dir>'],
        ['/db/a', 'new'],
      ]),
    );
  });

  it('reverts an unlink and a link without syncDir', async () => {
    const fs = await fresh();
    await put(fs, '/db/a', 'a');
    await put(fs, '/db/b', 'b');
    await fs.syncDir('/db');
    await fs.unlink('/db/a');
    await fs.link('/db/b', '/db/c');
    expect(await fs.crashLosingAll().list('/db')).toEqual(['a', 'b']);
    expect(await fs.crashKeepingAll().list('/db')).toEqual(['b', 'c']);
  });

  it('keeps a prefix of each directory’s entry changes, in order', async () => {
    const master = seededPrng();
    const names = ['f1', 'f2', 'f3', 'f4', 'f5'];
    const seen = new Set<number>();
    for (let run = 0; run < 300; run++) {
      const fs = await fresh();
      for (const name of names) await put(fs, `/db/${name}`, name);
      const listed = await fs.crash(createPrng(master.int(2 ** 32))).list('/db');
      expect(listed).toEqual(names.slice(0, listed.length));
      seen.add(listed.length);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('makes a cross-directory rename durable by syncing either directory', async () => {
    const fs = await fresh(['/a', '/b']);
    await put(fs, '/a/x', 'x');
    await fs.syncDir('/a');
    await fs.rename('/a/x', '/b/y');
    await fs.syncDir('/b');
    await put(fs, '/a/z', 'z');
    await fs.syncDir('/a');
    const after = fs.crashLosingAll();
    expect(await after.list('/a')).toEqual(['z']);
    expect(await readText(after, '/b/y')).toBe('x');

    // The source's create was not synced: syncing the destination makes it durable, then moved.
    const unsyncedSource = await fresh(['/a', '/b']);
    await put(unsyncedSource, '/a/x', 'x');
    await unsyncedSource.rename('/a/x', '/b/y');
    await unsyncedSource.syncDir('/b');
    const crashed = unsyncedSource.crashLosingAll();
    expect(await crashed.list('/a')).toEqual([]);
    expect(await readText(crashed, '/b/y')).toBe('x');
  });

  it('makes the earlier changes of the source directory durable with a cross-directory rename', async () => {
    const fs = await fresh(['/a', '/b']);
    await put(fs, '/a/x', 'durable x');
    await fs.syncDir('/a');
    await fs.unlink('/a/x');
    await put(fs, '/a/x', 'new x');
    await fs.rename('/a/x', '/b/y');
    await put(fs, '/a/later', 'not synced');
    await fs.syncDir('/b');
    const after = fs.crashLosingAll();
    expect(await after.list('/a')).toEqual([]);
    expect(await readText(after, '/b/y')).toBe('new x');
  });

  it('does not apply a cross-directory rename twice', async () => {
    const build = async (): Promise<SimFileSystem> => {
      const fs = await fresh(['/a', '/b']);
      await put(fs, '/a/x', 'x');
      await fs.syncDir('/a');
      await fs.rename('/a/x', '/b/y');
      await fs.syncDir('/b');
      await fs.unlink('/b/y');
      await fs.syncDir('/b');
      return fs;
    };
    expect(await (await build()).crashKeepingAll().list('/b')).toEqual([]);
    const synced = await build();
    await synced.syncDir('/a');
    expect(await synced.crashLosingAll().list('/b')).toEqual([]);
  });

  /** Random data and entry changes over three directories; failing calls are part of the game. */
  async function randomChanges(fs: SimFileSystem, prng: Prng, dirs: readonly string[]): Promise<void> {
    const path = (): string => `${prng.pick(dirs)}/${prng.pick(['x', 'y', 'z'])}`;
    const handles: FileHandle[] = [];
    for (let i = 0; i < 30; i++) {
      const handle = handles.length > 0 ? prng.pick(handles) : undefined;
      const roll = prng.int(7);
      let call: Promise<unknown>;
      if (roll === 0) call = fs.open(path(), 'write').then((opened) => handles.push(opened));
      else if (roll === 1 && handle) call = handle.write(prng.int(8), randomBytes(prng, 1 + prng.int(8)));
      else if (roll === 2 && handle) call = handle.truncate(prng.int(10));
      else if (roll === 3) call = fs.rename(path(), path());
      else if (roll === 4) call = fs.link(path(), path());
      else if (roll === 5) call = fs.unlink(path());
      else call = fs.syncDir(prng.pick(dirs));
      await call.catch((error: unknown) =>
        expect(error).toMatchObject({ code: expect.stringMatching(/^E/) }),
      );
      if (handle && prng.chance(0.2)) await handle.sync();
    }
  }

  it('gives the current state after crashKeepingAll, and after crashLosingAll once everything is synced', async () => {
    const master = seededPrng();
    const dirs = ['/a', '/b', '/a/c'];
    for (let run = 0; run < 150; run++) {
      const runSeed = master.int(2 ** 32);
      const keeping = await fresh(dirs);
      await randomChanges(keeping, createPrng(runSeed), dirs);
      const current = await dump(keeping);
      expect(await dump(keeping.crashKeepingAll())).toEqual(current);

      const syncing = await fresh(dirs);
      await randomChanges(syncing, createPrng(runSeed), dirs);
      expect(await dump(syncing)).toEqual(current);
      for (const [file, content] of current) {
        if (content !== '<dir>') await (await syncing.open(file, 'read')).sync();
      }
      for (const dir of dirs) await syncing.syncDir(dir);
      expect(await dump(syncing.crashLosingAll())).toEqual(current);
    }
  });

  it('leaves every directory, after any crash, with a list of names it really had', async () => {
    const master = seededPrng();
    const dirs = ['/a', '/b', '/c'];
    for (let run = 0; run < 300; run++) {
      const prng = createPrng(master.int(2 ** 32));
      const fs = await fresh(dirs);
      const history = new Map(dirs.map((dir) => [dir, new Set([''])]));
      const path = (): string => `${prng.pick(dirs)}/${prng.pick(['x', 'y', 'z', 'w'])}`;
      for (let i = 0; i < 25; i++) {
        // Mostly creates and renames (two in three across directories), which tie directories together.
        const roll = prng.int(20);
        const call =
          roll < 6
            ? fs.open(path(), 'write')
            : roll < 8
              ? fs.link(path(), path())
              : roll < 10
                ? fs.unlink(path())
                : roll < 12
                  ? fs.syncDir(prng.pick(dirs))
                  : fs.rename(path(), path());
        await call.catch((error: unknown) =>
          expect(error).toMatchObject({ code: expect.stringMatching(/^E/) }),
        );
        for (const dir of dirs) history.get(dir)!.add((await fs.list(dir)).join(','));
      }
      const after = fs.crash(createPrng(prng.int(2 ** 32)));
      for (const dir of dirs) expect(history.get(dir)).toContain((await after.list(dir)).join(','));
    }
  });

  it('follows a chain of cross-directory renames back to the directory that started it', async () => {
    const master = seededPrng();
    const fs = await fresh(['/r', '/p', '/q']);
    // /r is listed first; keeping the rename into /q must keep /p's changes, hence /r's before them.
    await put(fs, '/r/u', '');
    await put(fs, '/p/a', '');
    await put(fs, '/q/b', '');
    await put(fs, '/r/v', '');
    await fs.rename('/p/a', '/r/w');
    await put(fs, '/p/d', '');
    await fs.rename('/p/d', '/q/c');
    const real = { r: ['', 'u', 'u,v', 'u,v,w'], p: ['', 'a', 'd'], q: ['', 'b', 'b,c'] };
    for (let run = 0; run < 600; run++) {
      const after = fs.crash(createPrng(master.int(2 ** 32)));
      const listed = {
        r: (await after.list('/r')).join(','),
        p: (await after.list('/p')).join(','),
        q: (await after.list('/q')).join(','),
      };
      expect(real.r).toContain(listed.r);
      expect(real.p).toContain(listed.p);
      expect(real.q).toContain(listed.q);
      if (listed.q === 'b,c') expect([listed.p, listed.r]).toEqual(['', 'u,v,w']);
    }
  });

  it('keeps the durable bytes plus a prefix of the pending appends, torn anywhere', async () => {
    const master = seededPrng();
    const outcomes = new Set<string>();
    for (let run = 0; run < 600; run++) {
      const prng = createPrng(master.int(2 ** 32));
      const fs = await fresh();
      const handle = await fs.open('/db/log', 'create-exclusive');
      await fs.syncDir('/db');
      let durable: number[] = [];
      let pending: number[] = [];
      const writeEnds: number[] = [];
      const writes = 1 + prng.int(6);
      for (let i = 0; i < writes; i++) {
        const data = randomBytes(prng, 1 + prng.int(40));
        await handle.write(durable.length + pending.length, data);
        pending.push(...data);
        writeEnds.push(pending.length);
        if (prng.chance(0.3)) {
          await handle.sync();
          durable = durable.concat(pending);
          pending = [];
          writeEnds.length = 0;
        }
      }
      const content = Array.from(await fs.crash(prng).readFile('/db/log'));
      expect(content.slice(0, durable.length)).toEqual(durable);
      const extra = content.slice(durable.length);
      expect(extra).toEqual(pending.slice(0, extra.length));
      if (pending.length === 0) continue;
      if (extra.length === 0) outcomes.add('all lost');
      else if (extra.length === pending.length) outcomes.add('all kept');
      else if (writeEnds.includes(extra.length)) outcomes.add('cut between writes');
      else outcomes.add('torn inside a write');
    }
    expect([...outcomes].sort()).toEqual([
      'all kept',
      'all lost',
      'cut between writes',
      'torn inside a write',
    ]);
  });

  /**
   * The distinct outcomes, sorted, of `runs` seeded crashes: each run prepares a fresh file
   * system, crashes it, and `outcome` describes what survived.
   */
  async function crashOutcomes(
    runs: number,
    prepare: (fs: SimFileSystem) => Promise<void>,
    outcome: (after: SimFileSystem) => Promise<string>,
  ): Promise<string[]> {
    const master = seededPrng();
    const outcomes = new Set<string>();
    for (let run = 0; run < runs; run++) {
      const fs = await fresh();
      await prepare(fs);
      outcomes.add(await outcome(fs.crash(createPrng(master.int(2 ** 32)))));
    }
    return [...outcomes].sort();
  }

  it('decides per file, so later data of one file can survive while earlier data of another is lost', async () => {
    const outcomes = await crashOutcomes(
      200,
      async (fs) => {
        await put(fs, '/db/first', '');
        await put(fs, '/db/second', '');
        await fs.syncDir('/db');
        await put(fs, '/db/first', 'A', false);
        await put(fs, '/db/second', 'B', false);
      },
      async (after) => `${await readText(after, '/db/first')}|${await readText(after, '/db/second')}`,
    );
    expect(outcomes).toEqual(['A|', 'A|B', '|', '|B']);
  });

  it('keeps the outcome of a truncate or of the write after it, never a mix', async () => {
    const outcomes = await crashOutcomes(
      200,
      async (fs) => {
        await put(fs, '/db/f', 'abcdefgh');
        await fs.syncDir('/db');
        const handle = await fs.open('/db/f', 'write');
        await handle.truncate(2);
        await handle.write(2, bytes('XY'));
      },
      (after) => readText(after, '/db/f'),
    );
    expect(outcomes).toEqual(['ab', 'abX', 'abXY', 'abcdefgh']);
  });

  it('replays a crash exactly from its seed, and the new machine keeps hard links shared', async () => {
    const fs = await fresh();
    for (let i = 0; i < 8; i++) await put(fs, `/db/f${i}`, `content ${i}`, i % 2 === 0);
    await fs.link('/db/f0', '/db/link');
    const first = await dump(fs.crash(createPrng(42)));
    const again = await dump(fs.crash(createPrng(42)));
    expect(again).toEqual(first);
    const others = new Set<string>();
    for (let seed = 0; seed < 20; seed++)
      others.add(JSON.stringify([...(await dump(fs.crash(createPrng(seed))))]));
    expect(others.size).toBeGreaterThan(1);

    const kept = fs.crashKeepingAll();
    const handle = await kept.open('/db/link', 'write');
    await handle.write(0, bytes('CONTENT'));
    expect(await readText(kept, '/db/f0')).toBe('CONTENT 0');
  });

  it('snapshots the durable state without counting an I/O step', async () => {
    const fs = await fresh();
    await fs.mkdir('/db/wal');
    await put(fs, '/db/wal/a', 'synced');
    await fs.syncDir('/db/wal');
    await put(fs, '/db/wal/a', 'SY', false);
    await put(fs, '/db/wal/b', 'unsynced entry');
    const ops = fs.opCount;
    const snapshot = fs.snapshotDurable();
    expect(fs.opCount).toBe(ops);
    expect([...snapshot.keys()]).toEqual(['/db/wal/a']);
    expect(text(snapshot.get('/db/wal/a')!)).toBe('synced');
  });

  it('kills the old machine: every call on it and on its handles rejects with ESIMCRASHED', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'x');
    const handle = await fs.open('/db/f', 'write');
    expect(fs.crashed).toBe(false);
    const after = fs.crashKeepingAll();
    expect(fs.crashed).toBe(true);
    const calls: (() => Promise<unknown>)[] = [
      () => fs.open('/db/f', 'read'),
      () => fs.readFile('/db/f'),
      () => fs.rename('/db/f', '/db/g'),
      () => fs.link('/db/f', '/db/g'),
      () => fs.unlink('/db/f'),
      () => fs.list('/db'),
      () => fs.mkdir('/db/x'),
      () => fs.syncDir('/db'),
      () => fs.exists('/db/f'),
      () => fs.realpath('/db'),
      () => handle.read(0, 1),
      () => handle.write(0, bytes('y')),
      () => handle.size(),
      () => handle.truncate(0),
      () => handle.sync(),
      () => handle.close(),
    ];
    for (const call of calls) await expect(call()).rejects.toMatchObject({ code: SIM_CRASHED_CODE });
    await expect(fs.exists('/db')).rejects.toBeInstanceOf(SimulatedCrashError);
    // The new machine is alive and independent of the old one.
    expect(after.crashed).toBe(false);
    await put(after, '/db/f', 'y');
    expect(await readText(after, '/db/f')).toBe('y');
    expect(await readText(fs.crashKeepingAll(), '/db/f')).toBe('x');
    // And its entry changes are pending again until synced.
    await put(after, '/db/new', 'n');
    expect(await after.crashLosingAll().list('/db')).toEqual(['f']);
  });
});

describe('SimFileSystem: fault injection', () => {
  /** One I/O call per step; stops (without issuing the call) after `limit` calls. */
  async function workload(fs: SimFileSystem, progress: { calls: number }, limit = Infinity): Promise<void> {
    const step = async <T>(call: () => Promise<T>): Promise<T> => {
      if (progress.calls >= limit) throw new Error('limit');
      const value = await call();
      progress.calls++;
      return value;
    };
    await step(() => fs.mkdir('/db/wal'));
    const handle: FileHandle = await step(() => fs.open('/db/wal/1.log', 'create-exclusive'));
    await step(() => handle.write(0, bytes('hello')));
    await step(() => handle.sync());
    await step(() => fs.syncDir('/db/wal'));
    await step(() => handle.write(5, bytes(' world')));
    await step(() => handle.size());
    await step(() => handle.read(0, 11));
    await step(() => handle.truncate(8));
    await step(() => handle.close());
    await step(() => fs.link('/db/wal/1.log', '/db/wal/2.log'));
    await step(() => fs.rename('/db/wal/2.log', '/db/wal/3.log'));
    await step(() => fs.unlink('/db/wal/1.log'));
    await step(() => fs.list('/db/wal'));
    await step(() => fs.readFile('/db/wal/3.log'));
    await step(() => fs.exists('/db/wal/1.log'));
    await step(() => fs.realpath('/db/wal'));
    await step(() => fs.syncDir('/db/wal'));
  }

  it('counts one I/O step per call', async () => {
    const fs = await fresh();
    expect(fs.opCount).toBe(1);
    const progress = { calls: 0 };
    await workload(fs, progress);
    expect(progress.calls).toBe(18);
    expect(fs.opCount).toBe(19);
  });

  it('crashes at exactly step n, and that step has no effect', async () => {
    const dry = await fresh();
    const base = dry.opCount;
    await workload(dry, { calls: 0 });
    const total = dry.opCount - base;
    for (let n = 0; n < total; n++) {
      const fs = await fresh();
      fs.failAtOp(base + n);
      const progress = { calls: 0 };
      await expect(workload(fs, progress)).rejects.toMatchObject({ code: SIM_CRASHED_CODE });
      expect(progress.calls).toBe(n);
      expect(fs.opCount).toBe(base + n);
      expect(fs.crashed).toBe(true);
      await expect(fs.exists('/db')).rejects.toMatchObject({ code: SIM_CRASHED_CODE });
      expect(fs.opCount).toBe(base + n);

      const reference = await fresh();
      await expect(workload(reference, { calls: 0 }, n)).rejects.toThrow('limit');
      expect(await dump(fs.crashKeepingAll())).toEqual(await dump(reference.crashKeepingAll()));
      expect(await dump(fs.crashLosingAll())).toEqual(await dump(reference.crashLosingAll()));
    }
  });

  it('takes the crash step from the constructor, and crashes at once when it is already passed', async () => {
    const fs = new SimFileSystem({ crashAtOp: 1 });
    await fs.mkdir('/db');
    await expect(fs.mkdir('/db/x')).rejects.toMatchObject({ code: SIM_CRASHED_CODE });
    expect(await fs.crashKeepingAll().list('/db')).toEqual([]);

    const late = await fresh();
    await put(late, '/db/f', 'x');
    late.failAtOp(0);
    await expect(late.exists('/db/f')).rejects.toMatchObject({ code: SIM_CRASHED_CODE });
    late.failAtOp(undefined);
    await expect(late.exists('/db/f')).rejects.toMatchObject({ code: SIM_CRASHED_CODE });
  });

  it('injects errors that make a call fail without effect, and can be removed', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'abc');
    await fs.syncDir('/db');
    const seen: SimOp[] = [];
    let failNextSync = true;
    fs.injectError((op) => {
      seen.push(op);
      if (op.kind === 'sync' && failNextSync) {
        failNextSync = false;
        return Object.assign(new Error('injected'), { code: 'EIO' });
      }
      if (op.kind === 'write' && op.path === '/db/f')
        return Object.assign(new Error('full'), { code: 'ENOSPC' });
      return undefined;
    });
    const handle = await fs.open('/db/f', 'write');
    await expect(handle.write(3, bytes('def'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await handle.size()).toBe(3);
    await handle.truncate(1);
    await expect(handle.sync()).rejects.toMatchObject({ code: 'EIO' });
    expect(await readText(fs.crashLosingAll(), '/db/f')).toBe('abc');
  });

  it('shows the injector the target of renames and links, and counts injected failures', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'abc');
    const seen: SimOp[] = [];
    fs.injectError((op) => {
      seen.push(op);
      return op.kind === 'link' ? Object.assign(new Error('no'), { code: 'EMLINK' }) : undefined;
    });
    const before = fs.opCount;
    await fs.rename('/db/f', '/db/./g');
    await expect(fs.link('/db/g', '/db/h')).rejects.toMatchObject({ code: 'EMLINK' });
    expect(fs.opCount).toBe(before + 2);
    expect(seen).toEqual([
      { kind: 'rename', path: '/db/f', target: '/db/g' },
      { kind: 'link', path: '/db/g', target: '/db/h' },
    ]);
    fs.injectError(undefined);
    await fs.link('/db/g', '/db/h');
    expect(await fs.list('/db')).toEqual(['g', 'h']);
  });

  it('lets a crash be drawn after a crash at an I/O step', async () => {
    const fs = await fresh();
    await put(fs, '/db/f', 'x');
    await fs.syncDir('/db');
    fs.failAtOp(fs.opCount);
    await expect(put(fs, '/db/g', 'y')).rejects.toBeInstanceOf(SimulatedCrashError);
    const after = fs.crash(createPrng(7));
    expect(await after.list('/db')).toEqual(['f']);
  });
});
