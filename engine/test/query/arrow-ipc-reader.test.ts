import {
  Field,
  Float64,
  makeData,
  makeVector,
  Schema,
  Table,
  TimeUnit,
  Timestamp,
  tableFromArrays,
  tableFromIPC,
  tableToIPC,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { OmenDbError } from '../../src/errors.ts';
import { arrowIpcMessagesMax, arrowIpcRecordBatchesMax } from '../../src/limits.ts';
import { type ArrowIpcPoints, readArrowIpc } from '../../src/query/arrow-ipc-reader.ts';
import { codeOfCall } from '../support/codes.ts';
import {
  type BatchLayout,
  batchFrame,
  concat,
  endOfStream,
  type Frame,
  file,
  frame,
  keyValueSchema,
  pointsFrame,
  pointsLayout,
  schemaFrame,
  stream,
} from '../../src/testing/arrow-ipc-craft.ts';
import { buildFlatbuffer, type FbField, type FbTable } from './flatbuffer-build.ts';

/**
 * The bounded Arrow IPC reader on its own: what it accepts (checked against apache-arrow as the
 * reference) and each kind of malformed input it refuses. Malformed metadata that no Arrow
 * writer produces is built with a minimal flatbuffer writer (flatbuffer-build.ts).
 */

const code = 'OMENDB_ERR_INPUT_ARROW';
const fault = (reason: string) => new OmenDbError(code, reason, { reason });

function read(bytes: Uint8Array, metadataKey?: string): ArrowIpcPoints {
  return readArrowIpc(bytes, metadataKey === undefined ? { fault } : { fault, metadataKey });
}

const refusal = (bytes: Uint8Array, metadataKey?: string) => codeOfCall(() => read(bytes, metadataKey));

function columns(points: ArrowIpcPoints) {
  return {
    keys: points.keyChunks.flatMap((chunk) => Array.from(chunk)),
    values: points.valueChunks.flatMap((chunk) => Array.from(chunk)),
  };
}

/** What apache-arrow reads from the same bytes: the reference for every accepted input. */
function reference(bytes: Uint8Array) {
  const table = tableFromIPC(bytes);
  return {
    keys: Array.from(table.getChild('key')!.toArray() as BigInt64Array),
    values: Array.from(table.getChild('value')!.toArray() as Float64Array),
  };
}

// Flatbuffer descriptions of Arrow metadata (slot order of Schema.fbs, Message.fbs, File.fbs).
const typeInt = 2;
const typeFloat = 3;
const typeTimestamp = 10;
const int = (bits: number, signed: boolean): FbField => ({ table: [{ i32: bits }, { u8: signed ? 1 : 0 }] });
const float = (precision: number): FbField => ({ table: [{ i16: precision }] });
const timestamp = (unit: number): FbField => ({ table: [{ i16: unit }] });

interface FieldOptions {
  dictionary?: boolean;
  children?: number;
}

function field(name: string, typeType: number, type: FbField, options: FieldOptions = {}): FbTable {
  return [
    { string: name },
    { u8: 0 },
    { u8: typeType },
    type,
    options.dictionary === true ? { table: [{ i64: 0n }] } : undefined,
    options.children === undefined
      ? undefined
      : { tables: Array.from({ length: options.children }, () => field('child', typeInt, int(64, true))) },
  ];
}

const keyField = field('key', typeInt, int(64, true));
const valueField = field('value', typeFloat, float(2));

interface SchemaOptions {
  endianness?: number;
  metadata?: readonly (readonly [string, string | Uint8Array])[];
}

function schemaTable(fields: readonly FbTable[], options: SchemaOptions = {}): FbTable {
  return [
    options.endianness === undefined ? undefined : { i16: options.endianness },
    { tables: fields },
    options.metadata === undefined
      ? undefined
      : { tables: options.metadata.map(([key, value]) => [{ string: key }, { string: value }]) },
  ];
}

const v5 = 4;
const headerSchema = 1;
const headerRecordBatch = 3;

function messageTable(
  headerType: number,
  header: FbTable | undefined,
  bodyLength = 0n,
  version = v5,
): FbTable {
  return [
    { i16: version },
    { u8: headerType },
    header === undefined ? undefined : { table: header },
    { i64: bodyLength },
  ];
}

const schemaMessage = (schema: FbTable, version = v5): Frame =>
  frame(buildFlatbuffer(messageTable(headerSchema, schema, 0n, version)));

/** Two little-endian int64s per struct: FieldNode (length, nulls) or Buffer (offset, length). */
function pairs(values: readonly (readonly [bigint, bigint])[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 16);
  const view = new DataView(bytes.buffer);
  values.forEach(([a, b], i) => {
    view.setBigInt64(i * 16, a, true);
    view.setBigInt64(i * 16 + 8, b, true);
  });
  return bytes;
}

interface BatchOptions {
  length?: bigint;
  nodes?: readonly (readonly [bigint, bigint])[] | null;
  buffers?: readonly (readonly [bigint, bigint])[] | null;
  compression?: boolean;
  variadic?: number;
}

const threeKeys = BigInt64Array.of(-1n, 0n, 2n ** 62n);
const threeValues = Float64Array.of(0.5, -2, 1e300);
const threeBody = pointsLayout(threeKeys, threeValues).body;

/** A record batch of threeKeys and threeValues, built field by field so any of them can lie. */
function batchMessage(options: BatchOptions = {}): Frame {
  const nodes =
    options.nodes === undefined
      ? ([
          [3n, 0n],
          [3n, 0n],
        ] as const)
      : options.nodes;
  const buffers =
    options.buffers === undefined
      ? ([
          [0n, 0n],
          [0n, 24n],
          [24n, 0n],
          [24n, 24n],
        ] as const)
      : options.buffers;
  const batch: FbTable = [
    { i64: options.length ?? 3n },
    nodes === null ? undefined : { structs: pairs(nodes), count: nodes.length },
    buffers === null ? undefined : { structs: pairs(buffers), count: buffers.length },
    options.compression === true ? { table: [{ u8: 0 }, { u8: 0 }] } : undefined,
    options.variadic === undefined
      ? undefined
      : { structs: new Uint8Array(options.variadic * 8), count: options.variadic },
  ];
  return frame(buildFlatbuffer(messageTable(headerRecordBatch, batch, BigInt(threeBody.length))), threeBody);
}

const validSchema = () => schemaMessage(schemaTable([keyField, valueField]));

describe('the test flatbuffer writer', () => {
  it('writes metadata that apache-arrow reads as the same stream', () => {
    const built = stream([validSchema(), batchMessage()]);
    const apache = stream([schemaFrame(), pointsFrame(Array.from(threeKeys), Array.from(threeValues))]);
    expect(reference(built)).toEqual(reference(apache));
    expect(columns(read(built))).toEqual(reference(apache));
  });
});

describe('readArrowIpc accepts', () => {
  const table = tableFromArrays({ key: BigInt64Array.of(5n, -7n, 9n), value: Float64Array.of(1, 2, 3) });

  it('streams and files written by apache-arrow, as apache-arrow reads them', () => {
    for (const format of ['stream', 'file'] as const) {
      const bytes = tableToIPC(table, format);
      const points = read(bytes);
      expect(points.format).toBe(format);
      expect(points.keyType).toBe('int64');
      expect(points.rows).toBe(3);
      expect(columns(points)).toEqual(reference(bytes));
    }
  });

  it('several batches in order, skipping empty ones', () => {
    const bytes = tableToIPC(
      table.concat(tableFromArrays({ key: BigInt64Array.of(), value: Float64Array.of() })).concat(table),
      'stream',
    );
    const points = read(bytes);
    expect(points.rows).toBe(6);
    expect(points.keyChunks.length).toBe(2);
    expect(columns(points)).toEqual(reference(bytes));
  });

  it('a Timestamp key of every unit, as its integer value', () => {
    for (const unit of [TimeUnit.SECOND, TimeUnit.MILLISECOND, TimeUnit.MICROSECOND, TimeUnit.NANOSECOND]) {
      const type = new Timestamp(unit, unit === TimeUnit.SECOND ? 'UTC' : null);
      const key = makeVector(makeData({ type, length: 2, nullCount: 0, data: BigInt64Array.of(-3n, 4n) }));
      const bytes = tableToIPC(new Table({ key, value: makeVector(Float64Array.of(1, 2)) }), 'stream');
      const points = read(bytes);
      expect(points.keyType).toBe('timestamp');
      expect(columns(points).keys).toEqual([-3n, 4n]);
    }
  });

  it('the value column first', () => {
    const reversed = new Schema([new Field('value', new Float64()), keyValueSchema().fields[0]!]);
    const layout = pointsLayout(threeKeys, threeValues);
    const swapped: BatchLayout = {
      ...layout,
      buffers: [layout.buffers[2]!, layout.buffers[3]!, layout.buffers[0]!, layout.buffers[1]!],
    };
    const bytes = stream([schemaFrame(reversed), batchFrame(swapped)]);
    expect(columns(read(bytes))).toEqual(reference(bytes));
    expect(columns(read(bytes)).keys).toEqual(Array.from(threeKeys));
  });

  it('a stream without its end marker, the legacy framing and the legacy end marker', () => {
    const frames = [schemaFrame(), pointsFrame(Array.from(threeKeys), Array.from(threeValues))];
    expect(read(stream(frames, false)).rows).toBe(3);
    // Legacy: no continuation marker, the int32 length first; the end marker is four zero bytes.
    const legacy = concat([
      ...frames.map((f) => {
        const bytes = f.bytes.slice(4);
        return bytes;
      }),
      new Uint8Array(4),
    ]);
    expect(columns(read(legacy))).toEqual({ keys: Array.from(threeKeys), values: Array.from(threeValues) });
  });

  it('views the input in place when it is 8-byte aligned, and copies it when it is not', () => {
    const bytes = tableToIPC(table, 'stream');
    const aligned = read(bytes);
    expect(aligned.keyChunks[0]!.buffer).toBe(bytes.buffer);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const unaligned = read(shifted.subarray(3));
    expect(unaligned.keyChunks[0]!.buffer).not.toBe(shifted.buffer);
    expect(columns(unaligned)).toEqual(columns(aligned));
  });

  it('a variadic buffer count vector that is empty, and nullable fields without nulls', () => {
    expect(read(stream([validSchema(), batchMessage({ variadic: 0 })])).rows).toBe(3);
    const nullable = new Schema([
      new Field('key', keyValueSchema().fields[0]!.type, true),
      new Field('value', new Float64(), true),
    ]);
    expect(read(stream([schemaFrame(nullable), pointsFrame([1n], [1])])).rows).toBe(1);
  });

  it('returns the schema metadata entry asked for, and nothing when it is absent', () => {
    const metadata = { metadata: [['other', 'x'] as const, ['omendb.segment', '{"a":1}'] as const] };
    const bytes = stream([schemaMessage(schemaTable([keyField, valueField], metadata)), batchMessage()]);
    expect(read(bytes, 'omendb.segment').metadata).toBe('{"a":1}');
    expect(read(bytes, 'missing').metadata).toBeUndefined();
    expect(read(bytes).metadata).toBeUndefined();
    expect(read(stream([validSchema(), batchMessage()]), 'omendb.segment').metadata).toBeUndefined();
  });
});

describe('readArrowIpc refuses malformed framing', () => {
  const cases: [string, Uint8Array][] = [
    ['no bytes', new Uint8Array(0)],
    ['three bytes', Uint8Array.of(1, 2, 3)],
    ['only an end marker', endOfStream],
    ['a continuation marker alone', Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1)],
    ['a negative metadata length', Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xfb, 0xff, 0xff, 0xff, 0, 0, 0, 0)],
    ['a metadata length past the end', Uint8Array.of(0xff, 0xff, 0xff, 0xff, 64, 0, 0, 0, 0, 0, 0, 0)],
    ['metadata version V3', stream([schemaMessage(schemaTable([keyField, valueField]), 2)])],
    ['an unknown metadata version', stream([schemaMessage(schemaTable([keyField, valueField]), 5)])],
    ['a message without a header', stream([frame(buildFlatbuffer(messageTable(headerSchema, undefined)))])],
    ['a record batch before any schema', stream([batchMessage()])],
    [
      'a schema message with a body',
      stream([
        frame(
          buildFlatbuffer(messageTable(headerSchema, schemaTable([keyField, valueField]), 8n)),
          new Uint8Array(8),
        ),
      ]),
    ],
    ['bytes after the end marker', concat([stream([validSchema(), batchMessage()]), Uint8Array.of(0)])],
    ['a tensor message', stream([validSchema(), frame(buildFlatbuffer(messageTable(4, [])))])],
    ['a dictionary batch', stream([validSchema(), frame(buildFlatbuffer(messageTable(2, [{ i64: 0n }])))])],
    ['a second schema', stream([validSchema(), validSchema(), batchMessage()])],
    [
      'a body longer than the bytes',
      stream([
        validSchema(),
        frame(buildFlatbuffer(messageTable(headerRecordBatch, [{ i64: 0n }], 1n << 40n))),
      ]),
    ],
  ];
  it.each(cases)('%s', (_, bytes) => {
    expect(refusal(bytes)).toBe(code);
  });

  it(`more than arrowIpcMessagesMax (${arrowIpcMessagesMax}) messages`, () => {
    const empty = batchMessage({
      length: 0n,
      nodes: [
        [0n, 0n],
        [0n, 0n],
      ],
    });
    const frames = Array.from({ length: arrowIpcMessagesMax - 1 }, () => empty);
    expect(read(stream([validSchema(), ...frames])).rows).toBe(0);
    expect(refusal(stream([validSchema(), ...frames, empty]))).toBe(code);
  });
});

