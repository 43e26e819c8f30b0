import { type Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import type { ErrorCode } from '../errors.ts';
import { rangeLimitMax } from '../limits.ts';
import { arrowStreamContentType } from './bit-flip-bodies.ts';

/**
 * The hostile-input corpus: malformed and hostile requests, each with the registry code the
 * server answers it with, shared by the engine's hostile-input test (fastify inject) and the
 * harness's security scenario (real HTTP). Every case aims at a known series (a write by default),
 * so that a partial write or a wrong delete would show in its points afterwards.
 */

export type HostileMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface HostileCase {
  readonly name: string;
  readonly code: ErrorCode;
  /** Default POST. */
  readonly method?: HostileMethod;
  /** Default: a write to the known series, so that a partial write would show. */
  readonly url?: string;
  readonly payload?: string | Uint8Array;
  /** Default application/json; null sends none. */
  readonly contentType?: string | null;
  /** Sent without credentials (by default with a writer's). */
  readonly anonymous?: boolean;
  /**
   * 'inject': the answer holds only for fastify inject, which resolves the URL (WHATWG) before
   * routing; a raw HTTP client sends the path as it is and gets another answer.
   */
  readonly transport?: 'inject';
}

export interface HostileInputCases {
  /** Write bodies. */
  readonly bodies: readonly HostileCase[];
  /** Query strings and path keys. */
  readonly queries: readonly HostileCase[];
  /** Routes, methods and series names. */
  readonly routes: readonly HostileCase[];
}

const arrowType = arrowStreamContentType;

/** An Arrow IPC stream of these columns, written by apache-arrow. */
export function arrowStreamBody(columns: Record<string, BigInt64Array | Float64Array>): Uint8Array {
  return tableToIPC(tableFromArrays(columns) as Table, 'stream');
}

const nested = (depth: number, inner: string, open = '[', close = ']'): string =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
const deep = 100_000;
const points = (text: string): string => `{"points": ${text}}`;

/** Write cases answered with `code`, one per [name, points text] row. */
const pointsCases = (code: ErrorCode, rows: readonly (readonly [string, string])[]): HostileCase[] =>
  rows.map(([name, text]) => ({ name, payload: points(text), code }));

/** The corpus, every case aimed at the series `known`. */
export function hostileInputCases(known: string): HostileInputCases {
  const range = (query: string): string => `/v1/series/${known}/points?${query}`;
  const bodies: HostileCase[] = [
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
    {
      name: 'points not an array (object)',
      payload: points('{"5": 1}'),
      code: 'OMENDB_ERR_HTTP_BAD_REQUEST',
    },
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
    ...pointsCases('OMENDB_ERR_INPUT_VALUE', [
      ['value a string', '[[5, "1"]]'],
      ['value null', '[[5, null]]'],
      ['value a boolean', '[[5, true]]'],
      ['value the string "NaN"', '[[5, "NaN"]]'],
      ['value the string "Infinity"', '[[5, "Infinity"]]'],
      ['value 1e999 (parses to Infinity)', '[[5, 1e999]]'],
      ['value -1e999 (parses to -Infinity)', '[[5, -1e999]]'],
      ['valid points then one bad value: nothing written', '[[5, 1], [6, 2], [1000, 99], [7, "x"]]'],
    ]),
    ...pointsCases('OMENDB_ERR_INPUT_KEY', [
      ['key a float', '[[1.5, 1]]'],
      ['key "12abc"', '[["12abc", 1]]'],
      ['key ""', '[["", 1]]'],
      ['key " 12"', '[[" 12", 1]]'],
      ['key null', '[[null, 1]]'],
      ['key 2^63 as a string', '[["9223372036854775808", 1]]'],
      ['key -2^63-1 as a string', '[["-9223372036854775809", 1]]'],
      ['key of 21 digits', '[["123456789012345678901", 1]]'],
      ['key 2^63 as a number', '[[9223372036854775808, 1]]'],
      ['key 2^53+1 as a number (not safe)', '[[9007199254740993, 1]]'],
      ['valid points then one bad key: nothing written', '[[5, 1], [1000, 99], ["1e3", 2]]'],
    ]),
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
      payload: arrowStreamBody({ key: BigInt64Array.of(5n, 6n), value: Float64Array.of(1, Number.NaN) }),
      contentType: arrowType,
      code: 'OMENDB_ERR_INPUT_VALUE',
    },
    {
      name: 'Arrow with an Infinity value',
      payload: arrowStreamBody({
        key: BigInt64Array.of(5n),
        value: Float64Array.of(Number.POSITIVE_INFINITY),
      }),
      contentType: arrowType,
      code: 'OMENDB_ERR_INPUT_VALUE',
    },
    {
      name: 'Arrow without a value column',
      payload: arrowStreamBody({ key: BigInt64Array.of(5n), other: Float64Array.of(1) }),
      contentType: arrowType,
      code: 'OMENDB_ERR_INPUT_ARROW',
    },
    {
      name: 'Arrow with a Float64 key column',
      payload: arrowStreamBody({ key: Float64Array.of(5), value: Float64Array.of(1) }),
      contentType: arrowType,
      code: 'OMENDB_ERR_INPUT_ARROW',
    },
  ];

  const queries: HostileCase[] = [
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

  const routes: HostileCase[] = [
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
      transport: 'inject',
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
      url: `/v1/series/..%2F${known}`,
      code: 'OMENDB_ERR_INPUT_SERIES_NAME',
    },
  ];
  return { bodies, queries, routes };
}
