import {
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  tableFromArrays,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import { writeBatchPointsMax } from '../../src/limits.ts';
import { arrowBatches, pointsTable, readArrowPoints } from '../../src/query/arrow-io.ts';
import { type Engine, openEngine } from '../../src/engine.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import { codeOf, codeOfCall } from '../support/codes.ts';

const engines: Engine[] = [];

async function open(): Promise<Engine> {
  const engine = await openEngine({
    dir: '/db',
    fs: new SimFileSystem(),
    logger: silentLogger,
    autoMaintenance: false,
  });
  engines.push(engine);
  return engine;
}

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

function table(keys: readonly bigint[], values: readonly number[]): Table {
  return tableFromArrays({ key: BigInt64Array.from(keys), value: Float64Array.from(values) });
}

function timestampTable(type: TimestampSecond | TimestampMillisecond | TimestampNanosecond, keys: bigint[]) {
  const key = makeVector(
    makeData({ type, length: keys.length, nullCount: 0, data: BigInt64Array.from(keys) }),
  );
  return new Table({ key, value: makeVector(Float64Array.from(keys, (_, i) => i + 0.5)) });
}

function columns(result: { table: Table }) {
  const key = result.table.getChild('key')!;
  const value = result.table.getChild('value')!;
  return {
    keys: Array.from(key.toArray() as BigInt64Array),
    values: Array.from(value.toArray() as Float64Array),
  };
}

describe('readArrowPoints', () => {
  it('reads the columns as views of the chunks Arrow holds', () => {
    const input = table([1n, 2n], [0.5, 1.5]).concat(table([3n], [2.5]));
    const points = readArrowPoints(input);
    expect(points.rows).toBe(3);
    expect(points.keyChunks.map((chunk) => Array.from(chunk))).toEqual([[1n, 2n], [3n]]);
    expect(points.valueChunks.map((chunk) => Array.from(chunk))).toEqual([[0.5, 1.5], [2.5]]);
  });

  it('reads a sliced table from its offset', () => {
    const points = readArrowPoints(table([1n, 2n, 3n, 4n], [1, 2, 3, 4]).slice(1, 3));
    expect(Array.from(points.keyChunks[0]!)).toEqual([2n, 3n]);
    expect(Array.from(points.valueChunks[0]!)).toEqual([2, 3]);
  });

  it('accepts a table from another copy of apache-arrow (duck typed)', () => {
    const real = table([7n], [1]);
    const foreign = { getChild: (name: string) => real.getChild(name), numRows: 1, schema: real.schema };
    expect(readArrowPoints(foreign).rows).toBe(1);
  });
});

describe('arrowBatches', () => {
  it('splits rows into batches, viewing a chunk when a batch lies inside one and copying otherwise', () => {
    const points = readArrowPoints(table([1n, 2n, 3n], [1, 2, 3]).concat(table([4n, 5n], [4, 5])));
    const batches = [...arrowBatches(points, 2)];
    expect(batches.map((batch) => Array.from(batch.keys))).toEqual([[1n, 2n], [3n, 4n], [5n]]);
    expect(batches.map((batch) => Array.from(batch.values))).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches[0]!.keys.buffer).toBe(points.keyChunks[0]!.buffer);
    expect(batches[1]!.keys.buffer).not.toBe(points.keyChunks[0]!.buffer);
    expect([...arrowBatches(readArrowPoints(table([], [])), 2)]).toEqual([]);
  });
});

describe('pointsTable', () => {
  it('wraps the arrays without copying them', () => {
    const keys = BigInt64Array.of(1n);
    const result = pointsTable(keys, Float64Array.of(2));
    expect(result.getChild('key')!.data[0]!.values).toBe(keys);
    expect(String(result.getChild('key')!.type)).toBe('Int64');
    expect(String(result.getChild('value')!.type)).toBe('Float64');
  });
});