describe('readArrowIpc refuses every schema but key and value', () => {
  const key = keyField;
  const value = valueField;
  const cases: [string, FbTable][] = [
    ['big-endian data', schemaTable([key, value], { endianness: 1 })],
    ['no fields vector', [undefined, undefined]],
    ['one field', schemaTable([key])],
    ['three fields', schemaTable([key, value, field('extra', typeFloat, float(2))])],
    ['a misnamed value', schemaTable([key, field('values', typeFloat, float(2))])],
    ['key twice', schemaTable([key, key])],
    ['value twice', schemaTable([value, value])],
    [
      'a dictionary-encoded key',
      schemaTable([field('key', typeInt, int(64, true), { dictionary: true }), value]),
    ],
    [
      'a dictionary-encoded value',
      schemaTable([key, field('value', typeFloat, float(2), { dictionary: true })]),
    ],
    ['a key with children', schemaTable([field('key', typeInt, int(64, true), { children: 1 }), value])],
    ['an Int32 key', schemaTable([field('key', typeInt, int(32, true)), value])],
    ['an unsigned Int64 key', schemaTable([field('key', typeInt, int(64, false)), value])],
    ['a key without its type table', schemaTable([field('key', typeInt, undefined), value])],
    ['a Timestamp key of an unknown unit', schemaTable([field('key', typeTimestamp, timestamp(4)), value])],
    ['a Timestamp key of a negative unit', schemaTable([field('key', typeTimestamp, timestamp(-1)), value])],
    ['a Float64 key', schemaTable([field('key', typeFloat, float(2)), value])],
    ['a Float32 value', schemaTable([key, field('value', typeFloat, float(1))])],
    ['an Int64 value', schemaTable([key, field('value', typeInt, int(64, true))])],
    ['a value without its type table', schemaTable([key, field('value', typeFloat, undefined)])],
  ];
  it.each(cases)('%s', (_, schema) => {
    expect(refusal(stream([schemaMessage(schema), batchMessage()]))).toBe(code);
  });

  it('accepts the same description when it is key and value (the cases above differ only in what they name)', () => {
    expect(read(stream([schemaMessage(schemaTable([key, value])), batchMessage()])).rows).toBe(3);
    expect(
      read(
        stream([
          schemaMessage(schemaTable([field('key', typeTimestamp, timestamp(3)), value])),
          batchMessage(),
        ]),
      ).keyType,
    ).toBe('timestamp');
  });

  it('refuses schema metadata that repeats the key asked for, or is not UTF-8', () => {
    const twice = schemaTable([key, value], {
      metadata: [
        ['m', 'a'],
        ['m', 'b'],
      ],
    });
    expect(refusal(stream([schemaMessage(twice), batchMessage()]), 'm')).toBe(code);
    // Only the entry asked for is read: other keys may repeat.
    expect(read(stream([schemaMessage(twice), batchMessage()]), 'n').metadata).toBeUndefined();
    const notUtf8 = schemaTable([key, value], { metadata: [['m', Uint8Array.of(0xc3, 0x28)]] });
    expect(refusal(stream([schemaMessage(notUtf8), batchMessage()]), 'm')).toBe(code);
  });
});

