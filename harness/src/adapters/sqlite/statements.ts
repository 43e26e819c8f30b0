import type Database from 'better-sqlite3';

/**
 * The SQL of the sqlite adapter. One table, keyed by (series, key) without a rowid, so a range is
 * one ordered scan of the primary key. Keys are bound and read as bigints (safe integers).
 */

export const schemaSql = `CREATE TABLE IF NOT EXISTS points (
  series TEXT NOT NULL,
  key INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (series, key)
) WITHOUT ROWID`;

// SQLite's integer division truncates toward zero: a negative key with a remainder is one bucket
// lower. The index (not its start) is grouped on, because floor(key / width) * width can lie
// below -2^63, which SQLite cannot hold: the adapter multiplies it out in bigints.
const bucketIndexSql = 'key / @width - (key % @width < 0)';

// sum() of REALs is Kahan-Babuska-Neumaier compensated since SQLite 3.43, as the engine's is.
const bucketsSql = `SELECT g.bucket, g.n, g.s, g.lo, g.hi, f.value AS first, l.value AS last
FROM (
  SELECT ${bucketIndexSql} AS bucket, count(*) AS n, sum(value) AS s, min(value) AS lo, max(value) AS hi,
    min(key) AS kmin, max(key) AS kmax
  FROM points WHERE series = @series AND key >= @from AND key <= @to
  GROUP BY bucket
) AS g
JOIN points AS f ON f.series = @series AND f.key = g.kmin
JOIN points AS l ON l.series = @series AND l.key = g.kmax
ORDER BY g.bucket
LIMIT @max`;

const wholeSql = `SELECT 0 AS bucket, count(*) AS n, sum(value) AS s, min(value) AS lo, max(value) AS hi,
  (SELECT value FROM points WHERE series = @series AND key >= @from AND key <= @to ORDER BY key LIMIT 1) AS first,
  (SELECT value FROM points WHERE series = @series AND key >= @from AND key <= @to ORDER BY key DESC LIMIT 1) AS last
FROM points WHERE series = @series AND key >= @from AND key <= @to`;

export interface AggregateRow {
  readonly bucket: bigint;
  readonly n: bigint;
  readonly s: number | null;
  readonly lo: number | null;
  readonly hi: number | null;
  readonly first: number | null;
  readonly last: number | null;
}

export interface Statements {
  readonly upsert: Database.Statement<[string, bigint, number]>;
  readonly get: Database.Statement<[string, bigint], number>;
  readonly range: Database.Statement<[string, bigint, bigint, number], [bigint, number]>;
  readonly deleteRange: Database.Statement<[string, bigint, bigint]>;
  readonly dropSeries: Database.Statement<[string]>;
  readonly listSeries: Database.Statement<[], string>;
  readonly buckets: Database.Statement<
    [{ series: string; from: bigint; to: bigint; width: bigint; max: number }],
    AggregateRow
  >;
  readonly whole: Database.Statement<[{ series: string; from: bigint; to: bigint }], AggregateRow>;
}

export function prepareStatements(db: Database.Database): Statements {
  return {
    upsert: db.prepare(
      'INSERT INTO points (series, key, value) VALUES (?, ?, ?) ON CONFLICT (series, key) DO UPDATE SET value = excluded.value',
    ),
    get: db
      .prepare<[string, bigint], number>('SELECT value FROM points WHERE series = ? AND key = ?')
      .pluck(),
    range: db
      .prepare<[string, bigint, bigint, number], [bigint, number]>(
        'SELECT key, value FROM points WHERE series = ? AND key >= ? AND key <= ? ORDER BY key LIMIT ?',
      )
      .raw(),
    deleteRange: db.prepare('DELETE FROM points WHERE series = ? AND key >= ? AND key <= ?'),
    dropSeries: db.prepare('DELETE FROM points WHERE series = ?'),
    listSeries: db.prepare<[], string>('SELECT DISTINCT series FROM points ORDER BY series').pluck(),
    buckets: db.prepare(bucketsSql),
    whole: db.prepare(wholeSql),
  };
}
