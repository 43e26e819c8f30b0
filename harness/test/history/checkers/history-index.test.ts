import { describe, expect, it } from 'vitest';
import {
  argKey,
  batchPoints,
  HistoryIndex,
  happenedBefore,
} from '../../../src/history/checkers/history-index.ts';
import { HandHistory, stateOf } from './hand-history.ts';

describe('HistoryIndex', () => {
  it('indexes ok and unknown writes per key, last occurrence in a batch, and skips failed ones', () => {
    const h = new HandHistory();
    const w = h.write('s', [
      [1, 1],
      [1, 2],
      [3, 3],
    ]);
    h.write('s', [[4, 4]], { outcome: 'fail' });
    const index = new HistoryIndex(h);
    expect(index.writesAt('s', 1n)).toEqual([{ entry: w, value: 2, earlier: [1] }]);
    expect(index.writesAt('s', 4n)).toEqual([]);
    expect(index.writesAt('x', 1n)).toEqual([]);
    expect(index.batchKeys(w).map(([key]) => key)).toEqual([1n, 3n]);
    expect([...index.keysOf('s', stateOf({ s: [[9, 9]] }))]).toEqual([1n, 3n, 9n]);
    expect([...index.seriesNames(stateOf({ u: [] }))]).toEqual(['s', 'u']);
  });

  it('finds the deletes covering a key, open bounds being the int64 extremes', () => {
    const h = new HandHistory();
    h.deleteRange('s', 5, 10);
    h.deleteRange('s', undefined, 0);
    h.drop('s');
    const index = new HistoryIndex(h);
    expect(index.deletesCovering('s', 7n)).toHaveLength(2);
    expect(index.deletesCovering('s', -(2n ** 63n))).toHaveLength(2);
    expect(index.deletesCovering('s', 2n ** 63n - 1n)).toHaveLength(1);
    expect(index.deletesCovering('t', 0n)).toEqual([]);
  });

  it('orders operations by happened-before', () => {
    const h = new HandHistory();
    const a = h.write('s', [[1, 1]], { at: [0, 5] });
    const b = h.write('s', [[1, 1]], { at: [6, 7] });
    const c = h.write('s', [[1, 1]], { at: [4, 8] });
    expect(happenedBefore(a, b)).toBe(true);
    expect(happenedBefore(b, a)).toBe(false);
    expect(happenedBefore(a, c)).toBe(false);
  });

  it('reads points inline when the recorder kept none, and rejects a write with neither', () => {
    const h = new HandHistory();
    const inline = h.write('s', [[-5, 1.5]], { inlineOnly: true });
    expect(batchPoints(h, inline)).toEqual([[-5n, 1.5]]);
    const bare = { ...inline, index: 99, args: { count: 1000, digest: 'x' } };
    expect(() => batchPoints(h, bare)).toThrow(/invariant/);
  });

  it('parses recorded keys', () => {
    expect(argKey(undefined, 7n)).toBe(7n);
    expect(argKey(null, 7n)).toBe(7n);
    expect(argKey(3n, 0n)).toBe(3n);
    expect(argKey('-9223372036854775808', 0n)).toBe(-(2n ** 63n));
    expect(argKey(42, 0n)).toBe(42n);
    expect(() => argKey(1.5, 0n)).toThrow(/invariant/);
    expect(() => argKey('1e3', 0n)).toThrow(/invariant/);
  });
});
