import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  Field,
  Float64,
  Int64,
  makeVector,
  Schema,
  Table,
  tableFromArrays,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrowIpcRecordBatchesMax } from '../../src/limits.ts';
import { basic, cleanEnv, fetchWithin, type ServeProcess, startServe } from '../cli/cli-process.ts';
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
} from '../query/arrow-ipc-craft.ts';
import { createServerFixture, expectRegistryError, type ServerFixture } from './server-fixture.ts';

/**
 * Hostile Arrow bodies against the real server (fastify inject; one spawned server for the body
 * that froze the event loop). Each is answered with 400 OMENDB_ERR_INPUT_ARROW within a deadline,
 * and afterwards the stored data is exactly what it was: the known series, the series list and
 * the WAL's last sequence number (nothing was written at all).
 */

const arrowType = 'application/vnd.apache.arrow.stream';
/** A hostile body must be refused within this: every check is linear in the body's size. */
const hostileCaseDeadlineMs = 2_000;
const known = 'known';
const knownPoints: [number, number][] = [
  [-5, 0.5],
  [0, 1],
  [1_700_000_000_000, 2.25],
];

let fixture: ServerFixture;

beforeAll(async () => {
  fixture = await createServerFixture();
  const response = await fixture.inject({
    method: 'POST',
    url: `/v1/series/${known}/points`,
    headers: { authorization: fixture.basicFor('writer') },
    payload: { points: knownPoints },
  });
  expect(response.json()).toEqual({ written: knownPoints.length });
});

afterAll(async () => {
  await fixture?.close();
});

async function postArrow(series: string, body: Uint8Array): Promise<LightMyRequestResponse> {
  return fixture.inject({
    method: 'POST',
    url: `/v1/series/${series}/points`,
    headers: { authorization: fixture.basicFor('writer'), 'content-type': arrowType },
    payload: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  });
}

