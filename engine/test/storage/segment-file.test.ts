import {
  type DataType,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  TimestampNanosecond,
  tableToIPC,
  Uint64,
} from 'apache-arrow';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isOmenDbError } from '../../src/errors.ts';
import { segmentBatchRowsMax } from '../../src/limits.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import {
  decodeSegment,
  encodeSegment,
  parseSegment,
  type SegmentSeriesData,
  segmentFormatVersion,
  segmentMetadataKey,
} from '../../src/storage/segment-file.ts';
import { codeOfCall } from '../support/codes.ts';

function expectationOf(bytes: Uint8Array, file = 'seg-0000000000000001.arrow') {
  return { file, bytes: bytes.length, crc32: crc32(bytes) };
}

function roundTrip(series: readonly SegmentSeriesData[]): SegmentSeriesData[] {
  const bytes = encodeSegment(series);
  return decodeSegment(bytes, expectationOf(bytes));
}

function series(
  name: string,
  points: readonly (readonly [bigint, number])[],
  extra: Partial<Pick<SegmentSeriesData, 'tombstones' | 'dropped'>> = {},
): SegmentSeriesData {
  return {
    name,
    keys: BigInt64Array.from(points.map(([key]) => key)),
    values: Float64Array.from(points.map(([, value]) => value)),
    tombstones: extra.tombstones ?? [],
    dropped: extra.dropped ?? false,
  };
}

/** Plain data for toEqual: typed arrays as arrays. */
function plain(list: readonly SegmentSeriesData[]) {
  return list.map((s) => ({
    name: s.name,
    keys: Array.from(s.keys),
    values: Array.from(s.values),
    tombstones: s.tombstones.map((t) => ({ from: t.from, to: t.to })),
    dropped: s.dropped,
  }));
}

interface HandBuilt {
  keys?: BigInt64Array | BigUint64Array;
  values?: Float64Array | Float32Array;
  metadata?: string | undefined;
  keyType?: DataType;
  valueType?: DataType;
  names?: [string, string];
}

/** An Arrow IPC file built the way encodeSegment builds one, without its checks. */
function handBuilt(options: HandBuilt): Uint8Array {
  const keys = options.keys ?? new BigInt64Array(0);
  const values = options.values ?? new Float64Array(0);
  const keyType = options.keyType ?? new Int64();
  const valueType = options.valueType ?? new Float64();
  const [keyName, valueName] = options.names ?? ['key', 'value'];
  const fields = [new Field(keyName, keyType, false), new Field(valueName, valueType, false)];
  const metadata = new Map<string, string>();
  if (options.metadata !== undefined) metadata.set(segmentMetadataKey, options.metadata);
  const schema = new Schema(fields, metadata);
  const struct = makeData({
    type: new Struct(schema.fields),
    length: keys.length,
    nullCount: 0,
    children: [
      makeData({ type: keyType, length: keys.length, nullCount: 0, data: keys } as never),
      makeData({ type: valueType, length: values.length, nullCount: 0, data: values } as never),
    ],
  });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, struct)]), 'file');
}

/** The directory encodeSegment would write for these series. */
function directoryOf(list: readonly SegmentSeriesData[], formatVersion = segmentFormatVersion) {
  let offset = 0;
  const entries = list.map((s) => {
    const entry = {
      name: s.name,
      offset,
      count: s.keys.length,
      dropped: s.dropped,
      tombstones: s.tombstones.map((t) => [t.from.toString(), t.to.toString()]),
    };
    offset += s.keys.length;
    return entry;
  });
  return { formatVersion, points: offset, series: entries };
}

function schemaFieldsOf(keyType: DataType): Field[] {
  return [new Field('key', keyType, false), new Field('value', new Float64(), false)];
}

function decodeHandBuilt(bytes: Uint8Array): SegmentSeriesData[] {
  return decodeSegment(bytes, expectationOf(bytes));
}

const twoSeries = [
  series('a', [
    [1n, 1],
    [2n, 2],
  ]),
  series('b', [[5n, 5]]),
];
const twoKeys = BigInt64Array.of(1n, 2n, 5n);
const twoValues = Float64Array.of(1, 2, 5);

