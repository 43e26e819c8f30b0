import fsp from 'node:fs/promises';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileHandle, FileSystem } from '../../src/fs/file-system.ts';
import { NodeFileSystem } from '../../src/fs/node-file-system.ts';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import { createPrng, type Prng } from '../../src/util/prng.ts';
import { seededPrng } from '../support/seeds.ts';

const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);
/** Byte equality without an element-by-element deep compare (slow on megabytes). */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

let root: string;
const fs = new NodeFileSystem();

beforeEach(async () => {
  root = await fsp.mkdtemp(`${os.tmpdir()}/omendb-`);
});

afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

async function put(path: string, content: string): Promise<void> {
  const handle = await fs.open(path, 'write');
  await handle.write(0, bytes(content));
  await handle.close();
}

describe('NodeFileSystem', () => {
  it('removeTree removes a directory with files and subdirectories, and a missing one is nothing', async () => {
    await fs.mkdir(`${root}/tree/sub`);
    await put(`${root}/tree/a`, 'a');
    await put(`${root}/tree/sub/b`, 'b');
    await fs.removeTree(`${root}/tree`);
    expect(await fs.exists(`${root}/tree`)).toBe(false);
    await fs.removeTree(`${root}/tree`);
    expect(await fs.list(root)).toEqual([]);
  });

  it('refuses negative or fractional positions with EINVAL instead of using the file offset', async () => {
    const handle = await fs.open(`${root}/f`, 'create-exclusive');
    await expect(handle.write(-1, bytes('x'))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(handle.read(1.5, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(await handle.size()).toBe(0);
    await handle.close();
  });

  it('says a path under a regular file does not exist', async () => {
    await put(`${root}/plain`, 'x');
    expect(await fs.exists(`${root}/plain/child`)).toBe(false);
    expect(await fs.exists(`${root}/plain`)).toBe(true);
  });

  it('reads back what was written; reads past the end return fewer bytes', async () => {
    const handle = await fs.open(`${root}/f`, 'create-exclusive');
    await handle.write(0, bytes('hello world'));
    expect(await handle.size()).toBe(11);
    expect(text(await handle.read(0, 5))).toBe('hello');
    expect(text(await handle.read(6, 100))).toBe('world');
    expect((await handle.read(20, 4)).length).toBe(0);
    await handle.sync();
    await handle.close();
    expect(text(await fs.readFile(`${root}/f`))).toBe('hello world');
  });

  it('writes large buffers completely and reads them back whole', async () => {
    const data = new Uint8Array(3 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 251;
    const handle = await fs.open(`${root}/big`, 'write');
    await handle.write(0, data);
    expect(sameBytes(await handle.read(0, data.length), data)).toBe(true);
    await handle.close();
    expect(sameBytes(await fs.readFile(`${root}/big`), data)).toBe(true);
    data[data.length - 1] = 0;
    expect(sameBytes(await fs.readFile(`${root}/big`), data)).toBe(false);
  });

  it('zero-fills a gap, truncates, and does not truncate on open for write', async () => {
    const handle = await fs.open(`${root}/f`, 'write');
    await handle.write(0, bytes('ab'));
    await handle.write(4, bytes('cd'));
    expect(Array.from(await handle.read(0, 10))).toEqual([97, 98, 0, 0, 99, 100]);
    await handle.truncate(3);
    expect(await handle.size()).toBe(3);
    await handle.close();
    const again = await fs.open(`${root}/f`, 'write');
    expect(await again.size()).toBe(3);
    await again.close();
  });

  it('returns plain Uint8Arrays whose slice() copies', async () => {
    await put(`${root}/f`, 'abc');
    const whole = await fs.readFile(`${root}/f`);
    const handle = await fs.open(`${root}/f`, 'read');
    const part = await handle.read(0, 3);
    await handle.close();
    for (const data of [whole, part]) {
      expect(Object.getPrototypeOf(data)).toBe(Uint8Array.prototype);
      const copy = data.slice(0, 1);
      copy[0] = 0;
      expect(data[0]).toBe(97);
    }
  });

  it('reports ENOENT and EEXIST with their codes', async () => {
    await put(`${root}/f`, 'x');
    await expect(fs.open(`${root}/missing`, 'read')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.open(`${root}/f`, 'create-exclusive')).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(fs.readFile(`${root}/missing`)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.list(`${root}/missing`)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.syncDir(`${root}/missing`)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.link(`${root}/f`, `${root}/f`)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(fs.unlink(`${root}/missing`)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.rename(`${root}/missing`, `${root}/g`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('renames over an existing file, and links share content', async () => {
    await put(`${root}/a`, 'old');
    await put(`${root}/tmp`, 'new');
    await fs.rename(`${root}/tmp`, `${root}/a`);
    expect(text(await fs.readFile(`${root}/a`))).toBe('new');
    expect(await fs.exists(`${root}/tmp`)).toBe(false);
    await fs.link(`${root}/a`, `${root}/b`);
    const handle = await fs.open(`${root}/b`, 'write');
    await handle.write(0, bytes('NEW'));
    await handle.close();
    expect(text(await fs.readFile(`${root}/a`))).toBe('NEW');
  });

  it('keeps an open handle working after unlink', async () => {
    await put(`${root}/f`, 'abc');
    const handle = await fs.open(`${root}/f`, 'write');
    await fs.unlink(`${root}/f`);
    expect(await fs.exists(`${root}/f`)).toBe(false);
    await handle.write(3, bytes('def'));
    expect(text(await handle.read(0, 10))).toBe('abcdef');
    await handle.close();
  });

  it('lists sorted names, makes directories recursively, syncs them and resolves real paths', async () => {
    await fs.mkdir(`${root}/d/e/f`);
    await fs.mkdir(`${root}/d/e`);
    for (const name of ['b', 'a', 'C']) await put(`${root}/d/${name}`, name);
    expect(await fs.list(`${root}/d`)).toEqual(['C', 'a', 'b', 'e']);
    await fs.syncDir(`${root}/d`);
    expect(await fs.exists(`${root}/d/e/f`)).toBe(true);
    expect(await fs.realpath(`${root}/d/e/../e/f`)).toBe(await fsp.realpath(`${root}/d/e/f`));
    await expect(fs.realpath(`${root}/missing`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates files 0600 and directories 0700 (with missing parents) whatever the umask', async () => {
    // A permissive umask, so the modes come from the code: the usual 022 would still give 0644.
    const saved = process.umask(0o000);
    try {
      await fs.mkdir(`${root}/a/b`);
      for (const mode of ['write', 'create-exclusive'] as const) {
        const handle = await fs.open(`${root}/a/b/${mode}`, mode);
        await handle.close();
      }
      const modes = await Promise.all(
        ['a', 'a/b', 'a/b/write', 'a/b/create-exclusive'].map(
          async (path) => `${path} ${((await fsp.stat(`${root}/${path}`)).mode & 0o777).toString(8)}`,
        ),
      );
      expect(modes).toEqual(['a 700', 'a/b 700', 'a/b/write 600', 'a/b/create-exclusive 600']);
      // An existing file keeps its mode: opening it never loosens or tightens it behind the user's back.
      await fsp.chmod(`${root}/a/b/write`, 0o640);
      await (await fs.open(`${root}/a/b/write`, 'write')).close();
      expect((await fsp.stat(`${root}/a/b/write`)).mode & 0o777).toBe(0o640);
    } finally {
      process.umask(saved);
    }
  });

  it('shares one lock domain between instances', () => {
    expect(new NodeFileSystem().lockDomain).toBe(fs.lockDomain);
  });
});

type Outcome = { ok: unknown } | { code: string | undefined };

async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    const value = await call();
    if (value instanceof Uint8Array) return { ok: Array.from(value) };
    return { ok: typeof value === 'object' && value !== null ? 'handle' : (value ?? null) };
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code };
  }
}

/** One random call, made the same way on both file systems (paths relative to their roots). */
function randomCall(
  prng: Prng,
  handleCount: number,
): (fs: FileSystem, base: string, handles: FileHandle[]) => Promise<unknown> {
  const files = ['/f1', '/f2', '/sub/f3'];
  const anything = [...files, '/sub', '/missing/f4'];
  const file = prng.pick(files);
  const target = prng.pick(anything);
  const dir = prng.pick(['/', '/sub', '/f1', '/nodir']);
  const mode = prng.pick(['read', 'write', 'create-exclusive'] as const);
  const position = prng.int(12);
  const length = 1 + prng.int(12);
  const data = Uint8Array.from({ length: 1 + prng.int(6) }, () => 1 + prng.int(255));
  const handleIndex = prng.int(Math.max(1, handleCount));
  const roll = prng.int(handleCount > 0 ? 16 : 9);
  return async (fs, base, handles) => {
    const handle = handles[handleIndex]!;
    switch (roll) {
      case 0:
      case 1:
        return fs.open(base + file, mode).then((opened) => handles.push(opened));
      case 2:
        return fs.readFile(base + target);
      case 3:
        return fs.rename(base + file, base + target);
      case 4:
        return fs.link(base + prng.pick([file, '/sub']), base + target);
      case 5:
        return fs.unlink(base + target);
      case 6:
        return fs.list(base + dir);
      case 7:
        return fs.exists(base + target);
      case 8:
        return fs.syncDir(base + prng.pick(['/', '/sub']));
      case 9:
      case 10:
        return handle.write(position, data);
      case 11:
        return handle.read(position, length);
      case 12:
        return handle.size();
      case 13:
        return handle.truncate(length);
      case 14:
        return handle.sync();
      default:
        return handle.close();
    }
  };
}

describe('SimFileSystem against NodeFileSystem', () => {
  it('gives the same results and error codes for the same random calls', async () => {
    const master = seededPrng();
    for (let run = 0; run < 20; run++) {
      const base = `${root}/run${run}`;
      await fs.mkdir(`${base}/sub`);
      const sim = new SimFileSystem();
      await sim.mkdir('/sub');
      const nodeHandles: FileHandle[] = [];
      const simHandles: FileHandle[] = [];
      const prng = createPrng(master.int(2 ** 32));
      const log: string[] = [];
      for (let i = 0; i < 60; i++) {
        const callSeed = prng.int(2 ** 32);
        const call = (fsUnderTest: FileSystem, at: string, handles: FileHandle[]) =>
          randomCall(createPrng(callSeed), handles.length)(fsUnderTest, at, handles);
        const expected = await outcome(() => call(fs, base, nodeHandles));
        const actual = await outcome(() => call(sim, '', simHandles));
        log.push(`${i}: ${JSON.stringify(expected)}`);
        expect(actual, log.join('\n')).toEqual(expected);
      }
      for (const handle of nodeHandles) await handle.close();
      expect(await sim.list('/')).toEqual(await fs.list(base));
      expect(await sim.list('/sub')).toEqual(await fs.list(`${base}/sub`));
    }
  });
});
