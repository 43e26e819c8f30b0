import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactionSliceRowsMax } from '../../src/limits.ts';
import { mergeLayers } from '../../src/storage/compaction.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { type Layer, memtableLayer } from '../../src/storage/layer.ts';
import { Memtable } from '../../src/storage/memtable.ts';
import { getPoint, rangePoints } from '../../src/storage/read-path.ts';
import type { SegmentSeriesData } from '../../src/storage/segment-file.ts';
import { encodeSegment } from '../../src/storage/segment-file.ts';
import { asLayer, type SeriesSpec, segment, seriesSpecArbitraries, t } from '../support/layers.ts';
import { fcSeed } from '../support/seeds.ts';

function plain(list: readonly SegmentSeriesData[]) {
  return list.map((s) => ({
    name: s.name,
    points: Array.from(s.keys, (key, i) => [key, s.values[i]!]),
    tombstones: s.tombstones,
    dropped: s.dropped,
  }));
}

describe('mergeLayers', () => {
  const older = segment({
    a: {
      points: [
        [1n, 1],
        [2n, 2],
        [3n, 3],
        [9n, 9],
      ],
    },
    b: { points: [[1n, 10]] },
    gone: { points: [[5n, 5]] },
  });
  const newer = segment({
    a: {
      points: [
        [2n, 20],
        [4n, 40],
      ],
      tombstones: [t(3n, 5n)],
    },
    b: { tombstones: [t(keyMin, keyMax)] },
    c: { tombstones: [t(7n, 8n)] },
    gone: { dropped: true, tombstones: [t(keyMin, keyMax)] },
  });

  it('lets newer points win and removes what newer tombstones cover', async () => {
    const merged = await mergeLayers([older, newer], false);
    expect(plain(merged)).toEqual([
      {
        name: 'a',
        points: [
          [1n, 1],
          [2n, 20],
          [4n, 40],
          [9n, 9],
        ],
        tombstones: [t(3n, 5n)],
        dropped: false,
      },
      { name: 'b', points: [], tombstones: [t(keyMin, keyMax)], dropped: false },
      { name: 'c', points: [], tombstones: [t(7n, 8n)], dropped: false },
      { name: 'gone', points: [], tombstones: [t(keyMin, keyMax)], dropped: true },
    ]);
  });

  it('drops tombstones, drop flags and empty series at the bottom', async () => {
    const merged = await mergeLayers([older, newer], true);
    expect(plain(merged)).toEqual([
      {
        name: 'a',
        points: [
          [1n, 1],
          [2n, 20],
          [4n, 40],
          [9n, 9],
        ],
        tombstones: [],
        dropped: false,
      },
    ]);
  });

  it('keeps the points written after a drop, and the drop above the bottom', async () => {
    const dropped = segment({ a: { points: [[7n, 70]], dropped: true, tombstones: [t(keyMin, keyMax)] } });
    const newest = segment({ a: { points: [[8n, 80]], tombstones: [t(7n, 7n)] } });
    expect(plain(await mergeLayers([older, dropped, newest], false)).find((s) => s.name === 'a')).toEqual({
      name: 'a',
      points: [[8n, 80]],
      tombstones: [t(keyMin, keyMax)],
      dropped: true,
    });
    expect(plain(await mergeLayers([older, dropped], true)).find((s) => s.name === 'a')).toEqual({
      name: 'a',
      points: [[7n, 70]],
      tombstones: [],
      dropped: false,
    });
  });

  it('keeps a series that holds only a drop flag above the bottom, and drops it at the bottom', async () => {
    const flagOnly = segment({ a: { dropped: true } });
    expect(plain(await mergeLayers([flagOnly], false))).toEqual([
      { name: 'a', points: [], tombstones: [], dropped: true },
    ]);
    expect(await mergeLayers([flagOnly], true)).toEqual([]);
    const merged = asLayer(await mergeLayers([flagOnly], false));
    expect(getPoint([merged, older], 'a', 1n)).toBeUndefined();
  });

  it('returns series sorted by name, encodable as a segment', async () => {
    const x = segment({ zeta: { points: [[1n, 1]] }, alpha: { points: [[1n, 1]] } });
    const y = segment({ mid: { points: [[1n, 1]] }, 'Alpha.2': { points: [[2n, 2]] } });
    const merged = await mergeLayers([x, y], true);
    expect(merged.map((s) => s.name)).toEqual(['Alpha.2', 'alpha', 'mid', 'zeta']);
    expect(() => encodeSegment(merged)).not.toThrow();
  });

  it('merges nothing into nothing', async () => {
    expect(await mergeLayers([], true)).toEqual([]);
    expect(await mergeLayers([segment({})], false)).toEqual([]);
  });

  it('merges a memtable layer like a segment', async () => {
    const memtable = new Memtable();
    memtable.put('a', BigInt64Array.of(2n, 100n), Float64Array.of(200, 1000));
    memtable.deleteRange('a', 9n, 9n);
    const merged = await mergeLayers([older, memtableLayer(memtable)], false);
    expect(plain(merged).find((s) => s.name === 'a')).toEqual({
      name: 'a',
      points: [
        [1n, 1],
        [2n, 200],
        [3n, 3],
        [100n, 1000],
      ],
      tombstones: [t(9n, 9n)],
      dropped: false,
    });
  });

  it('merges runs longer than a compaction slice, yielding on the way', async () => {
    const count = compactionSliceRowsMax + 5000;
    const keysA = new BigInt64Array(count);
    const valuesA = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      keysA[i] = BigInt(i * 2);
      valuesA[i] = 1;
    }
    const keysB = keysA.map((key) => key + 1n);
    const base = asLayer([{ name: 's', keys: keysA, values: valuesA, tombstones: [], dropped: false }]);
    const top = asLayer([
      {
        name: 's',
        keys: keysB,
        values: new Float64Array(count).fill(2),
        tombstones: [t(0n, 9n)],
        dropped: false,
      },
    ]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const merged = await mergeLayers([base, top], true);
    clearInterval(timer);
    const s = merged[0]!;
    expect(s.keys.length).toBe(2 * count - 5);
    let unsorted = 0;
    for (let i = 1; i < s.keys.length; i++) if (!(s.keys[i - 1]! < s.keys[i]!)) unsorted++;
    expect(unsorted).toBe(0);
    expect(s.keys[0]).toBe(1n);
    expect(s.values[0]).toBe(2);
    expect(s.keys[5]).toBe(10n);
    expect(s.values[5]).toBe(1);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('mergeLayers against the read path', () => {
  const keys = [keyMin, keyMin + 1n, -2n, -1n, 0n, 1n, 2n, keyMax - 1n, keyMax];
  const { seriesArb } = seriesSpecArbitraries(keys, 6);
  const names = ['a', 'b', 'c'];
  const layerArb = fc.tuple(...names.map(() => fc.option(seriesArb, { nil: undefined }))).map((entries) => {
    const spec: Record<string, SeriesSpec> = {};
    entries.forEach((entry, i) => {
      if (entry !== undefined) spec[names[i]!] = entry;
    });
    return spec;
  });

  /** Every visible point of every series, as the read path sees the layers (newest first). */
  function view(newestFirst: readonly Layer[]): Record<string, [bigint, number][]> {
    const result: Record<string, [bigint, number][]> = {};
    for (const name of names) {
      const page = rangePoints(newestFirst, name, keyMin, keyMax, 1000);
      result[name] = Array.from(page.keys, (key, i) => [key, page.values[i]!]);
      // getPoint must agree with the range query over the same layers.
      for (const key of keys) {
        const index = page.keys.indexOf(key);
        const point = getPoint(newestFirst, name, key);
        if (point !== (index < 0 ? undefined : page.values[index])) {
          throw new Error(`getPoint(${name}, ${key}) = ${point} disagrees with rangePoints`);
        }
      }
    }
    return result;
  }

  it('gives the same view as the layers it replaces, above any older layer', async () => {
    const seed = fcSeed();
    await fc.assert(
      fc.asyncProperty(
        fc.array(layerArb, { minLength: 1, maxLength: 4 }),
        layerArb,
        async (runSpecs, bottomSpec) => {
          const run = runSpecs.map(segment);
          const newestFirst = [...run].reverse();
          // At the bottom: the merged layer alone must show what the run shows.
          const atBottom = await mergeLayers(run, true);
          expect(view([asLayer(atBottom)])).toEqual(view(newestFirst));
          for (const s of atBottom) {
            expect(s.keys.length).toBeGreaterThan(0);
            expect(s.tombstones).toEqual([]);
            expect(s.dropped).toBe(false);
          }
          // Above the bottom: tombstones and drops must keep hiding the older layer.
          const bottom = segment(bottomSpec);
          const above = await mergeLayers(run, false);
          expect(view([asLayer(above), bottom])).toEqual(view([...newestFirst, bottom]));
          expect(() => encodeSegment(above)).not.toThrow();
          expect(() => encodeSegment(atBottom)).not.toThrow();
        },
      ),
      { seed, numRuns: 200 },
    );
  });
});