async function readSeries(series: string): Promise<unknown> {
  const response = await fixture.inject({
    method: 'GET',
    url: `/v1/series/${series}/points`,
    headers: { authorization: fixture.basicFor('reader') },
  });
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function listSeries(): Promise<string[]> {
  const response = await fixture.inject({
    method: 'GET',
    url: '/v1/series',
    headers: { authorization: fixture.basicFor('reader') },
  });
  return (response.json() as { series: string[] }).series;
}

/** What "unchanged" compares: the known series, every series name and the WAL position. */
async function storedState(): Promise<unknown> {
  return {
    known: await readSeries(known),
    series: await listSeries(),
    lastSeq: fixture.engine.stats().lastSeq,
  };
}

/** Posts a hostile body: 400 INPUT_ARROW within the deadline, and nothing stored changed. */
async function expectRefused(body: Uint8Array): Promise<void> {
  const before = await storedState();
  const started = performance.now();
  const response = await postArrow('target', body);
  const elapsed = performance.now() - started;
  expectRegistryError(response, 'OMENDB_ERR_INPUT_ARROW', fixture);
  expect(elapsed, `answered in ${elapsed.toFixed(0)} ms`).toBeLessThan(hostileCaseDeadlineMs);
  expect(await storedState()).toEqual(before);
}

const threeKeys = [1n, 2n, 3n];
const threeValues = [0.5, 1.5, 2.5];
const threePoints = pointsLayout(BigInt64Array.from(threeKeys), Float64Array.from(threeValues));

function withLayout(change: Partial<BatchLayout>): Uint8Array {
  return stream([schemaFrame(), batchFrame({ ...threePoints, ...change })]);
}

describe('defect 1: every declared row count is checked against the buffers that hold the rows', () => {
  const cases: [string, Uint8Array][] = [
    [
      'a batch that declares 10 rows and sends 3',
      withLayout({
        length: 10,
        nodes: [
          [10, 0],
          [10, 0],
        ],
      }),
    ],
    [
      'a batch that declares 100,000 rows and sends 3',
      withLayout({
        length: 100_000,
        nodes: [
          [100_000, 0],
          [100_000, 0],
        ],
      }),
    ],
    [
      'field nodes that declare more rows than their batch',
      withLayout({
        nodes: [
          [10, 0],
          [10, 0],
        ],
      }),
    ],
    [
      'a value buffer shorter than its rows',
      withLayout({
        buffers: [
          [0, 0],
          [0, 24],
          [24, 0],
          [24, 8],
        ],
      }),
    ],
    [
      'a buffer beyond the body',
      withLayout({
        buffers: [
          [0, 0],
          [0, 24],
          [24, 0],
          [4096, 24],
        ],
      }),
    ],
    ['a body longer than the bytes sent', withLayout({ bodyLength: 1 << 20 })],
    [
      'a file whose batch declares 2^40 rows',
      file(keyValueSchema(), [
        batchFrame({
          ...threePoints,
          length: 2 ** 40,
          nodes: [
            [2 ** 40, 0],
            [2 ** 40, 0],
          ],
        }),
      ]).bytes,
    ],
  ];
  it.each(cases)('%s: 400, nothing stored', async (_, body) => {
    await expectRefused(body);
  });
});

/** A stream whose extra, ignored column is dictionary encoded and grown by `deltas` delta batches. */
function deltaDictionaryStream(deltas: number): Uint8Array {
  const frames = [
    schemaFrame(schemaWithExtra(dictionaryField('extra', 0))),
    dictionaryFrame(0, utf8Layout(['first']), false),
  ];
  for (let i = 0; i < deltas; i++) frames.push(dictionaryFrame(0, utf8Layout([`entry-${i}`]), true));
  frames.push(batchFrame(pointsWithIndexLayout(threeKeys, threeValues)));
  return stream(frames);
}

describe('defect 2: only a schema of exactly key and value, no dictionaries, a bounded count of messages', () => {
  const extraColumn = tableToIPC(
    tableFromArrays({
      key: BigInt64Array.from(threeKeys),
      value: Float64Array.from(threeValues),
      extra: Float64Array.of(7, 8, 9),
    }),
    'stream',
  );
  const dictionaryColumn = tableToIPC(
    new Table({
      key: makeVector(BigInt64Array.from(threeKeys)),
      value: makeVector(Float64Array.from(threeValues)),
      label: vectorFromArray(['a', 'b', 'a']),
    }),
    'stream',
  );
  const duplicateKey = stream([
    schemaFrame(schemaWithExtra(new Field('key', new Int64(), false))),
    pointsFrame(threeKeys, threeValues),
  ]);
  const tooManyBatches = stream([
    schemaFrame(),
    ...Array.from({ length: arrowIpcRecordBatchesMax + 1 }, () => pointsFrame([], [])),
  ]);
  const strayDictionary = stream([
    schemaFrame(),
    dictionaryFrame(0, utf8Layout(['x']), false),
    pointsFrame(threeKeys, threeValues),
  ]);
  const secondSchema = stream([schemaFrame(), schemaFrame(), pointsFrame(threeKeys, threeValues)]);
  const cases: [string, Uint8Array][] = [
    ['an extra Float64 column', extraColumn],
    ['an extra dictionary-encoded column with its dictionary batch', dictionaryColumn],
    ['the key column twice', duplicateKey],
    ['a dictionary batch no column refers to', strayDictionary],
    ['a second schema message', secondSchema],
    [`${arrowIpcRecordBatchesMax + 1} record batches`, tooManyBatches],
    [
      'a value column named otherwise',
      tableToIPC(tableFromArrays({ key: BigInt64Array.of(1n), Value: Float64Array.of(1) }), 'stream'),
    ],
  ];
  it.each(cases)('%s: 400, nothing stored', async (_, body) => {
    await expectRefused(body);
  });

  it('refuses 2 MB of delta dictionary batches for an extra column within the deadline', async () => {
    const body = deltaDictionaryStream(10_000);
    expect(body.length).toBeGreaterThan(2_000_000);
    await expectRefused(body);
  });

  it('still accepts exactly key and value, in either order, and both IPC formats', async () => {
    const reversed = new Schema([
      new Field('value', new Float64(), false),
      new Field('key', new Int64(), false),
    ]);
    const reversedLayout = pointsLayout(BigInt64Array.from(threeKeys), Float64Array.from(threeValues));
    const swapped: BatchLayout = {
      ...reversedLayout,
      buffers: [
        reversedLayout.buffers[2]!,
        reversedLayout.buffers[3]!,
        reversedLayout.buffers[0]!,
        reversedLayout.buffers[1]!,
      ],
    };
    const bodies = {
      ordered: stream([schemaFrame(), batchFrame(threePoints)]),
      reversed: stream([schemaFrame(reversed), batchFrame(swapped)]),
      file: file(keyValueSchema(), [batchFrame(threePoints)]).bytes,
    };
    for (const [name, body] of Object.entries(bodies)) {
      const response = await postArrow(`ok-${name}`, body);
      expect(response.json(), name).toEqual({ written: 3 });
      expect(await readSeries(`ok-${name}`), name).toEqual({
        points: [
          [1, 0.5],
          [2, 1.5],
          [3, 2.5],
        ],
        next: null,
      });
    }
  });
});

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const flipped = bytes.slice();
  flipped[bit >> 3]! ^= 1 << (bit & 7);
  return flipped;
}

