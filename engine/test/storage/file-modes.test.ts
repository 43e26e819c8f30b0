import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateJwtSecret } from '../../src/server/tokens.ts';
import { UsersStore } from '../../src/server/users-store.ts';
import { openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';

/**
 * Everything OmenDB creates under a data directory is private to its user: files 0600,
 * directories 0700, whether the directory existed before or not. The umask is set to 000 for
 * these tests, so modes come from the code alone and a restrictive umask cannot hide a 0644.
 */

let root: string;
let savedUmask: number;

beforeEach(async () => {
  savedUmask = process.umask(0o000);
  root = await mkdtemp(`${tmpdir()}/omendb-modes-`);
});

afterEach(async () => {
  process.umask(savedUmask);
  await rm(root, { recursive: true, force: true });
});

/** Every entry under dir (not dir itself) with its permission bits, as `relative/path 0600`. */
async function modesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  const lines: string[] = [];
  for (const entry of entries.sort()) {
    const info = await lstat(`${dir}/${entry}`);
    const kind = info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
    lines.push(`${kind} ${entry} ${(info.mode & 0o777).toString(8).padStart(4, '0')}`);
  }
  return lines;
}

function expectPrivate(lines: readonly string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  const open = lines.filter((line) => !/^dir .* 0700$/.test(line) && !/^file .* 0600$/.test(line));
  expect(open).toEqual([]);
}

/** Writes, a checkpoint, more writes and checkpoints, a compaction: every kind of file the engine makes. */
async function populate(dir: string): Promise<string[]> {
  const engine = await openEngine({ dir, logger: silentLogger, autoMaintenance: false });
  let whileOpen: string[];
  try {
    for (let round = 0; round < 3; round++) {
      await engine.write('cpu', [
        [BigInt(round * 10 + 1), round],
        [BigInt(round * 10 + 2), round + 0.5],
      ]);
      await engine.deleteRange('cpu', BigInt(round * 10 + 2), BigInt(round * 10 + 2));
      await engine.checkpoint();
    }
    await engine.write('mem', [[1n, 1]]);
    await engine.compact();
    // LOCK exists only while the engine is open.
    whileOpen = await modesUnder(dir);
  } finally {
    await engine.close();
  }
  return whileOpen;
}

describe('file and directory modes of a data directory', () => {
  it('a pre-existing data directory: WAL, segments, manifest, LOCK, server files are 0600 in 0700 directories', async () => {
    const dir = root;
    const whileOpen = await populate(dir);
    const users = await UsersStore.open(dir);
    await users.add('admin', 'admin', 'modes-admin-password');
    await loadOrCreateJwtSecret(dir, undefined);
    const after = await modesUnder(dir);
    // The listing holds every kind of file, so the test cannot pass on an empty directory.
    const names = [...whileOpen, ...after].join('\n');
    for (const expected of [
      'dir wal ',
      'dir segments ',
      'file wal/',
      'file segments/',
      'file LOCK ',
      'MANIFEST',
    ])
      expect(names).toContain(expected);
    expect(after.some((line) => line.startsWith('file server/users.json '))).toBe(true);
    expect(after.some((line) => line.startsWith('file server/jwt-secret '))).toBe(true);
    expectPrivate(whileOpen);
    expectPrivate(after);
  });

  it('a data directory that does not exist yet is created 0700, with its missing parents', async () => {
    const dir = `${root}/new/data`;
    await populate(dir);
    expect(((await lstat(`${root}/new`)).mode & 0o777).toString(8)).toBe('700');
    expect(((await lstat(dir)).mode & 0o777).toString(8)).toBe('700');
    expectPrivate(await modesUnder(dir));
  });
});
