import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { type Table, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/errors.ts';
import { rangeLimitMax } from '../../src/limits.ts';
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
  return Buffer.from(tableToIPC(tableFromArrays(columns) as Table, 'stream'));
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

interface HostileCase {
  readonly name: string;
  readonly code: ErrorCode;
  readonly method?: InjectOptions['method'];
  /** Default: a write to the known series, so that a partial write would show. */
  readonly url?: string;
  readonly payload?: string | Buffer;
  /** Default application/json; null sends none. */
  readonly contentType?: string | null;
  readonly anonymous?: boolean;
}

const nested = (depth: number, inner: string, open = '[', close = ']'): string =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
const deep = 100_000;
const points = (text: string): string => `{"points": ${text}}`;
const range = (query: string): string => `/v1/series/${known}/points?${query}`;

const bodyCases: HostileCase[] = [
  { name: 'malformed JSON', payload: '{"points": [[1, 2]', code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  {
    name: 'trailing garbage after JSON',
    payload: `${points('[[5, 1]]')} x`,
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  { name: 'a bare NaN token', payload: points('[[5, NaN]]'), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'an empty JSON body', payload: '', code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'JSON null', payload: 'null', code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'a body that is an array', payload: '[[5, 1]]', code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'no points field', payload: '{}', code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'points not an array (object)', payload: points('{"5": 1}'), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'points not an array (string)', payload: points('"5,1"'), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'a point of 3 elements', payload: points('[[5, 1, 2]]'), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'a point of 1 element', payload: points('[[5]]'), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'a point that is a number', payload: points('[5]'), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  {
    name: 'an unknown body field',
    payload: '{"points": [[5, 1]], "extra": 1}',
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'a __proto__ field',
    payload: '{"points": [[5, 1]], "__proto__": {"x": 1}}',
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  { name: 'value a string', payload: points('[[5, "1"]]'), code: 'OMENDB_ERR_INPUT_VALUE' },
  { name: 'value null', payload: points('[[5, null]]'), code: 'OMENDB_ERR_INPUT_VALUE' },
  { name: 'value a boolean', payload: points('[[5, true]]'), code: 'OMENDB_ERR_INPUT_VALUE' },
  { name: 'value the string "NaN"', payload: points('[[5, "NaN"]]'), code: 'OMENDB_ERR_INPUT_VALUE' },
  {
    name: 'value the string "Infinity"',
    payload: points('[[5, "Infinity"]]'),
    code: 'OMENDB_ERR_INPUT_VALUE',
  },
  {
    name: 'value 1e999 (parses to Infinity)',
    payload: points('[[5, 1e999]]'),
    code: 'OMENDB_ERR_INPUT_VALUE',
  },
  {
    name: 'value -1e999 (parses to -Infinity)',
    payload: points('[[5, -1e999]]'),
    code: 'OMENDB_ERR_INPUT_VALUE',
  },
  {
    name: 'valid points then one bad value: nothing written',
    payload: points('[[5, 1], [6, 2], [1000, 99], [7, "x"]]'),
    code: 'OMENDB_ERR_INPUT_VALUE',
  },
  { name: 'key a float', payload: points('[[1.5, 1]]'), code: 'OMENDB_ERR_INPUT_KEY' },
  { name: 'key "12abc"', payload: points('[["12abc", 1]]'), code: 'OMENDB_ERR_INPUT_KEY' },
  { name: 'key ""', payload: points('[["", 1]]'), code: 'OMENDB_ERR_INPUT_KEY' },
  { name: 'key " 12"', payload: points('[[" 12", 1]]'), code: 'OMENDB_ERR_INPUT_KEY' },
  { name: 'key null', payload: points('[[null, 1]]'), code: 'OMENDB_ERR_INPUT_KEY' },
  {
    name: 'key 2^63 as a string',
    payload: points('[["9223372036854775808", 1]]'),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  {
    name: 'key -2^63-1 as a string',
    payload: points('[["-9223372036854775809", 1]]'),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  {
    name: 'key of 21 digits',
    payload: points('[["123456789012345678901", 1]]'),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  {
    name: 'key 2^63 as a number',
    payload: points('[[9223372036854775808, 1]]'),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  {
    name: 'key 2^53+1 as a number (not safe)',
    payload: points('[[9007199254740993, 1]]'),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  {
    name: 'valid points then one bad key: nothing written',
    payload: points('[[5, 1], [1000, 99], ["1e3", 2]]'),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  { name: `${deep} unclosed [`, payload: points('['.repeat(deep)), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  {
    name: `${deep} nested arrays as points`,
    payload: points(nested(deep, '')),
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: `${deep} nested arrays as a value`,
    payload: points(`[[5, ${nested(deep, '')}]]`),
    code: 'OMENDB_ERR_INPUT_VALUE',
  },
  {
    name: `${deep} nested objects as a key`,
    payload: points(`[[${nested(deep, '1', '{"a":', '}')}, 1]]`),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  {
    name: `${deep} nested objects and a constructor key`,
    payload: points(`[[${nested(deep, '{"constructor": {"prototype": 1}}', '{"a":', '}')}, 1]]`),
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'content type text/plain',
    payload: points('[[5, 1]]'),
    contentType: 'text/plain',
    code: 'OMENDB_ERR_HTTP_MEDIA_TYPE',
  },
  {
    name: 'content type application/xml',
    payload: '<points/>',
    contentType: 'application/xml',
    code: 'OMENDB_ERR_HTTP_MEDIA_TYPE',
  },
  {
    name: 'a body without a content type',
    payload: points('[[5, 1]]'),
    contentType: null,
    code: 'OMENDB_ERR_HTTP_MEDIA_TYPE',
  },
  { name: 'no body and no content type', contentType: null, code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  {
    name: 'JSON sent as Arrow',
    payload: points('[[5, 1]]'),
    contentType: arrowType,
    code: 'OMENDB_ERR_INPUT_ARROW',
  },
  {
    name: 'an empty Arrow body',
    payload: Buffer.alloc(0),
    contentType: arrowType,
    code: 'OMENDB_ERR_INPUT_ARROW',
  },
  {
    name: 'Arrow with a NaN value',
    payload: arrowBody({ key: BigInt64Array.of(5n, 6n), value: Float64Array.of(1, Number.NaN) }),
    contentType: arrowType,
    code: 'OMENDB_ERR_INPUT_VALUE',
  },
  {
    name: 'Arrow with an Infinity value',
    payload: arrowBody({ key: BigInt64Array.of(5n), value: Float64Array.of(Number.POSITIVE_INFINITY) }),
    contentType: arrowType,
    code: 'OMENDB_ERR_INPUT_VALUE',
  },
  {
    name: 'Arrow without a value column',
    payload: arrowBody({ key: BigInt64Array.of(5n), other: Float64Array.of(1) }),
    contentType: arrowType,
    code: 'OMENDB_ERR_INPUT_ARROW',
  },
  {
    name: 'Arrow with a Float64 key column',
    payload: arrowBody({ key: Float64Array.of(5), value: Float64Array.of(1) }),
    contentType: arrowType,
    code: 'OMENDB_ERR_INPUT_ARROW',
  },
];

const queryCases: HostileCase[] = [
  { name: 'limit=0', method: 'GET', url: range('limit=0'), code: 'OMENDB_ERR_INPUT_RANGE' },
  {
    name: 'limit=rangeLimitMax+1',
    method: 'GET',
    url: range(`limit=${rangeLimitMax + 1}`),
    code: 'OMENDB_ERR_INPUT_RANGE',
  },
  {
    name: 'limit of 8 digits',
    method: 'GET',
    url: range('limit=99999999'),
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  { name: 'limit=-1', method: 'GET', url: range('limit=-1'), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'limit=abc', method: 'GET', url: range('limit=abc'), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  { name: 'from > to', method: 'GET', url: range('from=5&to=1'), code: 'OMENDB_ERR_INPUT_RANGE' },
  {
    name: 'from=-2^63-1',
    method: 'GET',
    url: range('from=-9223372036854775809'),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  { name: 'to=2^63', method: 'GET', url: range('to=9223372036854775808'), code: 'OMENDB_ERR_INPUT_KEY' },
  {
    name: 'after=2^63',
    method: 'GET',
    url: range('after=9223372036854775808'),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  { name: 'from=1.5', method: 'GET', url: range('from=1.5'), code: 'OMENDB_ERR_HTTP_BAD_REQUEST' },
  {
    name: 'from given twice',
    method: 'GET',
    url: range('from=1&from=2'),
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'an unknown query parameter',
    method: 'GET',
    url: range('bogus=1'),
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'delete with from > to: nothing deleted',
    method: 'DELETE',
    url: range('from=1000&to=-1000'),
    code: 'OMENDB_ERR_INPUT_RANGE',
  },
  {
    name: 'delete with a bound of 2^63: nothing deleted',
    method: 'DELETE',
    url: range('from=-9223372036854775808&to=9223372036854775808'),
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  {
    name: 'delete with from=abc',
    method: 'DELETE',
    url: range('from=abc'),
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'aggregate with an unknown fn',
    method: 'GET',
    url: `/v1/series/${known}/aggregate?fn=median`,
    code: 'OMENDB_ERR_INPUT_AGGREGATE',
  },
  {
    name: 'aggregate with one unknown fn in a list',
    method: 'GET',
    url: `/v1/series/${known}/aggregate?fn=sum,nope`,
    code: 'OMENDB_ERR_INPUT_AGGREGATE',
  },
  {
    name: 'aggregate bucket=0',
    method: 'GET',
    url: `/v1/series/${known}/aggregate?bucket=0`,
    code: 'OMENDB_ERR_INPUT_AGGREGATE',
  },
  {
    name: 'aggregate bucket=-5',
    method: 'GET',
    url: `/v1/series/${known}/aggregate?bucket=-5`,
    code: 'OMENDB_ERR_INPUT_AGGREGATE',
  },
  {
    name: 'aggregate bucket=2^63',
    method: 'GET',
    url: `/v1/series/${known}/aggregate?bucket=9223372036854775808`,
    code: 'OMENDB_ERR_INPUT_AGGREGATE',
  },
  {
    name: 'aggregate bucket=abc',
    method: 'GET',
    url: `/v1/series/${known}/aggregate?bucket=abc`,
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'aggregate from > to',
    method: 'GET',
    url: `/v1/series/${known}/aggregate?from=5&to=1`,
    code: 'OMENDB_ERR_INPUT_RANGE',
  },
  {
    name: 'point key 2^63',
    method: 'GET',
    url: `/v1/series/${known}/points/9223372036854775808`,
    code: 'OMENDB_ERR_INPUT_KEY',
  },
  {
    name: 'point key abc',
    method: 'GET',
    url: `/v1/series/${known}/points/abc`,
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'point key 1.5',
    method: 'GET',
    url: `/v1/series/${known}/points/1.5`,
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'a point that is not there',
    method: 'GET',
    url: `/v1/series/${known}/points/777`,
    code: 'OMENDB_ERR_HTTP_NOT_FOUND',
  },
];

const routeCases: HostileCase[] = [
  { name: 'an unknown route', method: 'GET', url: '/v2/series', code: 'OMENDB_ERR_HTTP_NOT_FOUND' },
  {
    name: 'an unknown route, no credentials',
    method: 'GET',
    url: '/v1/secret',
    anonymous: true,
    code: 'OMENDB_ERR_HTTP_NOT_FOUND',
  },
  {
    name: 'an unknown sub-route',
    method: 'GET',
    url: `/v1/series/${known}/nope`,
    code: 'OMENDB_ERR_HTTP_NOT_FOUND',
  },
  {
    name: 'an unrouted method',
    method: 'PATCH',
    url: `/v1/series/${known}/points`,
    code: 'OMENDB_ERR_HTTP_NOT_FOUND',
  },
  // find-my-way matches the parameter first and decodes %2F after: the engine sees "../../etc",
  // outside the series alphabet.
  {
    name: 'series ..%2F..%2Fetc (read)',
    method: 'GET',
    url: '/v1/series/..%2F..%2Fetc/points',
    code: 'OMENDB_ERR_INPUT_SERIES_NAME',
  },
  {
    name: 'series ..%2F..%2Fetc (write)',
    url: '/v1/series/..%2F..%2Fetc/points',
    payload: points('[[5, 1]]'),
    code: 'OMENDB_ERR_INPUT_SERIES_NAME',
  },
  {
    name: 'series a%2Fb',
    method: 'GET',
    url: '/v1/series/a%2Fb/points',
    code: 'OMENDB_ERR_INPUT_SERIES_NAME',
  },
  // inject (light-my-request) parses the URL with WHATWG URL, which resolves %2e%2e as a dot
  // segment: the path becomes /v1/points, which no route has. (A raw client reaches the router
  // with "..", a valid series name: see the raw HTTP test below.)
  {
    name: 'series %2e%2e via inject',
    method: 'GET',
    url: '/v1/series/%2e%2e/points',
    code: 'OMENDB_ERR_HTTP_NOT_FOUND',
  },
  {
    name: 'a literal / in a series name',
    method: 'GET',
    url: '/v1/series/a/b/points',
    code: 'OMENDB_ERR_HTTP_NOT_FOUND',
  },
  {
    name: 'series séries (UTF-8)',
    method: 'GET',
    url: '/v1/series/s%C3%A9ries/points',
    code: 'OMENDB_ERR_INPUT_SERIES_NAME',
  },
  {
    name: 'series séries (write)',
    url: '/v1/series/s%C3%A9ries/points',
    payload: points('[[5, 1]]'),
    code: 'OMENDB_ERR_INPUT_SERIES_NAME',
  },
  {
    name: 'series with a NUL byte',
    method: 'GET',
    url: '/v1/series/a%00b/points',
    code: 'OMENDB_ERR_INPUT_SERIES_NAME',
  },
  {
    name: 'series of 129 characters',
    method: 'GET',
    url: `/v1/series/${'s'.repeat(129)}/points`,
    code: 'OMENDB_ERR_INPUT_SERIES_NAME',
  },
  {
    name: 'series of 129 characters (write)',
    url: `/v1/series/${'s'.repeat(129)}/points`,
    payload: points('[[5, 1]]'),
    code: 'OMENDB_ERR_INPUT_SERIES_NAME',
  },
  // Past the router's parameter bound (1024, the schema's): refused before any handler.
  {
    name: 'series of 5000 characters',
    method: 'GET',
    url: `/v1/series/${'s'.repeat(5000)}/points`,
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  // find-my-way matches an empty parameter; the schema's minLength refuses it.
  {
    name: 'an empty series name',
    method: 'GET',
    url: '/v1/series//points',
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'an empty series name (write)',
    url: '/v1/series//points',
    payload: points('[[5, 1]]'),
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'a malformed percent-encoding',
    method: 'GET',
    url: '/v1/series/%E0%A4%A/points',
    code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  },
  {
    name: 'drop an invalid series name',
    method: 'DELETE',
    url: '/v1/series/..%2Fknown',
    code: 'OMENDB_ERR_INPUT_SERIES_NAME',
  },
];

async function runCase(f: ServerFixture, hostile: HostileCase): Promise<void> {
  const contentType = hostile.contentType === undefined ? 'application/json' : hostile.contentType;
  const headers: Record<string, string> = hostile.anonymous === true ? {} : { ...writerOf(f) };
  if (contentType !== null && (hostile.payload !== undefined || hostile.contentType !== undefined))
    headers['content-type'] = contentType;
  const response = await f.inject({
    method: hostile.method ?? 'POST',
    url: hostile.url ?? `/v1/series/${known}/points`,
    headers,
    ...(hostile.payload === undefined ? {} : { payload: hostile.payload }),
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
