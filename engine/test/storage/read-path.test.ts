import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { type Layer, memtableLayer } from '../../src/storage/layer.ts';
import { Memtable } from '../../src/storage/memtable.ts';
import { getPoint, rangePoints } from '../../src/storage/read-path.ts';
import { type SeriesSpec, segment, seriesSpecArbitraries, t } from '../support/layers.ts';
import { fcSeed } from '../support/seeds.ts';

function page(layers: readonly Layer[], from = keyMin, to = keyMax, limit = 1000) {
  const result = rangePoints(layers, 's', from, to, limit);
  return {
    points: Array.from(result.keys, (key, i) => [key, result.values[i]!] as [bigint, number]),
    more: result.more,
  };
}

describe('getPoint', () => {
  it('finds nothing without layers or without the series', () => {
    expect(getPoint([], 's', 1n)).toBeUndefined();
    expect(getPoint([segment({ other: { points: [[1n, 1]] } })], 's', 1n)).toBeUndefined();
  });

  it('lets the newest layer win', () => {
    const older = segment({
      s: {
        points: [
          [1n, 1],
          [2n, 2],
        ],
      },
    });
    const newer = segment({ s: { points: [[2n, 20]] } });
    expect(getPoint([newer, older], 's', 2n)).toBe(20);
    expect(getPoint([newer, older], 's', 1n)).toBe(1);
    expect(getPoint([older, newer], 's', 2n)).toBe(2);
    expect(getPoint([newer, older], 's', 3n)).toBeUndefined();
  });

  it('hides older layers under a tombstone, but not the layer that holds it', () => {
    const older = segment({
      s: {
        points: [
          [1n, 1],
          [5n, 5],
          [9n, 9],
        ],
      },
    });
    const newer = segment({ s: { points: [[5n, 50]], tombstones: [t(4n, 9n)] } });
    expect(getPoint([newer, older], 's', 1n)).toBe(1);
    expect(getPoint([newer, older], 's', 5n)).toBe(50);
    expect(getPoint([newer, older], 's', 9n)).toBeUndefined();
    const newest = segment({ s: { points: [[9n, 90]] } });
    expect(getPoint([newest, newer, older], 's', 9n)).toBe(90);
  });

  it('hides everything older behind a drop', () => {
    const older = segment({
      s: {
        points: [
          [1n, 1],
          [2n, 2],
        ],
      },
      other: { points: [[1n, 7]] },
    });
    const dropped = segment({ s: { points: [[2n, 20]], dropped: true, tombstones: [t(keyMin, keyMax)] } });
    expect(getPoint([dropped, older], 's', 1n)).toBeUndefined();
    expect(getPoint([dropped, older], 's', 2n)).toBe(20);
    expect(getPoint([dropped, older], 'other', 1n)).toBe(7);
    // The drop flag alone hides the older layers, without a tombstone.
    const flagOnly = segment({ s: { dropped: true } });
    expect(getPoint([flagOnly, older], 's', 1n)).toBeUndefined();
  });

  it('reads a memtable layer', () => {
    const memtable = new Memtable();
    memtable.put('s', BigInt64Array.of(3n, 1n, 3n), Float64Array.of(3, 1, 33));
    memtable.deleteRange('s', 10n, 20n);
    const older = segment({
      s: {
        points: [
          [1n, 0],
          [15n, 15],
          [25n, 25],
        ],
      },
    });
    const layers = [memtableLayer(memtable), older];
    expect(getPoint(layers, 's', 3n)).toBe(33);
    expect(getPoint(layers, 's', 1n)).toBe(1);
    expect(getPoint(layers, 's', 15n)).toBeUndefined();
    expect(getPoint(layers, 's', 25n)).toBe(25);
    expect(getPoint(layers, 'none', 25n)).toBeUndefined();
  });

  it('finds the int64 extremes', () => {
    const layer = segment({
      s: {
        points: [
          [keyMin, 1],
          [keyMax, 2],
        ],
      },
    });
    expect(getPoint([layer], 's', keyMin)).toBe(1);
    expect(getPoint([layer], 's', keyMax)).toBe(2);
    expect(getPoint([layer], 's', 0n)).toBeUndefined();
  });
});

