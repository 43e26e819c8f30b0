import { describe, expect, it } from 'vitest';
import {
  errorFromResponse,
  keyFromWire,
  keyToWire,
  pointsFromJson,
  pointsToJson,
  protocolError,
  queryString,
  seriesSegment,
} from '../../../src/adapters/http/wire.ts';

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

describe('keys on the wire', () => {
  it('are numbers when safe integers and decimal strings otherwise, and read back exactly', () => {
    expect(keyToWire(42n)).toBe(42);
    expect(keyToWire(9007199254740991n)).toBe(9007199254740991);
    expect(keyToWire(-9007199254740991n)).toBe(-9007199254740991);
    expect(keyToWire(9007199254740992n)).toBe('9007199254740992');
    expect(keyToWire(int64Min)).toBe('-9223372036854775808');
    for (const key of [0n, -1n, 9007199254740992n, int64Min, int64Max])
      expect(keyFromWire(keyToWire(key))).toBe(key);
  });

  it('refuse anything else in a response', () => {
    for (const bad of [1.5, 2 ** 60, '1e3', '', null, undefined, true])
      expect(() => keyFromWire(bad)).toThrow(expect.objectContaining({ code: 'OMENDB_ERR_HTTP_INTERNAL' }));
  });
});

describe('points', () => {
  it('encode as the route expects and decode from a range page', () => {
    const text = pointsToJson([
      [1n, 1.5],
      [int64Max, -2],
    ]);
    expect(JSON.parse(text)).toEqual({
      points: [
        [1, 1.5],
        ['9223372036854775807', -2],
      ],
    });
    expect(pointsFromJson(JSON.parse(text).points)).toEqual([
      [1n, 1.5],
      [int64Max, -2],
    ]);
  });

  it('refuse a malformed page', () => {
    for (const bad of [{}, [[1]], [[1, 'x']], [5]])
      expect(() => pointsFromJson(bad)).toThrow(
        expect.objectContaining({ code: 'OMENDB_ERR_HTTP_INTERNAL' }),
      );
  });
});

describe('paths and queries', () => {
  it('escape dots so that . and .. are names, not path steps', () => {
    expect(seriesSegment('cpu.host-1')).toBe('cpu%2Ehost-1');
    expect(seriesSegment('..')).toBe('%2E%2E');
    expect(seriesSegment('a:b_c')).toBe('a%3Ab_c');
  });

  it('list only the defined parameters', () => {
    expect(queryString({})).toBe('');
    expect(queryString({ from: undefined, to: 5n, limit: 10, fn: 'sum,mean' })).toBe(
      '?to=5&limit=10&fn=sum%2Cmean',
    );
  });
});

describe('errorFromResponse', () => {
  it('keeps the registry code of the body', () => {
    const error = errorFromResponse(
      400,
      Buffer.from(JSON.stringify({ error: { code: 'OMENDB_ERR_INPUT_KEY', message: 'bad key' } })),
    );
    expect(error.code).toBe('OMENDB_ERR_INPUT_KEY');
    expect(error.message).toBe('bad key');
    expect(error.details).toEqual({ status: 400 });
  });

  it('is OMENDB_ERR_HTTP_INTERNAL when the body names no registry code', () => {
    const unknown = errorFromResponse(
      418,
      Buffer.from(JSON.stringify({ error: { code: 'OMENDB_ERR_NOPE' } })),
    );
    expect(unknown.code).toBe('OMENDB_ERR_HTTP_INTERNAL');
    expect(unknown.details).toEqual({ status: 418, code: 'OMENDB_ERR_NOPE' });
    const html = errorFromResponse(502, Buffer.from('<html>bad gateway</html>'));
    expect(html.code).toBe('OMENDB_ERR_HTTP_INTERNAL');
    expect(html.details).toEqual({ status: 502, code: null });
    expect(protocolError('x').code).toBe('OMENDB_ERR_HTTP_INTERNAL');
  });
});
