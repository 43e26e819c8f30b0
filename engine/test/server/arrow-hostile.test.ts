import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Field, Float64, Int64, Schema, tableFromIPC } from 'apache-arrow';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchLayout,
  batchFrame,
  file,
  keyValueSchema,
  pointsFrame,
  pointsLayout,
  schemaFrame,
  stream,
} from '../../src/testing/arrow-ipc-craft.ts';
import { flipBit } from '../../src/testing/bit-flip-bodies.ts';
import {
  arrowKillerBits,
  deltaDictionaryStream,
  hostileThreeKeys,
  hostileThreeValues,
  killerFlipBaseBody,
  lyingRowCountBodies,
  maxSafeRowsLieBody,
  overlappingBlocksFileBody,
  repeatedBlockFileBody,
  schemaAndDictionaryBodies,
  threePointsLayout,
} from '../../src/testing/hostile-arrow-bodies.ts';
import { basic, cleanEnv, fetchWithin, type ServeProcess, startServe } from '../cli/cli-process.ts';
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

const threeKeys = hostileThreeKeys;
const threeValues = hostileThreeValues;
const threePoints = threePointsLayout();

describe('defect 1: every declared row count is checked against the buffers that hold the rows', () => {
  const cases = lyingRowCountBodies().map(({ name, body }): [string, Uint8Array] => [name, body]);
  it.each(cases)('%s: 400, nothing stored', async (_, body) => {
    await expectRefused(body);
  });
});

describe('defect 2: only a schema of exactly key and value, no dictionaries, a bounded count of messages', () => {
  const cases = schemaAndDictionaryBodies().map(({ name, body }): [string, Uint8Array] => [name, body]);
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
  const valid = killerFlipBaseBody();
  const schemaMessageBytes = 8 + new DataView(valid.buffer, valid.byteOffset).getInt32(4, true);
  const killerBits = arrowKillerBits;

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
    await expectRefused(repeatedBlockFileBody(1000));
  });

  it('refuses blocks that overlap: a batch framed inside the body of another', async () => {
    const body = overlappingBlocksFileBody();
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

    const body = maxSafeRowsLieBody(75);
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
