import Database from 'better-sqlite3';
import { aggregateBucketMs } from './workloads.ts';

/**
 * The SQLite baseline: one table keyed by the int64 key (a rowid table, so the key is the B-tree
 * key), durable like the engine's 'commit' mode: WAL journal, synchronous=FULL, one transaction
 * per batch.
 */

export type SqliteDatabase = Database.Database;

/** Creates the table in a new database file, durable settings on. */
export function createSqlite(file: string): SqliteDatabase {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE p(k INTEGER PRIMARY KEY, v REAL)');
  return db;
}

/** Returns a function that inserts one batch in one transaction (committed, so fsynced, on return). */
export function sqliteBatchInserter(
  db: SqliteDatabase,
): (keys: BigInt64Array, values: Float64Array, from: number, to: number) => void {
  const insert = db.prepare<[bigint, number]>('INSERT INTO p(k, v) VALUES (?, ?)');
  return db.transaction((keys: BigInt64Array, values: Float64Array, from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(keys[i]!, values[i]!);
  });
}

/** Moves the WAL into the database file and empties it, so that the file size is the table's. */
export function checkpointSqlite(db: SqliteDatabase): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

export interface SqliteQueries {
  readonly db: SqliteDatabase;
  /** SELECT v ... WHERE k = ?: the value only (pluck), keys bound and returned as bigints. */
  readonly get: Database.Statement<[bigint], number>;
  /** The next `rangeScanPoints` points from a key, as [key, value] rows (raw). */
  readonly range: Database.Statement<[bigint], [bigint, number]>;
  /** count, sum, min, max, avg over from <= k <= to, as one raw row. */
  readonly aggregate: Database.Statement<[bigint, bigint], [bigint, number, number, number, number]>;
  /** The same per bucket of aggregateBucketMs keys, bucket start floor(k / width) * width first. */
  readonly buckets: Database.Statement<[bigint, bigint], [bigint, bigint, number, number, number, number]>;
}

/** SQLite's page cache, in KiB (negative cache_size): larger than any table here. */
const sqliteCacheKiB = 4 * 1024 * 1024;

/**
 * Opens the table for queries. SQLite gets a page cache larger than the table and is warmed with
 * one full scan, so that it, like the engine, answers from memory: the comparison is between the
 * two read paths, not between memory and the disk.
 */
export function openSqliteQueries(file: string, rangeScanPoints: number): SqliteQueries {
  const db = new Database(file);
  db.pragma(`cache_size = -${sqliteCacheKiB}`);
  db.prepare('SELECT count(*), sum(v) FROM p').raw().get();
  const width = aggregateBucketMs;
  return {
    db,
    get: db.prepare<[bigint], number>('SELECT v FROM p WHERE k = ?').pluck().safeIntegers(true),
    range: db
      .prepare<[bigint], [bigint, number]>(
        `SELECT k, v FROM p WHERE k >= ? ORDER BY k LIMIT ${rangeScanPoints}`,
      )
      .raw()
      .safeIntegers(true),
    aggregate: db
      .prepare<[bigint, bigint], [bigint, number, number, number, number]>(
        'SELECT count(*), sum(v), min(v), max(v), avg(v) FROM p WHERE k BETWEEN ? AND ?',
      )
      .raw()
      .safeIntegers(true),
    // SQLite's integer division and % truncate toward zero; ((k % w) + w) % w is the remainder
    // toward -infinity, so b = floor(k / w) * w, the engine's bucket start, for negative keys too.
    buckets: db
      .prepare<[bigint, bigint], [bigint, bigint, number, number, number, number]>(
        `SELECT k - ((k % ${width}) + ${width}) % ${width} AS b, count(*), sum(v), min(v), max(v), avg(v)
         FROM p WHERE k BETWEEN ? AND ? GROUP BY b ORDER BY b`,
      )
      .raw()
      .safeIntegers(true),
  };
}