describe('encodeSegment / decodeSegment', () => {
  it('round-trips many series, with empty ones, tombstones and drops', () => {
    const input: SegmentSeriesData[] = [
      series('a', [
        [keyMin, -1.5],
        [-1n, 0],
        [0n, -0],
        [keyMax, Number.MAX_VALUE],
      ]),
      series('b', [], { tombstones: [{ from: 1n, to: 5n }] }),
      series('b.dropped', [], { dropped: true, tombstones: [{ from: keyMin, to: keyMax }] }),
      series('c', [[10n, 10]], {
        tombstones: [
          { from: keyMin, to: -100n },
          { from: 0n, to: 9n },
          { from: 11n, to: keyMax },
        ],
      }),
      series('d:e-f_g', [[3n, 3]], { dropped: true, tombstones: [{ from: keyMin, to: keyMax }] }),
    ];
    for (let i = 0; i < 200; i++) {
      const points: [bigint, number][] = [];
      for (let k = 0; k < i % 7; k++) points.push([BigInt(k * 1000 - i), i + k / 10]);
      input.push(series(`s${String(i).padStart(3, '0')}`, points));
    }
    const decoded = roundTrip(input);
    expect(plain(decoded)).toEqual(plain(input));
    expect(Object.is(decoded[0]!.values[2], -0)).toBe(true);
  });

  it('round-trips an empty segment', () => {
    expect(roundTrip([])).toEqual([]);
  });

  it('writes a plain Arrow file that any reader opens', () => {
    const bytes = encodeSegment(twoSeries);
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(3);
    expect(Array.from(table.getChild('key')!.toArray() as BigInt64Array)).toEqual([1n, 2n, 5n]);
    expect(Array.from(table.getChild('value')!.toArray() as Float64Array)).toEqual([1, 2, 5]);
    expect(JSON.parse(table.schema.metadata.get(segmentMetadataKey)!)).toEqual(directoryOf(twoSeries));
  });

  it('decodes a segment placed at an unaligned offset in a larger buffer', () => {
    const bytes = encodeSegment(twoSeries);
    const shifted = new Uint8Array(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    expect(plain(decodeSegment(shifted, expectationOf(bytes)))).toEqual(plain(twoSeries));
  });

  it('splits more than segmentBatchRowsMax rows into several record batches', () => {
    const total = segmentBatchRowsMax + 1000;
    const keys = new BigInt64Array(total);
    const values = new Float64Array(total);
    for (let i = 0; i < total; i++) {
      keys[i] = BigInt(i);
      values[i] = i;
    }
    const split = 700_000;
    const input = [
      {
        name: 'a',
        keys: keys.subarray(0, split),
        values: values.subarray(0, split),
        tombstones: [],
        dropped: false,
      },
      {
        name: 'b',
        keys: keys.subarray(split),
        values: values.subarray(split),
        tombstones: [],
        dropped: false,
      },
    ];
    const bytes = encodeSegment(input);
    expect(tableFromIPC(bytes).batches.length).toBe(2);
    const decoded = decodeSegment(bytes, expectationOf(bytes));
    expect(decoded.map((s) => s.keys.length)).toEqual([split, total - split]);
    // A loop, not toEqual: deep equality over a million elements is slow.
    let mismatches = 0;
    for (let i = 0; i < total; i++) {
      const part = i < split ? decoded[0]! : decoded[1]!;
      const at = i < split ? i : i - split;
      if (part.keys[at] !== keys[i] || part.values[at] !== values[i]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('throws a plain invariant error when asked to encode invalid series', () => {
    const invalid: SegmentSeriesData[][] = [
      [series('b', []), series('a', [])],
      [series('a', []), series('a', [])],
      [series('', [])],
      [series('x'.repeat(129), [])],
      [
        series('a', [
          [2n, 2],
          [1n, 1],
        ]),
      ],
      [
        series('a', [
          [1n, 1],
          [1n, 2],
        ]),
      ],
      [{ ...series('a', [[1n, 1]]), values: new Float64Array(0) }],
      [series('a', [[1n, Number.NaN]])],
      [series('a', [[1n, Number.POSITIVE_INFINITY]])],
      [series('a', [], { tombstones: [{ from: 2n, to: 1n }] })],
      [
        series('a', [], {
          tombstones: [
            { from: 1n, to: 5n },
            { from: 5n, to: 6n },
          ],
        }),
      ],
      [
        series('a', [], {
          tombstones: [
            { from: 10n, to: 12n },
            { from: 1n, to: 2n },
          ],
        }),
      ],
    ];
    for (const list of invalid) {
      let thrown: unknown;
      try {
        encodeSegment(list);
      } catch (error) {
        thrown = error;
      }
      expect(
        thrown,
        JSON.stringify(plain(list), (_k, v) => (typeof v === 'bigint' ? `${v}` : v)),
      ).toBeInstanceOf(Error);
      expect(isOmenDbError(thrown)).toBe(false);
      expect((thrown as Error).message).toMatch(/invariant/);
    }
  });
});

describe('decodeSegment errors', () => {
  const good = encodeSegment(twoSeries);

  it('rejects a size that differs from the manifest', () => {
    const expected = expectationOf(good);
    expect(codeOfCall(() => decodeSegment(good, { ...expected, bytes: good.length + 1 }))).toBe(
      'OMENDB_ERR_SEGMENT_CORRUPT',
    );
    expect(codeOfCall(() => decodeSegment(good.subarray(1), expected))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
  });

  it('rejects a checksum that differs from the manifest, and any flipped byte', () => {
    const expected = expectationOf(good);
    expect(codeOfCall(() => decodeSegment(good, { ...expected, crc32: (expected.crc32 + 1) >>> 0 }))).toBe(
      'OMENDB_ERR_SEGMENT_CORRUPT',
    );
    for (let byte = 0; byte < good.length; byte += 7) {
      const damaged = good.slice();
      damaged[byte]! ^= 0x40;
      expect(
        codeOfCall(() => decodeSegment(damaged, expected)),
        `byte ${byte}`,
      ).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    }
  });

  it('names the file in the error details', () => {
    try {
      decodeSegment(good, { file: 'seg-0000000000000042.arrow', bytes: 1, crc32: 0 });
      expect.unreachable();
    } catch (error) {
      expect(isOmenDbError(error, 'OMENDB_ERR_SEGMENT_CORRUPT')).toBe(true);
      expect((error as { details: Record<string, unknown> }).details.file).toBe('seg-0000000000000042.arrow');
    }
  });

  it('rejects bytes that are not Arrow even when size and checksum match', () => {
    const garbage = new TextEncoder().encode('this is not an Arrow IPC file, only some bytes of text......');
    expect(codeOfCall(() => decodeHandBuilt(garbage))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    expect(codeOfCall(() => decodeHandBuilt(good.subarray(0, good.length - 20)))).toBe(
      'OMENDB_ERR_SEGMENT_CORRUPT',
    );
    expect(codeOfCall(() => decodeHandBuilt(new Uint8Array(0)))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
  });

  it('rejects an Arrow file without the segment directory', () => {
    const bytes = handBuilt({ keys: twoKeys, values: twoValues });
    expect(tableFromIPC(bytes).numRows).toBe(3);
    expect(codeOfCall(() => decodeHandBuilt(bytes))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
  });

  it('refuses another segment format version with OMENDB_ERR_VERSION_UNSUPPORTED', () => {
    for (const version of [2, 0]) {
      const bytes = handBuilt({
        keys: twoKeys,
        values: twoValues,
        metadata: JSON.stringify(directoryOf(twoSeries, version)),
      });
      expect(codeOfCall(() => decodeHandBuilt(bytes))).toBe('OMENDB_ERR_VERSION_UNSUPPORTED');
    }
  });

  it('accepts a hand-built file that follows the format', () => {
    const bytes = handBuilt({
      keys: twoKeys,
      values: twoValues,
      metadata: JSON.stringify(directoryOf(twoSeries)),
    });
    expect(plain(decodeHandBuilt(bytes))).toEqual(plain(twoSeries));
  });

  it('rejects a directory that is not JSON or has the wrong shape', () => {
    for (const metadata of ['{', 'null', '7', '"x"', '{"formatVersion":1,"points":3}', '{"series":{}}']) {
      const bytes = handBuilt({ keys: twoKeys, values: twoValues, metadata });
      expect(
        codeOfCall(() => decodeHandBuilt(bytes)),
        metadata,
      ).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    }
  });

  it('rejects directory offsets that are not contiguous', () => {
    const directory = directoryOf(twoSeries);
    for (const offsets of [
      [0, 1],
      [0, 3],
      [1, 2],
    ]) {
      const bad = {
        ...directory,
        series: directory.series.map((entry, i) => ({ ...entry, offset: offsets[i] })),
      };
      const bytes = handBuilt({ keys: twoKeys, values: twoValues, metadata: JSON.stringify(bad) });
      expect(
        codeOfCall(() => decodeHandBuilt(bytes)),
        JSON.stringify(offsets),
      ).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    }
  });

  it('rejects invalid directory entries and tombstones', () => {
    const directory = directoryOf(twoSeries);
    const first = directory.series[0]!;
    const badEntries: unknown[] = [
      null,
      { ...first, name: 1 },
      { ...first, count: -1 },
      { ...first, count: 1.5 },
      { ...first, count: '2' },
      { ...first, dropped: 'no' },
      { ...first, tombstones: {} },
      { ...first, tombstones: [['1']] },
      { ...first, tombstones: [['1', '2', '3']] },
      { ...first, tombstones: [[1, 2]] },
      { ...first, tombstones: [['1', '2.5']] },
      { ...first, tombstones: ['1-2'] },
      { ...first, tombstones: [['5', '1']] },
      {
        ...first,
        tombstones: [
          ['1', '5'],
          ['3', '8'],
        ],
      },
    ];
    for (const entry of badEntries) {
      const bad = { ...directory, series: [entry, directory.series[1]] };
      const bytes = handBuilt({ keys: twoKeys, values: twoValues, metadata: JSON.stringify(bad) });
      expect(
        codeOfCall(() => decodeHandBuilt(bytes)),
        JSON.stringify(entry),
      ).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    }
  });

  it('rejects a directory that does not cover every row, or a row count that differs', () => {
    const directory = directoryOf(twoSeries);
    const short = { ...directory, points: 2, series: [directory.series[0]] };
    const bytes = handBuilt({ keys: twoKeys, values: twoValues, metadata: JSON.stringify(short) });
    expect(codeOfCall(() => decodeHandBuilt(bytes))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    const wrongPoints = { ...directory, points: 4 };
    const bytes2 = handBuilt({ keys: twoKeys, values: twoValues, metadata: JSON.stringify(wrongPoints) });
    expect(codeOfCall(() => decodeHandBuilt(bytes2))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    const moreRows = handBuilt({
      keys: BigInt64Array.of(1n, 2n, 5n, 6n),
      values: Float64Array.of(1, 2, 5, 6),
      metadata: JSON.stringify(directory),
    });
    expect(codeOfCall(() => decodeHandBuilt(moreRows))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
  });

  it('rejects keys that are not strictly increasing within a series', () => {
    for (const keys of [BigInt64Array.of(2n, 1n, 5n), BigInt64Array.of(1n, 1n, 5n)]) {
      const bytes = handBuilt({ keys, values: twoValues, metadata: JSON.stringify(directoryOf(twoSeries)) });
      expect(codeOfCall(() => decodeHandBuilt(bytes))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    }
    // Keys restart at a new series: that is fine.
    const restart = handBuilt({
      keys: BigInt64Array.of(1n, 2n, 1n),
      values: twoValues,
      metadata: JSON.stringify(directoryOf(twoSeries)),
    });
    expect(decodeHandBuilt(restart)[1]!.keys).toEqual(BigInt64Array.of(1n));
  });

  it('rejects series that are not sorted by name', () => {
    const reversed = [twoSeries[1]!, twoSeries[0]!];
    const bytes = handBuilt({
      keys: BigInt64Array.of(5n, 1n, 2n),
      values: Float64Array.of(5, 1, 2),
      metadata: JSON.stringify(directoryOf(reversed)),
    });
    expect(codeOfCall(() => decodeHandBuilt(bytes))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
  });

  it('rejects non-finite values', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const bytes = handBuilt({
        keys: twoKeys,
        values: Float64Array.of(1, bad, 5),
        metadata: JSON.stringify(directoryOf(twoSeries)),
      });
      expect(codeOfCall(() => decodeHandBuilt(bytes))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    }
  });

  it('rejects the stream format and a Timestamp key, which no segment is written with', () => {
    const metadata = new Map([[segmentMetadataKey, JSON.stringify(directoryOf(twoSeries))]]);
    const schema = new Schema(schemaFieldsOf(new Int64()), metadata);
    const batch = new RecordBatch(
      schema,
      makeData({
        type: new Struct(schema.fields),
        length: 3,
        nullCount: 0,
        children: [
          makeData({ type: new Int64(), length: 3, nullCount: 0, data: twoKeys }),
          makeData({ type: new Float64(), length: 3, nullCount: 0, data: twoValues }),
        ],
      }),
    );
    const asStream = tableToIPC(new Table(schema, [batch]), 'stream');
    expect(codeOfCall(() => decodeHandBuilt(asStream))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    const timestampKeys = handBuilt({
      keys: twoKeys,
      values: twoValues,
      keyType: new TimestampNanosecond(),
      metadata: JSON.stringify(directoryOf(twoSeries)),
    });
    expect(codeOfCall(() => decodeHandBuilt(timestampKeys))).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
  });

  it('rejects missing or mistyped key and value columns', () => {
    const valid = { keys: twoKeys, values: twoValues, metadata: JSON.stringify(directoryOf(twoSeries)) };
    const changes: HandBuilt[] = [
      { names: ['k', 'value'] },
      { names: ['key', 'v'] },
      { names: ['value', 'key'] },
      { keyType: new Float64() },
      { valueType: new Int64() },
      { keyType: new Int32() },
      { keys: BigUint64Array.of(1n, 2n, 5n), keyType: new Uint64() },
      { values: Float32Array.of(1, 2, 5), valueType: new Float32() },
    ];
    for (const [i, change] of changes.entries()) {
      const bytes = handBuilt({ ...valid, ...change });
      expect(
        codeOfCall(() => decodeHandBuilt(bytes)),
        `case ${i}`,
      ).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    }
  });
});

describe('parsing damaged segment bytes with the checksum step bypassed', () => {
  /** One damaged segment must be parsed or refused within this: the reader is linear in its size. */
  const segmentFlipDeadlineMs = 1_000;
  const original: SegmentSeriesData[] = [
    series('a', [
      [keyMin, -1.5],
      [-1n, 0.25],
      [7n, 7],
      [keyMax, 1e300],
    ]),
    series('b', [], { tombstones: [{ from: 1n, to: 5n }] }),
    series('c', [[3n, 3]], { dropped: true, tombstones: [{ from: keyMin, to: 2n }] }),
  ];

  /** The parsing step alone, without the size and checksum checks of decodeSegment. */
  function parseWithoutChecksum(bytes: Uint8Array): SegmentSeriesData[] {
    return parseSegment(bytes, 'seg-0000000000000001.arrow');
  }

  it('detects every single-bit flip, or reads a segment that keeps every invariant, each within the deadline', () => {
    const bytes = encodeSegment(original);
    const expected = plain(original);
    const tally = { detected: 0, identical: 0, altered: 0 };
    let slowestMs = 0;
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const started = performance.now();
      let decoded: SegmentSeriesData[] | undefined;
      try {
        decoded = parseWithoutChecksum(flipped);
      } catch (error) {
        const code = isOmenDbError(error) ? error.code : String(error);
        expect(['OMENDB_ERR_SEGMENT_CORRUPT', 'OMENDB_ERR_VERSION_UNSUPPORTED'], `bit ${bit}`).toContain(
          code,
        );
        tally.detected++;
      }
      const elapsed = performance.now() - started;
      slowestMs = Math.max(slowestMs, elapsed);
      expect(elapsed, `bit ${bit}`).toBeLessThan(segmentFlipDeadlineMs);
      if (decoded === undefined) continue;
      if (JSON.stringify(plain(decoded), bigintText) === JSON.stringify(expected, bigintText)) {
        tally.identical++;
      } else {
        // A flip inside a key or value reads as other data: only the checksum can tell. What is
        // read still keeps every invariant, so encoding it again succeeds.
        expect(() => encodeSegment(decoded), `bit ${bit}`).not.toThrow();
        tally.altered++;
      }
    }
    console.log(
      `segment bit flips without the checksum: ${bytes.length * 8} flips, ${tally.detected} detected, ` +
        `${tally.identical} read identically, ${tally.altered} read as other valid data; slowest ${slowestMs.toFixed(1)} ms`,
    );
    expect(tally.detected + tally.identical + tally.altered).toBe(bytes.length * 8);
  });
});

function bigintText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