describe('writeArrow and rangeArrow', () => {
  it('round-trips a Table, IPC stream bytes and IPC file bytes', async () => {
    const engine = await open();
    const input = table([3n, keyMin, keyMax, -1n], [0.25, -1e300, 5e-324, -0]);
    expect(await engine.writeArrow('t', input)).toBe(4);
    expect(await engine.writeArrow('stream', tableToIPC(input, 'stream'))).toBe(4);
    expect(await engine.writeArrow('file', tableToIPC(input, 'file'))).toBe(4);
    for (const name of ['t', 'stream', 'file']) {
      const result = await engine.rangeArrow(name);
      expect(result.next).toBeNull();
      expect(columns(result)).toEqual({
        keys: [keyMin, -1n, 3n, keyMax],
        values: [-1e300, -0, 0.25, 5e-324],
      });
      expect(String(result.table.getChild('key')!.type)).toBe('Int64');
      // The caller's own apache-arrow can encode the Table it was given (a Table of another copy
      // of apache-arrow encodes to bytes no reader accepts).
      expect(await engine.writeArrow(`${name}-again`, tableToIPC(result.table, 'stream'))).toBe(4);
    }
  });

  it('pages like range(), across the memtable and segments', async () => {
    const engine = await open();
    await engine.writeArrow('s', table([1n, 2n, 3n, 4n, 5n], [1, 2, 3, 4, 5]));
    await engine.checkpoint();
    await engine.writeArrow('s', table([2n, 6n], [20, 6]));
    await engine.deleteRange('s', 4n, 4n);
    const first = await engine.rangeArrow('s', 2n, undefined, { limit: 2 });
    expect(columns(first)).toEqual({ keys: [2n, 3n], values: [20, 3] });
    expect(first.next).toBe(3n);
    const second = await engine.rangeArrow('s', 2n, 6n, { limit: 2, after: first.next! });
    expect(columns(second)).toEqual({ keys: [5n, 6n], values: [5, 6] });
    expect(second.next).toBeNull();
    const empty = await engine.rangeArrow('s', 2n, 6n, { after: 6n });
    expect(empty.table.numRows).toBe(0);
    expect(empty.next).toBeNull();
    expect((await engine.rangeArrow('none')).table.numRows).toBe(0);
    // The Arrow page equals the point page.
    const page = await engine.range('s', 0, 10);
    const arrow = columns(await engine.rangeArrow('s', 0, 10));
    expect(page.points).toEqual(arrow.keys.map((key, i) => [key, arrow.values[i]]));
  });

  it.each([
    ['second', new TimestampSecond()],
    ['millisecond', new TimestampMillisecond('UTC')],
    ['nanosecond', new TimestampNanosecond()],
  ])('keeps the integer value of a Timestamp (%s) as the key', async (_, type) => {
    const engine = await open();
    const keys = [-5n, 1_700_000_000_123n, 1_700_000_000_123_456_789n];
    await engine.writeArrow('ts', timestampTable(type, keys));
    expect(columns(await engine.rangeArrow('ts')).keys).toEqual(keys);
  });

  it('writes an empty table as nothing', async () => {
    const engine = await open();
    expect(await engine.writeArrow('e', table([], []))).toBe(0);
    expect(await engine.listSeries()).toEqual([]);
  });

  it('writes a table larger than one batch as several atomic batches', async () => {
    const engine = await open();
    const rows = writeBatchPointsMax + 3;
    const keys = new BigInt64Array(rows);
    for (let i = 0; i < rows; i++) keys[i] = BigInt(i);
    const values = new Float64Array(rows).fill(1);
    expect(await engine.writeArrow('big', tableFromArrays({ key: keys, value: values }))).toBe(rows);
    expect(engine.stats().writes).toBe(2);
    const result = await engine.aggregate('big', undefined, undefined, { fns: ['count', 'sum', 'last'] });
    expect(result.buckets).toEqual([{ start: keyMin, count: rows, sum: rows, last: 1 }]);
  });
});