describe('readArrowIpc refuses record batches whose declarations do not fit their body', () => {
  const cases: [string, BatchOptions][] = [
    ['a compressed body', { compression: true }],
    ['variadic buffer counts', { variadic: 1 }],
    ['a negative length', { length: -1n }],
    ['more rows than the body can hold', { length: 7n }],
    ['no nodes', { nodes: null }],
    ['one node', { nodes: [[3n, 0n]] }],
    [
      'three nodes',
      {
        nodes: [
          [3n, 0n],
          [3n, 0n],
          [3n, 0n],
        ],
      },
    ],
    [
      'a node shorter than the batch',
      {
        nodes: [
          [3n, 0n],
          [2n, 0n],
        ],
      },
    ],
    [
      'a node with nulls',
      {
        nodes: [
          [3n, 1n],
          [3n, 0n],
        ],
      },
    ],
    [
      'a node with a negative null count',
      {
        nodes: [
          [3n, 0n],
          [3n, -1n],
        ],
      },
    ],
    ['no buffers', { buffers: null }],
    [
      'three buffers',
      {
        buffers: [
          [0n, 0n],
          [0n, 24n],
          [24n, 0n],
        ],
      },
    ],
    [
      'a negative buffer offset',
      {
        buffers: [
          [0n, 0n],
          [-8n, 24n],
          [24n, 0n],
          [24n, 24n],
        ],
      },
    ],
    [
      'a negative buffer length',
      {
        buffers: [
          [0n, -1n],
          [0n, 24n],
          [24n, 0n],
          [24n, 24n],
        ],
      },
    ],
    [
      'a buffer past the body',
      {
        buffers: [
          [0n, 0n],
          [0n, 24n],
          [24n, 0n],
          [32n, 24n],
        ],
      },
    ],
    [
      'a validity buffer past the body',
      {
        buffers: [
          [48n, 8n],
          [0n, 24n],
          [24n, 0n],
          [24n, 24n],
        ],
      },
    ],
    [
      'an unaligned buffer',
      {
        buffers: [
          [0n, 0n],
          [4n, 24n],
          [24n, 0n],
          [24n, 24n],
        ],
      },
    ],
    [
      'a value buffer shorter than its rows',
      {
        buffers: [
          [0n, 0n],
          [0n, 24n],
          [24n, 0n],
          [24n, 16n],
        ],
      },
    ],
    [
      'a key buffer shorter than its rows',
      {
        buffers: [
          [0n, 0n],
          [0n, 8n],
          [24n, 0n],
          [24n, 24n],
        ],
      },
    ],
  ];
  it.each(cases)('%s', (_, options) => {
    expect(refusal(stream([validSchema(), batchMessage(options)]))).toBe(code);
  });

  it('accepts the unchanged batch (the cases above differ from it only in what they name)', () => {
    expect(columns(read(stream([validSchema(), batchMessage()])))).toEqual({
      keys: Array.from(threeKeys),
      values: Array.from(threeValues),
    });
  });
});

