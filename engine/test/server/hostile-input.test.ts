import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rangeLimitMax } from '../../src/limits.ts';
import {
  arrowStreamBody,
  type HostileCase,
  hostileInputCases,
} from '../../src/testing/hostile-input-cases.ts';
import { seededPrng } from '../support/seeds.ts';
import { createServerFixture, expectRegistryError, type ServerFixture } from './server-fixture.ts';

/**
 * Hostile requests: each gets its documented code and status, and the points already stored
 * are unchanged afterwards (a full range read is compared with the known set after every case).
 */

const arrowType = 'application/vnd.apache.arrow.stream';
const known = 'known';
/** The known set as the server returns it: ascending keys, unsafe-integer keys as strings. */
const knownPoints: [number | string, number][] = [
  ['-9223372036854775808', -1.5],
  [-1000, 0.25],
  [0, 0],
  [1, 1e300],
  [2, -2],
  [1000, 3.75],
  ['9223372036854775807', 42],
];

let fixture: ServerFixture;
/** The same server with a 4 KiB body limit. */
let small: ServerFixture;

const writerOf = (f: ServerFixture) => ({ authorization: f.basicFor('writer') });

async function writeKnown(f: ServerFixture): Promise<void> {
  const response = await f.inject({
    method: 'POST',
    url: `/v1/series/${known}/points`,
    headers: writerOf(f),
    payload: { points: [...knownPoints].reverse() },
  });
  expect(response.json()).toEqual({ written: knownPoints.length });
}

async function expectKnownUnchanged(f: ServerFixture): Promise<void> {
  const range = await f.inject({
    method: 'GET',
    url: `/v1/series/${known}/points?limit=${rangeLimitMax}`,
    headers: writerOf(f),
  });
  expect(range.statusCode).toBe(200);
  expect(range.json()).toEqual({ points: knownPoints, next: null });
}

async function seriesNames(f: ServerFixture): Promise<string[]> {
  return (
    (await f.inject({ method: 'GET', url: '/v1/series', headers: writerOf(f) })).json() as {
      series: string[];
    }
  ).series;
}

function arrowBody(columns: Record<string, BigInt64Array | Float64Array>): Buffer {
  return Buffer.from(arrowStreamBody(columns));
}

beforeAll(async () => {
  fixture = await createServerFixture();
  small = await createServerFixture({ config: { bodyLimitBytes: 4096 } });
  await writeKnown(fixture);
  await writeKnown(small);
}, 60_000);

afterAll(async () => {
  await fixture?.close();
  await small?.close();
});

const { bodies: bodyCases, queries: queryCases, routes: routeCases } = hostileInputCases(known);

async function runCase(f: ServerFixture, hostile: HostileCase): Promise<void> {
  const contentType = hostile.contentType === undefined ? 'application/json' : hostile.contentType;
  const headers: Record<string, string> = hostile.anonymous === true ? {} : { ...writerOf(f) };
  if (contentType !== null && (hostile.payload !== undefined || hostile.contentType !== undefined))
    headers['content-type'] = contentType;
  const response = await f.inject({
    method: hostile.method ?? 'POST',
    url: hostile.url ?? `/v1/series/${known}/points`,
    headers,
    ...(hostile.payload === undefined
      ? {}
      : { payload: typeof hostile.payload === 'string' ? hostile.payload : Buffer.from(hostile.payload) }),
  });
  expectRegistryError(response, hostile.code, f);
  await expectKnownUnchanged(f);
}

describe('hostile input', () => {
  describe('bodies', () => {
    it.for(bodyCases)('$name: $code', async (hostile) => {
      await runCase(fixture, hostile);
    });
  });

  describe('queries', () => {
    it.for(queryCases)('$name: $code', async (hostile) => {
      await runCase(fixture, hostile);
    });
  });

  describe('routes and series names', () => {
    it.for(routeCases)('$name: $code', async (hostile) => {
      await runCase(fixture, hostile);
    });
  });

  it('refuses a body of an unknown media type with 415 OMENDB_ERR_HTTP_MEDIA_TYPE, storing nothing', async () => {
    const response = await fixture.inject({
      method: 'POST',
      url: `/v1/series/${known}/points`,
      headers: { ...writerOf(fixture), 'content-type': 'text/csv' },
      payload: '1,2\n',
    });
    expect(response.statusCode).toBe(415);
    expectRegistryError(response, 'OMENDB_ERR_HTTP_MEDIA_TYPE', fixture);
    await expectKnownUnchanged(fixture);
  });

  it('created no series', async () => {
    expect(await seriesNames(fixture)).toEqual([known]);
  });

  describe(`bodies over bodyLimitBytes (${4096})`, () => {
    const large = JSON.stringify({ points: Array.from({ length: 600 }, (_, i) => [10_000 + i, i]) });
    const largeArrow = arrowBody({
      key: BigInt64Array.from({ length: 600 }, (_, i) => BigInt(10_000 + i)),
      value: Float64Array.from({ length: 600 }, (_, i) => i),
    });
    it.for([
      { name: 'JSON', payload: large, contentType: 'application/json' },
      { name: 'Arrow', payload: largeArrow, contentType: arrowType },
    ])('$name: 413 OMENDB_ERR_HTTP_BODY_TOO_LARGE', async ({ payload, contentType }) => {
      expect(payload.length).toBeGreaterThan(4096);
      await runCase(small, { name: 'large', payload, contentType, code: 'OMENDB_ERR_HTTP_BODY_TOO_LARGE' });
      expect(await seriesNames(small)).toEqual([known]);
    });

    it('accepts a body just under the limit', async () => {
      const fits = JSON.stringify({ points: Array.from({ length: 300 }, (_, i) => [i, 0.5]) });
      expect(fits.length).toBeLessThan(4096);
      const response = await small.inject({
        method: 'POST',
        url: '/v1/series/fits/points',
        headers: { ...writerOf(small), 'content-type': 'application/json' },
        payload: fits,
      });
      expect(response.json()).toEqual({ written: 300 });
      await expectKnownUnchanged(small);
    });
  });
});