describe('writeArrow validation', () => {
  const nullKeys = new Table({
    key: vectorFromArray([1n, null], new Int64()),
    value: makeVector(Float64Array.of(1, 2)),
  });
  const nullValues = new Table({
    key: makeVector(BigInt64Array.of(1n, 2n)),
    value: vectorFromArray([1, null], new Float64()),
  });
  const cases: [string, unknown, string][] = [
    ['a string', 'key,value', 'OMENDB_ERR_INPUT_ARROW'],
    ['null', null, 'OMENDB_ERR_INPUT_ARROW'],
    ['a plain object', { key: [1n] }, 'OMENDB_ERR_INPUT_ARROW'],
    ['bytes that are not Arrow', Uint8Array.of(1, 2, 3), 'OMENDB_ERR_INPUT_ARROW'],
    [
      'truncated IPC file bytes',
      tableToIPC(table([1n], [1]), 'file').subarray(0, 20),
      'OMENDB_ERR_INPUT_ARROW',
    ],
    [
      'a duck-typed table whose buffers are not typed arrays',
      {
        numRows: 1,
        schema: {},
        getChild: (name: string) =>
          name === 'key'
            ? { type: new Int64(), nullCount: 0, data: [{ values: [1n], length: 1 }] }
            : { type: new Float64(), nullCount: 0, data: [{ values: Float64Array.of(1), length: 1 }] },
      },
      'OMENDB_ERR_INPUT_ARROW',
    ],
    [
      'a duck-typed table that declares more rows than its columns hold',
      {
        numRows: 5,
        schema: {},
        getChild: (name: string) =>
          name === 'key'
            ? { type: new Int64(), nullCount: 0, data: [{ values: BigInt64Array.of(1n), length: 1 }] }
            : { type: new Float64(), nullCount: 0, data: [{ values: Float64Array.of(1), length: 1 }] },
      },
      'OMENDB_ERR_INPUT_ARROW',
    ],
    [
      'IPC bytes with a third column',
      tableToIPC(
        tableFromArrays({ key: BigInt64Array.of(1n), value: Float64Array.of(1), x: Float64Array.of(2) }),
      ),
      'OMENDB_ERR_INPUT_ARROW',
    ],
    [
      'IPC bytes with a NaN value',
      tableToIPC(tableFromArrays({ key: BigInt64Array.of(1n), value: Float64Array.of(Number.NaN) })),
      'OMENDB_ERR_INPUT_VALUE',
    ],
    ['no key column', tableFromArrays({ value: Float64Array.of(1) }), 'OMENDB_ERR_INPUT_ARROW'],
    ['no value column', tableFromArrays({ key: BigInt64Array.of(1n) }), 'OMENDB_ERR_INPUT_ARROW'],
    [
      'an Int32 key',
      new Table({ key: vectorFromArray([1], new Int32()), value: makeVector(Float64Array.of(1)) }),
      'OMENDB_ERR_INPUT_ARROW',
    ],
    [
      'a string key',
      new Table({ key: vectorFromArray(['1'], new Utf8()), value: makeVector(Float64Array.of(1)) }),
      'OMENDB_ERR_INPUT_ARROW',
    ],
    [
      'a Float32 value',
      new Table({ key: makeVector(BigInt64Array.of(1n)), value: vectorFromArray([1], new Float32()) }),
      'OMENDB_ERR_INPUT_ARROW',
    ],
    [
      'an Int64 value',
      tableFromArrays({ key: BigInt64Array.of(1n), value: BigInt64Array.of(1n) }),
      'OMENDB_ERR_INPUT_ARROW',
    ],
    ['a null key', nullKeys, 'OMENDB_ERR_INPUT_ARROW'],
    ['a null value', nullValues, 'OMENDB_ERR_INPUT_ARROW'],
    ['a NaN value', table([1n, 2n], [1, Number.NaN]), 'OMENDB_ERR_INPUT_VALUE'],
    ['an infinite value', table([1n], [Number.NEGATIVE_INFINITY]), 'OMENDB_ERR_INPUT_VALUE'],
  ];

  it.each(cases)('refuses %s and writes nothing', async (_, input, code) => {
    const engine = await open();
    expect(await codeOf(engine.writeArrow('s', input as Table))).toBe(code);
    expect(await engine.listSeries()).toEqual([]);
    expect(engine.stats().writes).toBe(0);
  });

  it('refuses NaN in a later chunk before writing the earlier ones', async () => {
    const engine = await open();
    const input = table([1n], [1]).concat(table([2n], [Number.NaN]));
    expect(codeOfCall(() => readArrowPoints(input))).toBe('OMENDB_ERR_INPUT_VALUE');
    expect(await codeOf(engine.writeArrow('s', input))).toBe('OMENDB_ERR_INPUT_VALUE');
    expect(engine.stats().writes).toBe(0);
  });

  it('validates the series name and the engine state', async () => {
    const engine = await open();
    expect(await codeOf(engine.writeArrow('bad name', table([1n], [1])))).toBe(
      'OMENDB_ERR_INPUT_SERIES_NAME',
    );
    expect(await codeOf(engine.rangeArrow('bad name'))).toBe('OMENDB_ERR_INPUT_SERIES_NAME');
    expect(await codeOf(engine.rangeArrow('s', 2n, 1n))).toBe('OMENDB_ERR_INPUT_RANGE');
    expect(await codeOf(engine.rangeArrow('s', 0n, 1n, { limit: 0 }))).toBe('OMENDB_ERR_INPUT_RANGE');
    expect(await codeOf(engine.rangeArrow('s', 0n, 1n, { after: 1.5 }))).toBe('OMENDB_ERR_INPUT_KEY');
    await engine.close();
    expect(await codeOf(engine.writeArrow('s', table([1n], [1])))).toBe('OMENDB_ERR_ENGINE_CLOSED');
    expect(await codeOf(engine.rangeArrow('s'))).toBe('OMENDB_ERR_ENGINE_CLOSED');
  });
});