describe('readArrowIpc refuses malformed files', () => {
  const frames = [pointsFrame([1n, 2n], [1, 2]), pointsFrame([3n], [3])];
  const good = file(keyValueSchema(), frames);
  const footerLengthAt = good.bytes.length - 10;

  function withFooterLength(length: number): Uint8Array {
    const bytes = good.bytes.slice();
    new DataView(bytes.buffer).setInt32(footerLengthAt, length, true);
    return bytes;
  }

  /** The file with its footer replaced by a flatbuffer built from the description. */
  function withFooter(footer: FbTable): Uint8Array {
    const footerBytes = buildFlatbuffer(footer);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setInt32(0, footerBytes.length, true);
    const body = good.bytes.subarray(0, good.offsets[1]! + frames[1]!.bytes.length);
    return concat([body, footerBytes, length, new TextEncoder().encode('ARROW1')]);
  }

  const blocks = (list: readonly (readonly [bigint, number, bigint])[]): FbField => {
    const bytes = new Uint8Array(list.length * 24);
    const view = new DataView(bytes.buffer);
    list.forEach(([offset, meta, body], i) => {
      view.setBigInt64(i * 24, offset, true);
      view.setInt32(i * 24 + 8, meta, true);
      view.setBigInt64(i * 24 + 16, body, true);
    });
    return { structs: bytes, count: list.length };
  };
  const schema: FbField = { table: schemaTable([keyField, valueField]) };
  const blockOf = (i: number): readonly [bigint, number, bigint] => [
    BigInt(good.offsets[i]!),
    frames[i]!.metaDataLength,
    BigInt(frames[i]!.bodyLength),
  ];

  it('accepts the file, and a footer built by the test writer that lists the same blocks', () => {
    expect(columns(read(good.bytes))).toEqual(reference(good.bytes));
    const rebuilt = withFooter([{ i16: v5 }, schema, undefined, blocks([blockOf(0), blockOf(1)])]);
    expect(columns(read(rebuilt))).toEqual(reference(good.bytes));
    // A footer without a record batch vector lists no rows.
    expect(read(withFooter([{ i16: v5 }, schema])).rows).toBe(0);
  });

  const cases: [string, () => Uint8Array][] = [
    ['only the magic', () => new TextEncoder().encode('ARROW1')],
    ['no magic at the end', () => good.bytes.subarray(0, good.bytes.length - 1)],
    ['a footer length of 0', () => withFooterLength(0)],
    ['a negative footer length', () => withFooterLength(-4)],
    ['a footer longer than the file', () => withFooterLength(good.bytes.length)],
    [
      'a footer of metadata version V3',
      () => withFooter([{ i16: 2 }, schema, undefined, blocks([blockOf(0)])]),
    ],
    [
      'a footer without a schema',
      () => withFooter([{ i16: v5 }, undefined, undefined, blocks([blockOf(0)])]),
    ],
    [
      'a footer that lists a dictionary batch',
      () => withFooter([{ i16: v5 }, schema, blocks([blockOf(0)]), blocks([blockOf(1)])]),
    ],
    [
      'a block before the leading magic ends',
      () => withFooter([{ i16: v5 }, schema, undefined, blocks([[4n, 8, 0n]])]),
    ],
    [
      'a block with no metadata',
      () => withFooter([{ i16: v5 }, schema, undefined, blocks([[BigInt(good.offsets[0]!), 0, 0n]])]),
    ],
    [
      'a block with a negative body',
      () => withFooter([{ i16: v5 }, schema, undefined, blocks([[BigInt(good.offsets[0]!), 8, -1n]])]),
    ],
    [
      'a block that runs into the footer',
      () =>
        withFooter([
          { i16: v5 },
          schema,
          undefined,
          blocks([[BigInt(good.offsets[1]!), frames[1]!.metaDataLength, 1n << 20n]]),
        ]),
    ],
    [
      'a block listed twice',
      () => withFooter([{ i16: v5 }, schema, undefined, blocks([blockOf(1), blockOf(0), blockOf(1)])]),
    ],
    [
      'a block on the schema message',
      () => withFooter([{ i16: v5 }, schema, undefined, blocks([[8n, good.offsets[0]! - 8, 0n]])]),
    ],
    [
      "a block whose metadata length is not its message's",
      () =>
        withFooter([
          { i16: v5 },
          schema,
          undefined,
          blocks([[BigInt(good.offsets[0]!), frames[0]!.metaDataLength + 8, BigInt(frames[0]!.bodyLength)]]),
        ]),
    ],
    [
      "a block whose body length is not its message's",
      () =>
        withFooter([
          { i16: v5 },
          schema,
          undefined,
          blocks([[BigInt(good.offsets[0]!), frames[0]!.metaDataLength, BigInt(frames[0]!.bodyLength - 8)]]),
        ]),
    ],
    [
      'a block on an end-of-stream marker',
      () => {
        const eos: Frame = { bytes: endOfStream, metaDataLength: 8, bodyLength: 0 };
        return file(keyValueSchema(), [eos]).bytes;
      },
    ],
    [
      'a file whose schema is not key and value',
      () => withFooter([{ i16: v5 }, { table: schemaTable([keyField]) }, undefined, blocks([blockOf(0)])]),
    ],
  ];
  it.each(cases)('%s', (_, bytes) => {
    expect(refusal(bytes())).toBe(code);
  });

  it(`more than arrowIpcRecordBatchesMax (${arrowIpcRecordBatchesMax}) blocks`, () => {
    const empty = batchMessage({
      length: 0n,
      nodes: [
        [0n, 0n],
        [0n, 0n],
      ],
    });
    const many = Array.from({ length: arrowIpcRecordBatchesMax }, () => empty);
    expect(read(file(keyValueSchema(), many).bytes).rows).toBe(0);
    expect(refusal(file(keyValueSchema(), [...many, empty]).bytes)).toBe(code);
  });
});