describe('edge batches', () => {
  it('writes an empty batch as nothing: 200 {written: 0}, no series created', async () => {
    // engine.write of zero points checks the engine is writable and returns 0.
    const response = await fixture.inject({
      method: 'POST',
      url: '/v1/series/empty/points',
      headers: writerOf(fixture),
      payload: { points: [] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ written: 0 });
    expect(await seriesNames(fixture)).not.toContain('empty');
    await expectKnownUnchanged(fixture);
  });

  it('writes a 100,000-point batch and reads it back exactly', async () => {
    const prng = seededPrng();
    const count = 100_000;
    // Keys spread over negatives and positives, unique, sent in a shuffled order.
    const batch = Array.from({ length: count }, (_, i): [number, number] => [
      (i - 50_000) * 7,
      prng.next() * 1e6 - 5e5,
    ]);
    const expectedPoints = [...batch];
    for (let i = batch.length - 1; i > 0; i--) {
      const j = prng.int(i + 1);
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    const response = await fixture.inject({
      method: 'POST',
      url: '/v1/series/bulk/points',
      headers: writerOf(fixture),
      payload: { points: batch },
    });
    expect(response.json()).toEqual({ written: count });
    const all = await fixture.inject({
      method: 'GET',
      url: `/v1/series/bulk/points?limit=${count}`,
      headers: writerOf(fixture),
    });
    const page = all.json() as { points: [number, number][]; next: number | null };
    expect(page.next).toBeNull();
    expect(page.points).toHaveLength(count);
    for (const i of [0, 1, 49_999, 50_000, 77_777, count - 1])
      expect(page.points[i]).toEqual(expectedPoints[i]);
    expect(page.points).toEqual(expectedPoints);
    for (const i of [0, 12_345, count - 1]) {
      const [key, value] = expectedPoints[i]!;
      const point = await fixture.inject({
        method: 'GET',
        url: `/v1/series/bulk/points/${key}`,
        headers: writerOf(fixture),
      });
      expect(point.json()).toEqual({ key, value });
    }
    await expectKnownUnchanged(fixture);
  });
});

describe('int64 keys on the wire', () => {
  const exact = [
    '-9223372036854775808', // -2^63
    '-9007199254740993', // -2^53-1
    '9007199254740993', // 2^53+1
    '9223372036854775807', // 2^63-1
  ];
  const safe = [-9007199254740991, -1, 0, 9007199254740991];

  it('round-trips -2^63, -2^53-1, 2^53+1 and 2^63-1 as exact strings; safe keys come back as numbers', async () => {
    const payload = { points: [...exact.map((key, i) => [key, i]), ...safe.map((key, i) => [key, 10 + i])] };
    const written = await fixture.inject({
      method: 'POST',
      url: '/v1/series/int64/points',
      headers: writerOf(fixture),
      payload,
    });
    expect(written.json()).toEqual({ written: 8 });
    for (const [i, key] of exact.entries()) {
      const point = await fixture.inject({
        method: 'GET',
        url: `/v1/series/int64/points/${key}`,
        headers: writerOf(fixture),
      });
      expect(point.json()).toEqual({ key, value: i });
      expect(point.body).toContain(`"key":"${key}"`);
    }
    for (const [i, key] of safe.entries()) {
      const point = await fixture.inject({
        method: 'GET',
        url: `/v1/series/int64/points/${key}`,
        headers: writerOf(fixture),
      });
      expect(point.json()).toEqual({ key, value: 10 + i });
    }
    const all = await fixture.inject({
      method: 'GET',
      url: `/v1/series/int64/points?from=${exact[0]}&to=${exact[3]}`,
      headers: writerOf(fixture),
    });
    expect(all.json()).toEqual({
      points: [
        [exact[0], 0],
        [exact[1], 1],
        [safe[0], 10],
        [safe[1], 11],
        [safe[2], 12],
        [safe[3], 13],
        [exact[2], 2],
        [exact[3], 3],
      ],
      next: null,
    });
    // The cursor of a page keeps the same convention.
    const paged = await fixture.inject({
      method: 'GET',
      url: '/v1/series/int64/points?limit=2',
      headers: writerOf(fixture),
    });
    expect((paged.json() as { next: unknown }).next).toBe(exact[1]);
    const rest = await fixture.inject({
      method: 'GET',
      url: `/v1/series/int64/points?limit=2&after=${exact[1]}`,
      headers: writerOf(fixture),
    });
    expect(rest.json()).toEqual({
      points: [
        [safe[0], 10],
        [safe[1], 11],
      ],
      next: safe[1],
    });
  });
});

describe('Arrow IPC', () => {
  it('round-trips an Arrow stream page by page, the cursor in omendb-next', async () => {
    const keys = BigInt64Array.of(
      -(2n ** 63n),
      -(2n ** 53n) - 1n,
      -1n,
      0n,
      5n,
      2n ** 53n + 1n,
      2n ** 63n - 1n,
    );
    const values = Float64Array.of(-1.5, 2.25, 0, -0, 1e-300, 1e300, 7);
    const written = await fixture.inject({
      method: 'POST',
      url: '/v1/series/arrow/points',
      headers: { ...writerOf(fixture), 'content-type': arrowType },
      payload: arrowBody({ key: keys, value: values }),
    });
    expect(written.json()).toEqual({ written: keys.length });

    const gotKeys: bigint[] = [];
    const gotValues: number[] = [];
    const cursors: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const response = await fixture.inject({
        method: 'GET',
        url: `/v1/series/arrow/points?limit=3${after === undefined ? '' : `&after=${after}`}`,
        headers: { ...writerOf(fixture), accept: arrowType },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe(arrowType);
      const table = tableFromIPC(response.rawPayload);
      expect(table.schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
        'key:Int64',
        'value:Float64',
      ]);
      gotKeys.push(...(table.getChild('key')!.toArray() as BigInt64Array));
      gotValues.push(...(table.getChild('value')!.toArray() as Float64Array));
      const next = response.headers['omendb-next'];
      if (next === undefined) break;
      expect(next).toBe(gotKeys.at(-1)!.toString());
      cursors.push(next as string);
      after = next as string;
    }
    expect(cursors).toEqual([(-1n).toString(), (2n ** 53n + 1n).toString()]);
    expect(gotKeys).toEqual([...keys]);
    expect(gotValues).toEqual([...values]);
    expect(Object.is(gotValues[3], -0)).toBe(true);
    await expectKnownUnchanged(fixture);
  });
});

describe('series names at the edges', () => {
  it('accepts a 128-character series name over HTTP', async () => {
    const name = `${'a'.repeat(127)}z`;
    const written = await fixture.inject({
      method: 'POST',
      url: `/v1/series/${name}/points`,
      headers: writerOf(fixture),
      payload: { points: [[1, 2]] },
    });
    expect(written.json()).toEqual({ written: 1 });
    const read = await fixture.inject({
      method: 'GET',
      url: `/v1/series/${name}/points/1`,
      headers: writerOf(fixture),
    });
    expect(read.json()).toEqual({ key: 1, value: 2 });
  });

  it('treats a raw ".." (no client-side normalization) as the series name "..", never as a path', async () => {
    await fixture.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = fixture.app.server.address() as { port: number };
    const raw = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            headers: {
              ...writerOf(fixture),
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              text += chunk;
            });
            response.on('end', () => resolve({ status: response.statusCode!, body: text }));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    expect(await raw('POST', '/v1/series/%2e%2e/points', '{"points": [[1, 2]]}')).toEqual({
      status: 200,
      body: '{"written":1}',
    });
    expect(await raw('GET', '/v1/series/../points')).toEqual({
      status: 200,
      body: '{"points":[[1,2]],"next":null}',
    });
    const traversal = await raw('GET', '/v1/series/..%2F..%2Fetc/points');
    expect(traversal.status).toBe(400);
    expect(JSON.parse(traversal.body).error.code).toBe('OMENDB_ERR_INPUT_SERIES_NAME');
    // Checkpointed into a segment: the data directory holds only the engine's own files.
    const checkpoint = await fixture.inject({
      method: 'POST',
      url: '/v1/admin/checkpoint',
      headers: { authorization: fixture.basicFor('admin') },
    });
    expect(checkpoint.statusCode).toBe(200);
    const entries = (await readdir(fixture.dir, { recursive: true })) as string[];
    for (const entry of entries)
      expect(entry).toMatch(/^(LOCK|MANIFEST|segments|wal|server)(\/[A-Za-z0-9_.-]+)?$/);
    expect(entries.some((entry) => entry.split('/').includes('..'))).toBe(false);
    await expectKnownUnchanged(fixture);
  });
});
