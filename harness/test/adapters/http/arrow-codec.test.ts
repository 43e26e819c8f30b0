import { makeTable, tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  cursorFromHeader,
  pointsFromArrowStream,
  pointsToArrowStream,
} from '../../../src/adapters/http/arrow-codec.ts';

describe('Arrow IPC streams', () => {
  it('round-trip points exactly, int64 extremes and -0 included', () => {
    const points = [
      [-(2n ** 63n), -0],
      [0n, 1.5],
      [2n ** 63n - 1n, Number.MAX_VALUE],
    ] as const;
    const decoded = pointsFromArrowStream(pointsToArrowStream(points));
    expect(decoded).toEqual(points);
    expect(Object.is(decoded[0]![1], -0)).toBe(true);
    expect(pointsFromArrowStream(pointsToArrowStream([]))).toEqual([]);
  });

  it('refuse bytes that are not a stream of Int64 keys and Float64 values', () => {
    const internal = expect.objectContaining({ code: 'OMENDB_ERR_HTTP_INTERNAL' });
    expect(() => pointsFromArrowStream(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(internal);
    const noValue = tableToIPC(tableFromArrays({ key: new BigInt64Array([1n]) }), 'stream');
    expect(() => pointsFromArrowStream(noValue)).toThrow(internal);
    const wrongTypes = tableToIPC(
      makeTable({ key: new Int32Array([1]), value: new Float32Array([1]) }),
      'stream',
    );
    expect(() => pointsFromArrowStream(wrongTypes)).toThrow(internal);
  });

  it('read the cursor from omendb-next', () => {
    expect(cursorFromHeader(undefined)).toBeNull();
    expect(cursorFromHeader('-9223372036854775808')).toBe(-(2n ** 63n));
    expect(() => cursorFromHeader(['1', '2'])).toThrow(
      expect.objectContaining({ code: 'OMENDB_ERR_HTTP_INTERNAL' }),
    );
  });
});