describe('rangePoints', () => {
  const older = segment({
    s: {
      points: [
        [1n, 1],
        [2n, 2],
        [3n, 3],
        [7n, 7],
        [keyMax, 9],
      ],
    },
  });
  const newer = segment({
    s: {
      points: [
        [2n, 20],
        [5n, 50],
      ],
      tombstones: [t(3n, 4n)],
    },
  });

  it('merges the layers newest first and applies tombstones to older layers only', () => {
    expect(page([newer, older])).toEqual({
      points: [
        [1n, 1],
        [2n, 20],
        [5n, 50],
        [7n, 7],
        [keyMax, 9],
      ],
      more: false,
    });
    const covering = segment({ s: { points: [[3n, 30]], tombstones: [t(1n, 3n)] } });
    expect(page([covering, older], 1n, 3n).points).toEqual([[3n, 30]]);
  });

  it('respects the bounds, inclusive, up to keyMax', () => {
    expect(page([newer, older], 2n, 5n).points).toEqual([
      [2n, 20],
      [5n, 50],
    ]);
    expect(page([newer, older], 5n, keyMax).points).toEqual([
      [5n, 50],
      [7n, 7],
      [keyMax, 9],
    ]);
    expect(page([newer, older], 8n, 8n).points).toEqual([]);
    expect(page([older], keyMax, keyMax).points).toEqual([[keyMax, 9]]);
  });

  it('returns at most limit points and says when more follow', () => {
    expect(page([newer, older], keyMin, keyMax, 2)).toEqual({
      points: [
        [1n, 1],
        [2n, 20],
      ],
      more: true,
    });
    expect(page([newer, older], keyMin, keyMax, 5).more).toBe(false);
    expect(page([newer, older], keyMin, keyMax, 4).more).toBe(true);
    // Hidden points after the page do not count as more.
    const hiding = segment({ s: { points: [[1n, 10]], tombstones: [t(2n, keyMax)] } });
    expect(page([hiding, older], keyMin, keyMax, 1)).toEqual({ points: [[1n, 10]], more: false });
  });

  it('takes the fast path for one layer, with the same limit semantics', () => {
    expect(page([older], keyMin, keyMax, 3)).toEqual({
      points: [
        [1n, 1],
        [2n, 2],
        [3n, 3],
      ],
      more: true,
    });
    expect(page([older], 3n, 7n, 2)).toEqual({
      points: [
        [3n, 3],
        [7n, 7],
      ],
      more: false,
    });
    // One layer with points in range, one without: still one cursor, and no shadow over it.
    const empty = segment({ s: { points: [[100n, 1]] } });
    expect(page([empty, older], 1n, 3n, 10).points).toEqual([
      [1n, 1],
      [2n, 2],
      [3n, 3],
    ]);
  });

  it('returns copies that later writes to a memtable do not change', () => {
    const memtable = new Memtable();
    memtable.put('s', BigInt64Array.of(1n, 2n), Float64Array.of(1, 2));
    const result = rangePoints([memtableLayer(memtable)], 's', keyMin, keyMax, 10);
    memtable.put('s', BigInt64Array.of(1n), Float64Array.of(100));
    memtable.get('s')!.view();
    expect(Array.from(result.values)).toEqual([1, 2]);
  });

  it('hides everything older than a drop', () => {
    const dropped = segment({ s: { points: [[6n, 60]], dropped: true } });
    const newest = segment({ s: { points: [[1n, 100]] } });
    expect(page([newest, dropped, newer, older]).points).toEqual([
      [1n, 100],
      [6n, 60],
    ]);
  });

  it('returns an empty page with limit 0, and says whether anything is visible', () => {
    expect(page([newer, older], keyMin, keyMax, 0)).toEqual({ points: [], more: true });
    expect(page([older], keyMin, keyMax, 0)).toEqual({ points: [], more: true });
    expect(page([older], 100n, 200n, 0)).toEqual({ points: [], more: false });
    expect(page([], keyMin, keyMax, 0)).toEqual({ points: [], more: false });
  });
});

describe('read path against a brute-force newest-first evaluation', () => {
  const keys = [keyMin, keyMin + 1n, -3n, -2n, -1n, 0n, 1n, 2n, 3n, keyMax - 1n, keyMax];
  const { rangeArb, seriesArb } = seriesSpecArbitraries(keys, 8);
  // Each layer holds series 's' or not, and always an unrelated series.
  const layerArb = fc.record({ s: fc.option(seriesArb, { nil: undefined }), other: seriesArb });
  const layersArb = fc.array(layerArb, { maxLength: 5 });

  type LayerSpec = { s: SeriesSpec | undefined; other: SeriesSpec };

  function build(specs: readonly LayerSpec[]): Layer[] {
    return specs.map((spec) =>
      segment(spec.s === undefined ? { other: spec.other } : { s: spec.s, other: spec.other }),
    );
  }

  /** The visible value of `key`, newest layer first. */
  function expectedValue(specs: readonly LayerSpec[], key: bigint): number | undefined {
    for (const spec of specs) {
      const s = spec.s;
      if (s === undefined) continue;
      let value: number | undefined;
      for (const [k, v] of s.points ?? []) if (k === key) value = v;
      if (value !== undefined) return value;
      if (s.dropped === true) return undefined;
      if ((s.tombstones ?? []).some((r) => r.from <= key && key <= r.to)) return undefined;
    }
    return undefined;
  }

  it('getPoint and rangePoints match it', () => {
    const seed = fcSeed();
    fc.assert(
      fc.property(layersArb, rangeArb, fc.integer({ min: 0, max: 12 }), (specs, bounds, limit) => {
        const layers = build(specs);
        const visible: [bigint, number][] = [];
        for (const key of keys) {
          const expected = expectedValue(specs, key);
          expect(getPoint(layers, 's', key)).toBe(expected);
          if (expected !== undefined && key >= bounds.from && key <= bounds.to) visible.push([key, expected]);
        }
        expect(page(layers, bounds.from, bounds.to, limit)).toEqual({
          points: visible.slice(0, limit),
          more: visible.length > limit,
        });
      }),
      { seed, numRuns: 400 },
    );
  });
});
