import { keyMax, keyMin } from '@omendb/engine';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareStatements, schemaSql, type Statements } from '../../../src/adapters/sqlite/statements.ts';

let db: Database.Database;
let statements: Statements;

beforeEach(() => {
  db = new Database(':memory:');
  db.defaultSafeIntegers(true);
  db.exec(schemaSql);
  statements = prepareStatements(db);
});

afterEach(() => {
  db.close();
});

describe('the sqlite adapter statements', () => {
  it('key the table by (series, key) without a rowid', () => {
    const sql = db.prepare<[], string>("SELECT sql FROM sqlite_schema WHERE name = 'points'").pluck().get()!;
    expect(sql).toMatch(/PRIMARY KEY \(series, key\)\s*\) WITHOUT ROWID/);
  });

  it('group by the floored bucket index, exact at the int64 extremes', () => {
    for (const key of [keyMin, -11n, -10n, -1n, 0n, 9n, keyMax]) statements.upsert.run('s', key, 1);
    const rows = statements.buckets.all({ series: 's', from: keyMin, to: keyMax, width: 10n, max: 100 });
    // The index times the width is the start: -922337203685477581 * 10 lies below -2^63.
    expect(rows.map((row) => row.bucket)).toEqual([-922337203685477581n, -2n, -1n, 0n, 922337203685477580n]);
    expect(rows.map((row) => row.n)).toEqual([1n, 1n, 2n, 2n, 1n]);
    const all = statements.buckets.all({ series: 's', from: keyMin, to: keyMax, width: 1n, max: 100 });
    expect(all.map((row) => row.bucket)).toEqual([keyMin, -11n, -10n, -1n, 0n, 9n, keyMax]);
  });

  it('answer a whole-range aggregate over no rows with a zero count', () => {
    expect(statements.whole.get({ series: 's', from: keyMin, to: keyMax })).toMatchObject({ n: 0n, s: null });
  });
});
