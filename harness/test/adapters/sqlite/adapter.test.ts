import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyMax, keyMin, limits } from '@omendb/engine';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Point } from '../../../src/adapter.ts';
import { SqliteAdapter } from '../../../src/adapters/sqlite/adapter.ts';

const dirs: string[] = [];
const adapters: SqliteAdapter[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'omendb-sqlite-test-'));
  dirs.push(dir);
  return dir;
}

async function opened(adapter = new SqliteAdapter()): Promise<SqliteAdapter> {
  await adapter.open();
  adapters.push(adapter);
  return adapter;
}

afterEach(async () => {
  for (const adapter of adapters.splice(0)) await adapter.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('SqliteAdapter', () => {
  it('stores int64 extreme keys as exact integers and reads them back as bigints (safe integers)', async () => {
    const dir = tempDir();
    const adapter = await opened(new SqliteAdapter({ dir }));
    const points: Point[] = [
      [keyMin, 1],
      [keyMin + 1n, 2],
      [2n ** 53n + 1n, 3],
      [keyMax - 1n, 4],
      [keyMax, 5],
    ];
    await adapter.write('s.x', points);
    expect((await adapter.range('s.x')).points).toEqual(points);
    expect(await adapter.get('s.x', 2n ** 53n)).toBeUndefined();
    // In the file: INTEGER keys, REAL values, in WAL mode.
    const db = new Database(adapter.file!, { readonly: true });
    db.defaultSafeIntegers(true);
    try {
      const rows = db
        .prepare('SELECT key, typeof(key) AS k, typeof(value) AS v FROM points ORDER BY key')
        .all();
      expect(rows).toEqual(points.map(([key]) => ({ key, k: 'integer', v: 'real' })));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('pages with after at the top key without overflowing SQLite', async () => {
    const adapter = await opened();
    await adapter.write('s.t', [
      [keyMax - 1n, 1],
      [keyMax, 2],
    ]);
    expect(await adapter.range('s.t', undefined, undefined, { limit: 1, after: keyMax - 1n })).toEqual({
      points: [[keyMax, 2]],
      next: null,
    });
    expect(await adapter.range('s.t', keyMax - 1n, keyMax, { after: keyMin })).toEqual({
      points: [
        [keyMax - 1n, 1],
        [keyMax, 2],
      ],
      next: null,
    });
  });

  it('writes a batch in one transaction: a row that fails rolls back the rows before it', async () => {
    const adapter = await opened();
    await adapter.write('s.a', [[1n, 1]]);
    // A trigger added behind the adapter's back makes one row of the next batch fail.
    const db = new Database(adapter.file!);
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON points WHEN NEW.key = 13
      BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    db.close();
    await expect(
      adapter.write('s.a', [
        [12n, 12],
        [13n, 13],
      ]),
    ).rejects.toThrow(/refused by the test/);
    expect((await adapter.range('s.a')).points).toEqual([[1n, 1]]);
  });

  it('sums with compensation, as the engine does', async () => {
    const adapter = await opened();
    await adapter.write('s.k', [
      [1n, 1e16],
      [2n, 1],
      [3n, -1e16],
    ]);
    expect((await adapter.aggregate('s.k', undefined, undefined, { fns: ['sum'] })).buckets).toEqual([
      { start: keyMin, count: 3, sum: 1 },
    ]);
  });

  it(`refuses more than ${limits.aggregateBucketsMax} buckets with OMENDB_ERR_LIMIT_AGGREGATE_BUCKETS`, async () => {
    const adapter = await opened(new SqliteAdapter({ synchronous: 'NORMAL' }));
    const points: Point[] = Array.from({ length: limits.aggregateBucketsMax + 1 }, (_, i) => [BigInt(i), 1]);
    await adapter.write('s.b', points);
    await expect(
      adapter.aggregate('s.b', undefined, undefined, { bucket: 1n, fns: [] }),
    ).rejects.toMatchObject({
      code: 'OMENDB_ERR_LIMIT_AGGREGATE_BUCKETS',
    });
    const below = await adapter.aggregate('s.b', 1n, undefined, { bucket: 1n, fns: [] });
    expect(below.buckets).toHaveLength(limits.aggregateBucketsMax);
  });

  it('checkpoint empties the WAL file; restart keeps the data', async () => {
    const adapter = await opened();
    await adapter.write('s.c', [[1n, 1]]);
    expect(statSync(`${adapter.file!}-wal`).size).toBeGreaterThan(0);
    await adapter.checkpoint();
    expect(statSync(`${adapter.file!}-wal`).size).toBe(0);
    await adapter.restart();
    expect(await adapter.get('s.c', 1n)).toBe(1);
  });

  it('makes a temporary directory at open and removes it at close; keeps a given one', async () => {
    const made = new SqliteAdapter();
    expect(made.file).toBeUndefined();
    await made.open();
    const file = made.file!;
    expect(existsSync(file)).toBe(true);
    await made.close();
    expect(existsSync(file)).toBe(false);

    const dir = join(tempDir(), 'nested');
    const given = new SqliteAdapter({ dir, fileName: 'x.sqlite' });
    await given.open();
    await given.write('s.d', [[1n, 1]]);
    await given.close();
    expect(existsSync(join(dir, 'x.sqlite'))).toBe(true);
    await given.open();
    expect(await given.get('s.d', 1n)).toBe(1);
    await given.close();
  });

  it('fails to open a file that is not a database, and stays closed', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bad.sqlite'),
      'this is not a database, just text that is long enough'.repeat(40),
    );
    const adapter = new SqliteAdapter({ dir, fileName: 'bad.sqlite' });
    await expect(adapter.open()).rejects.toMatchObject({ code: 'SQLITE_NOTADB' });
    expect(adapter.isOpen).toBe(false);
  });

  it('removes its temporary directory when the database fails to open', async () => {
    const adapter = new SqliteAdapter();
    const connect = vi
      .spyOn(adapter as unknown as { connect(): unknown }, 'connect')
      .mockImplementation(() => {
        throw new Error('cannot open');
      });
    await expect(adapter.open()).rejects.toThrow('cannot open');
    expect(connect).toHaveBeenCalled();
    expect(adapter.file).toBeUndefined();
  });

  it('after a failed reopen, calls are ADAPTER_STATE until it is reopened', async () => {
    const adapter = await opened(new SqliteAdapter({ dir: tempDir() }));
    await adapter.write('s.r', [[1n, 1]]);
    vi.spyOn(adapter as unknown as { connect(): unknown }, 'connect').mockImplementationOnce(() => {
      throw new Error('reopen failed');
    });
    await expect(adapter.restart()).rejects.toThrow('reopen failed');
    await expect(adapter.get('s.r', 1n)).rejects.toMatchObject({ code: 'OMENDB_ERR_HARNESS_ADAPTER_STATE' });
    await adapter.close();
    await adapter.open();
    expect(await adapter.get('s.r', 1n)).toBe(1);
  });

  it('describes itself with the SQLite library version, open or not', async () => {
    const description = await new SqliteAdapter().describe();
    expect(description).toEqual({
      engine: 'sqlite',
      version: expect.stringMatching(/^3\.\d+\.\d+$/),
      adapter: 'sqlite',
    });
    const adapter = await opened();
    expect(await adapter.describe()).toEqual(description);
  });
});
