import { Field, Int64, makeVector, Table, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import { arrowIpcRecordBatchesMax } from '../limits.ts';
import {
  type BatchLayout,
  batchFrame,
  concat,
  dictionaryField,
  dictionaryFrame,
  file,
  keyValueSchema,
  pointsFrame,
  pointsLayout,
  pointsWithIndexLayout,
  schemaFrame,
  schemaWithExtra,
  stream,
  utf8Layout,
} from './arrow-ipc-craft.ts';
import { flipBit } from './bit-flip-bodies.ts';

/**
 * Arrow IPC bodies that a server must refuse with 400 OMENDB_ERR_INPUT_ARROW, quickly and without
 * storing anything: the engine's hostile-Arrow tests and the harness's security scenario post the
 * same bodies. Each group is a defect the bounded reader was written against.
 */

export interface NamedBody {
  readonly name: string;
  readonly body: Uint8Array;
}

export const hostileThreeKeys: readonly bigint[] = [1n, 2n, 3n];
export const hostileThreeValues: readonly number[] = [0.5, 1.5, 2.5];

/** The layout of a valid three-point batch, to be changed into lies. */
export function threePointsLayout(): BatchLayout {
  return pointsLayout(BigInt64Array.from(hostileThreeKeys), Float64Array.from(hostileThreeValues));
}

function withLayout(change: Partial<BatchLayout>): Uint8Array {
  return stream([schemaFrame(), batchFrame({ ...threePointsLayout(), ...change })]);
}

/** Defect 1: declared row counts that the buffers do not hold. */
export function lyingRowCountBodies(): NamedBody[] {
  const lie = (rows: number): Partial<BatchLayout> => ({
    length: rows,
    nodes: [
      [rows, 0],
      [rows, 0],
    ],
  });
  return [
    { name: 'a batch that declares 10 rows and sends 3', body: withLayout(lie(10)) },
    { name: 'a batch that declares 100,000 rows and sends 3', body: withLayout(lie(100_000)) },
    {
      name: 'field nodes that declare more rows than their batch',
      body: withLayout({
        nodes: [
          [10, 0],
          [10, 0],
        ],
      }),
    },
    {
      name: 'a value buffer shorter than its rows',
      body: withLayout({
        buffers: [
          [0, 0],
          [0, 24],
          [24, 0],
          [24, 8],
        ],
      }),
    },
    {
      name: 'a buffer beyond the body',
      body: withLayout({
        buffers: [
          [0, 0],
          [0, 24],
          [24, 0],
          [4096, 24],
        ],
      }),
    },
    { name: 'a body longer than the bytes sent', body: withLayout({ bodyLength: 1 << 20 }) },
    {
      name: 'a file whose batch declares 2^40 rows',
      body: file(keyValueSchema(), [batchFrame({ ...threePointsLayout(), ...lie(2 ** 40) })]).bytes,
    },
  ];
}

/**
 * A stream of `rows` real rows whose batch declares 2^53-1: before the fix the decoder allocated
 * for the declared count and froze the event loop.
 */
export function maxSafeRowsLieBody(rows = 75): Uint8Array {
  const layout = pointsLayout(
    BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)),
    Float64Array.from({ length: rows }, (_, i) => i),
  );
  const lie = Number.MAX_SAFE_INTEGER;
  return stream([
    schemaFrame(),
    batchFrame({
      ...layout,
      length: lie,
      nodes: [
        [lie, 0],
        [lie, 0],
      ],
    }),
  ]);
}

/** A stream whose extra, ignored column is dictionary encoded and grown by `deltas` delta batches. */
export function deltaDictionaryStream(deltas: number): Uint8Array {
  const frames = [
    schemaFrame(schemaWithExtra(dictionaryField('extra', 0))),
    dictionaryFrame(0, utf8Layout(['first']), false),
  ];
  for (let i = 0; i < deltas; i++) frames.push(dictionaryFrame(0, utf8Layout([`entry-${i}`]), true));
  frames.push(batchFrame(pointsWithIndexLayout(hostileThreeKeys, hostileThreeValues)));
  return stream(frames);
}