/** The points of an accepted body as the server returns them, decoded by apache-arrow (a reference). */
function referencePoints(body: Uint8Array): [number | string, number][] {
  const table = tableFromIPC(body);
  const keys = table.getChild('key')!.toArray() as BigInt64Array;
  const values = table.getChild('value')!.toArray() as Float64Array;
  const byKey = new Map<bigint, number>();
  for (let i = 0; i < keys.length; i++) byKey.set(keys[i]!, values[i]!);
  return (
    [...byKey.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      // JSON has no -0: the server's answer says 0.
      .map(([key, value]) => [
        Number.isSafeInteger(Number(key)) ? Number(key) : key.toString(),
        value === 0 ? 0 : value,
      ])
  );
}

/**
 * Posts a possibly damaged body to its own series: answered within the deadline with 2xx or
 * 4xx; on 4xx nothing at all was written, on 2xx the series holds exactly what the body says.
 */
async function expectSurvived(series: string, body: Uint8Array): Promise<number> {
  const lastSeq = fixture.engine.stats().lastSeq;
  const started = performance.now();
  const response = await postArrow(series, body);
  const elapsed = performance.now() - started;
  const context = `${series}: ${response.statusCode} ${response.body.slice(0, 200)}`;
  expect(elapsed, context).toBeLessThan(hostileCaseDeadlineMs);
  if (response.statusCode >= 400) {
    expect(response.statusCode, context).toBeLessThan(500);
    expect(fixture.engine.stats().lastSeq, context).toBe(lastSeq);
  } else {
    expect(response.statusCode, context).toBe(200);
    expect(await readSeries(series), context).toEqual({ points: referencePoints(body), next: null });
  }
  return response.statusCode;
}

describe('defect 3: one flipped bit in a valid body never costs the server its life', () => {
  const valid = tableToIPC(
    tableFromArrays({ key: BigInt64Array.from(threeKeys), value: Float64Array.from(threeValues) }),
    'stream',
  );
  const schemaMessageBytes = 8 + new DataView(valid.buffer, valid.byteOffset).getInt32(4, true);
  /**
   * The flips of this body that, before the fix, exhausted the heap (SIGABRT at 512 MiB) or ran
   * past a 10 s deadline in the decoder: 416, 417 and 1152 in the schema, the rest in the record
   * batch header (its row count and a field node's).
   */
  const killerBits = [
    416, 417, 1152, 2230, 2231, 2232, 2233, 2234, 2235, 2236, 2237, 2238, 2806, 2807, 2808, 2809, 2810, 2811,
    2812, 2813, 2814,
  ];

  it('uses the body the killer flips were found in (apache-arrow 21 writes it byte for byte)', () => {
    expect(valid.length).toBe(440);
    expect(schemaMessageBytes).toBe(192);
  });

  it.each(killerBits)('bit %i, which killed or hung the decoder: 400, nothing stored', async (bit) => {
    await expectRefused(flipBit(valid, bit));
  });

  it('answers every single-bit flip of the schema message with 2xx or 4xx, nothing else written', async () => {
    const statuses = new Map<number, number>();
    for (let bit = 0; bit < schemaMessageBytes * 8; bit++) {
      const status = await expectSurvived(`schema-flip-${bit}`, flipBit(valid, bit));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    console.log(`schema flips: ${schemaMessageBytes * 8}, statuses ${JSON.stringify([...statuses])}`);
    expect(await readSeries(known)).toEqual({ points: knownPoints, next: null });
  });
});

describe('defect 4: each record batch of an Arrow file is read once', () => {
  const first = pointsFrame(threeKeys, threeValues);
  const second = pointsFrame([4n], [4]);

  it('refuses a footer that lists the same batch 1,000 times', async () => {
    const body = file(keyValueSchema(), [first], { blockOrder: Array.from({ length: 1000 }, () => 0) }).bytes;
    await expectRefused(body);
  });

  it('refuses blocks that overlap: a batch framed inside the body of another', async () => {
    const inner = second.bytes;
    const outer = batchFrame({ ...threePoints, body: concat([threePoints.body, inner]) });
    const crafted = file(keyValueSchema(), [outer]);
    const outerAt = crafted.offsets[0]!;
    const innerAt = outerAt + outer.metaDataLength + threePoints.body.length;
    const body = file(keyValueSchema(), [outer], {
      blocks: [
        [outerAt, outer.metaDataLength, outer.bodyLength],
        [innerAt, second.metaDataLength, second.bodyLength],
      ],
    }).bytes;
    // apache-arrow reads both batches of this file.
    expect(tableFromIPC(body).numRows).toBe(4);
    await expectRefused(body);
  });

  it('reads the batches of a file in footer order, each once', async () => {
    const body = file(keyValueSchema(), [first, second], { blockOrder: [1, 0] }).bytes;
    expect((await postArrow('file-order', body)).json()).toEqual({ written: 4 });
    expect(await readSeries('file-order')).toEqual({
      points: [
        [1, 0.5],
        [2, 1.5],
        [3, 2.5],
        [4, 4],
      ],
      next: null,
    });
  });
});

describe('a batch declaring 2^53-1 rows, against a spawned omendb serve', () => {
  const password = 'arrow-hostile-admin-password';
  const auth = basic('admin', password);
  let server: ServeProcess | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('answers 400 at once, keeps answering, and still stops on SIGTERM', async () => {
    dir = await mkdtemp(`${tmpdir()}/omendb-arrow-hostile-`);
    server = await startServe(['--data', dir, '--port', '0'], cleanEnv({ OMENDB_ADMIN_PASSWORD: password }));
    const url = server.url;
    const write = await fetchWithin(`${url}/v1/series/${known}/points`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ points: knownPoints }),
    });
    expect(write.status).toBe(200);

    const rows = 75;
    const layout = pointsLayout(
      BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)),
      Float64Array.from({ length: rows }, (_, i) => i),
    );
    const lie = Number.MAX_SAFE_INTEGER;
    const body = stream([
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
    expect(body.length).toBeGreaterThan(1500);
    expect(body.length).toBeLessThan(1700);
    const started = performance.now();
    const response = await fetchWithin(
      `${url}/v1/series/lie/points`,
      { method: 'POST', headers: { authorization: auth, 'content-type': arrowType }, body },
      10_000,
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'OMENDB_ERR_INPUT_ARROW',
    );
    expect(performance.now() - started).toBeLessThan(hostileCaseDeadlineMs);

    const ready = await fetchWithin(`${url}/ready`, {}, hostileCaseDeadlineMs);
    expect(ready.status).toBe(200);
    const stored = await fetchWithin(`${url}/v1/series/${known}/points`, {
      headers: { authorization: auth },
    });
    expect(await stored.json()).toEqual({ points: knownPoints, next: null });
    const series = await fetchWithin(`${url}/v1/series`, { headers: { authorization: auth } });
    expect(await series.json()).toEqual({ series: [known] });

    server.signal('SIGTERM');
    const result = await server.exited(10_000);
    expect(result.exitCode).toBe(0);
  });
});
