import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AggregateBucket, AggregateResult } from '@omendb/engine';
import { aggregateFns, keyMax, keyMin, limits, OmenDbError } from '@omendb/engine';
import Database from 'better-sqlite3';
import type {
  AggregateQuery,
  Capabilities,
  EngineDescription,
  Point,
  RangeOptions,
  RangePage,
} from '../../adapter.ts';
import { declareCapabilities, EngineAdapter } from '../../adapter.ts';
import { MadeDir } from '../temp-dir.ts';
import type { SqliteAdapterOptions } from './options.ts';
import { sqliteDefaults } from './options.ts';
import type { AggregateRow, Statements } from './statements.ts';
import { prepareStatements, schemaSql } from './statements.ts';

interface Connection {
  readonly db: Database.Database;
  readonly statements: Statements;
  readonly writeBatch: (series: string, points: readonly Point[]) => void;
}

/**
 * SQLite (better-sqlite3, WAL mode, synchronous=FULL) behind the adapter contract: the reference
 * engine that proves the harness is pluggable, and a baseline. A batch is one transaction
 * (atomic; rows upserted in order, so the last occurrence of a key wins).
 *
 * One known difference: values are REAL, and SQLite stores -0 as 0, so a -0 reads back as +0
 * (the engine and the model keep -0; JSON over HTTP loses it too).
 */
export class SqliteAdapter extends EngineAdapter {
  readonly capabilities: Capabilities = declareCapabilities({
    durable: true,
    restartable: true,
    aggregates: true,
    checkpoint: true,
    dataDirectory: true,
  });
  private readonly options: SqliteAdapterOptions;
  private connection: Connection | undefined;
  /** A temporary directory this adapter made (and removes at close). */
  private readonly madeDir = new MadeDir('omendb-sqlite-');

  constructor(options: SqliteAdapterOptions = {}) {
    super();
    this.options = options;
  }

  /** The database file. */
  get file(): string | undefined {
    const dir = this.options.dir ?? this.madeDir.path;
    return dir === undefined ? undefined : join(dir, this.options.fileName ?? sqliteDefaults.fileName);
  }

  protected async _open(): Promise<void> {
    if (this.options.dir === undefined) await this.madeDir.make();
    else await mkdir(this.options.dir, { recursive: true });
    try {
      this.connection = this.connect();
    } catch (error) {
      await this.madeDir.remove();
      throw error;
    }
  }

  protected async _close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    try {
      connection?.db.close();
    } finally {
      await this.madeDir.remove();
    }
  }

  protected override async _restart(): Promise<void> {
    this.requireConnection().db.close();
    this.connection = undefined;
    this.connection = this.connect();
  }

  /** The directory of the database file (its -wal and -shm files sit beside it). */
  protected override _dataDirectory(): string {
    const dir = this.options.dir ?? this.madeDir.path;
    if (dir === undefined)
      throw new Error('OmenDB harness invariant violated: an open adapter has a directory');
    return dir;
  }

  protected override async _checkpoint(): Promise<void> {
    this.requireConnection().db.pragma('wal_checkpoint(TRUNCATE)');
  }

  protected async _describe(): Promise<EngineDescription> {
    // Before open there is no database yet: an in-memory one knows the library's version too.
    const db = this.connection?.db ?? new Database(':memory:');
    try {
      const version = db.prepare<[], string>('SELECT sqlite_version()').pluck().get()!;
      return { engine: 'sqlite', version, adapter: 'sqlite' };
    } finally {
      if (db !== this.connection?.db) db.close();
    }
  }

  protected async _write(series: string, points: readonly Point[]): Promise<void> {
    this.requireConnection().writeBatch(series, points);
  }

  protected async _get(series: string, key: bigint): Promise<number | undefined> {
    return this.requireConnection().statements.get.get(series, key);
  }

  protected async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    const { limit = limits.rangeLimitDefault, after } = options;
    const high = to ?? keyMax;
    let low = from ?? keyMin;
    if (after !== undefined) {
      // after + 1 would overflow SQLite's int64 at the top key: nothing lies after it anyway.
      if (after >= high) return { points: [], next: null };
      if (after + 1n > low) low = after + 1n;
    }
    // One row more than the page says whether there is a next page.
    const rows = this.requireConnection().statements.range.all(series, low, high, limit + 1);
    const points: Point[] = rows.slice(0, limit).map(([key, value]) => [key, value]);
    return { points, next: rows.length > limit ? points[points.length - 1]![0] : null };
  }

  protected override async _aggregate(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    query: AggregateQuery,
  ): Promise<AggregateResult> {
    const { statements } = this.requireConnection();
    const bounds = { series, from: from ?? keyMin, to: to ?? keyMax };
    const fns = new Set(query.fns ?? aggregateFns);
    const width = query.bucket;
    if (width === undefined) {
      const row = statements.whole.get(bounds)!;
      return { buckets: row.n === 0n ? [] : [bucketOf(bounds.from, row, fns)] };
    }
    const rows = statements.buckets.all({ ...bounds, width, max: limits.aggregateBucketsMax + 1 });
    if (rows.length > limits.aggregateBucketsMax) {
      throw new OmenDbError(
        'OMENDB_ERR_LIMIT_AGGREGATE_BUCKETS',
        `an aggregate returns at most ${limits.aggregateBucketsMax} non-empty buckets`,
      );
    }
    return { buckets: rows.map((row) => bucketOf(row.bucket * width, row, fns)) };
  }

  protected async _deleteRange(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
  ): Promise<void> {
    this.requireConnection().statements.deleteRange.run(series, from ?? keyMin, to ?? keyMax);
  }

  protected async _listSeries(): Promise<string[]> {
    return this.requireConnection().statements.listSeries.all();
  }

  protected async _dropSeries(series: string): Promise<void> {
    this.requireConnection().statements.dropSeries.run(series);
  }

  private connect(): Connection {
    const db = new Database(this.file!);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.options.synchronous ?? sqliteDefaults.synchronous}`);
      // int64 keys near the extremes are not safe JavaScript numbers: read every integer as a bigint.
      db.defaultSafeIntegers(true);
      db.exec(schemaSql);
      const statements = prepareStatements(db);
      const writeBatch = db.transaction((series: string, points: readonly Point[]) => {
        for (const [key, value] of points) statements.upsert.run(series, key, value);
      });
      return { db, statements, writeBatch };
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private requireConnection(): Connection {
    if (this.connection === undefined)
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_ADAPTER_STATE',
        'the database is not open (did a reopen fail?)',
      );
    return this.connection;
  }
}

function bucketOf(start: bigint, row: AggregateRow, fns: ReadonlySet<string>): AggregateBucket {
  const count = Number(row.n);
  const bucket: AggregateBucket = { start, count };
  // A non-empty group has every column; null only comes from an empty whole-range row.
  if (fns.has('sum')) bucket.sum = row.s!;
  if (fns.has('min')) bucket.min = row.lo!;
  if (fns.has('max')) bucket.max = row.hi!;
  if (fns.has('mean')) bucket.mean = row.s! / count;
  if (fns.has('first')) bucket.first = row.first!;
  if (fns.has('last')) bucket.last = row.last!;
  return bucket;
}