/** Defect 2: anything but a schema of exactly key and value, dictionaries, too many messages. */
export function schemaAndDictionaryBodies(): NamedBody[] {
  const keys = BigInt64Array.from(hostileThreeKeys);
  const values = Float64Array.from(hostileThreeValues);
  return [
    {
      name: 'an extra Float64 column',
      body: tableToIPC(
        tableFromArrays({ key: keys, value: values, extra: Float64Array.of(7, 8, 9) }),
        'stream',
      ),
    },
    {
      name: 'an extra dictionary-encoded column with its dictionary batch',
      body: tableToIPC(
        new Table({
          key: makeVector(keys),
          value: makeVector(values),
          label: vectorFromArray(['a', 'b', 'a']),
        }),
        'stream',
      ),
    },
    {
      name: 'the key column twice',
      body: stream([
        schemaFrame(schemaWithExtra(new Field('key', new Int64(), false))),
        pointsFrame(hostileThreeKeys, hostileThreeValues),
      ]),
    },
    {
      name: 'a dictionary batch no column refers to',
      body: stream([
        schemaFrame(),
        dictionaryFrame(0, utf8Layout(['x']), false),
        pointsFrame(hostileThreeKeys, hostileThreeValues),
      ]),
    },
    {
      name: 'a second schema message',
      body: stream([schemaFrame(), schemaFrame(), pointsFrame(hostileThreeKeys, hostileThreeValues)]),
    },
    {
      name: `${arrowIpcRecordBatchesMax + 1} record batches`,
      body: stream([
        schemaFrame(),
        ...Array.from({ length: arrowIpcRecordBatchesMax + 1 }, () => pointsFrame([], [])),
      ]),
    },
    {
      name: 'a value column named otherwise',
      body: tableToIPC(tableFromArrays({ key: BigInt64Array.of(1n), Value: Float64Array.of(1) }), 'stream'),
    },
  ];
}

/** Defect 4: a file footer that lists the same record batch `times` times. */
export function repeatedBlockFileBody(times = 1000): Uint8Array {
  const first = pointsFrame(hostileThreeKeys, hostileThreeValues);
  return file(keyValueSchema(), [first], { blockOrder: Array.from({ length: times }, () => 0) }).bytes;
}

/** Defect 4: blocks that overlap, a batch framed inside the body of another (apache-arrow reads both). */
export function overlappingBlocksFileBody(): Uint8Array {
  const three = threePointsLayout();
  const second = pointsFrame([4n], [4]);
  const outer = batchFrame({ ...three, body: concat([three.body, second.bytes]) });
  const crafted = file(keyValueSchema(), [outer]);
  const outerAt = crafted.offsets[0]!;
  const innerAt = outerAt + outer.metaDataLength + three.body.length;
  return file(keyValueSchema(), [outer], {
    blocks: [
      [outerAt, outer.metaDataLength, outer.bodyLength],
      [innerAt, second.metaDataLength, second.bodyLength],
    ],
  }).bytes;
}

/** The valid 440-byte, three-point stream (apache-arrow 21 writes it byte for byte) the killer flips were found in. */
export function killerFlipBaseBody(): Uint8Array {
  return tableToIPC(
    tableFromArrays({
      key: BigInt64Array.from(hostileThreeKeys),
      value: Float64Array.from(hostileThreeValues),
    }),
    'stream',
  );
}

/**
 * The single-bit flips of killerFlipBaseBody that, before the fix, exhausted the heap (SIGABRT at
 * 512 MiB) or ran past a 10 s deadline in the decoder: 416, 417 and 1152 in the schema, the rest
 * in the record batch header (its row count and a field node's).
 */
export const arrowKillerBits: readonly number[] = [
  416, 417, 1152, 2230, 2231, 2232, 2233, 2234, 2235, 2236, 2237, 2238, 2806, 2807, 2808, 2809, 2810, 2811,
  2812, 2813, 2814,
];

/** Every body above (the delta dictionary one grown to `deltaDictionaryBatches`), each refused. */
export function hostileArrowBodies(deltaDictionaryBatches = 10_000): NamedBody[] {
  const base = killerFlipBaseBody();
  return [
    ...lyingRowCountBodies(),
    { name: 'a batch declaring 2^53-1 rows', body: maxSafeRowsLieBody() },
    ...schemaAndDictionaryBodies(),
    {
      name: `${deltaDictionaryBatches} delta dictionary batches for an extra column`,
      body: deltaDictionaryStream(deltaDictionaryBatches),
    },
    { name: 'a footer that lists the same batch 1,000 times', body: repeatedBlockFileBody(1000) },
    { name: 'overlapping file blocks', body: overlappingBlocksFileBody() },
    ...arrowKillerBits.map((bit) => ({ name: `killer bit flip ${bit}`, body: flipBit(base, bit) })),
  ];
}
