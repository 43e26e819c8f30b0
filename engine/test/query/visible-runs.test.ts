import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerBoundIn } from '../../src/index/binary-search-index.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { type Layer, memtableLayer } from '../../src/storage/layer.ts';
import { Memtable } from '../../src/storage/memtable.ts';
import { gallopLowerBound, rangePoints, visibleRuns } from '../../src/storage/read-path.ts';
import { fcSeed } from '../support/seeds.ts';
import { buildStack, keyArb, sealSegment, series, stackArb } from './layers.ts';

function runsOf(layers: readonly Layer[], name: string, from = keyMin, to = keyMax) {
  return [...visibleRuns(layers, name, from, to)].map((run) => ({
    keys: Array.from(run.entry.keys.subarray(run.start, run.end)),
    values: Array.from(run.entry.values.subarray(run.start, run.end)),
  }));
}

function segmentOf(keys: bigint[]) {
  return sealSegment(
    [
      {
        name: 's',
        keys: BigInt64Array.from(keys),
        values: Float64Array.from(keys, Number),
        tombstones: [],
        dropped: false,
      },
    ],
    'binary',
    2,
  );
}

describe('visibleRuns', () => {
  it('yields a lone segment in one run', () => {
    expect(runsOf([segmentOf([1n, 2n, 3n])], 's')).toEqual([{ keys: [1n, 2n, 3n], values: [1, 2, 3] }]);
    expect(runsOf([segmentOf([1n, 2n, 3n])], 's', 2n, 2n)).toEqual([{ keys: [2n], values: [2] }]);
    expect(runsOf([segmentOf([1n])], 'other')).toEqual([]);
  });

  it('splits a run where a newer layer holds a point or a tombstone, and lets the newer point win', () => {
    const memtable = new Memtable();
    memtable.put('s', BigInt64Array.of(4n), Float64Array.of(40));
    memtable.deleteRange('s', 7n, 8n);
    const layers = [memtableLayer(memtable), segmentOf([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n])];
    expect(runsOf(layers, 's').map((run) => run.keys)).toEqual([[1n, 2n, 3n], [4n], [5n, 6n], [9n, 10n]]);
    expect(runsOf(layers, 's')[1]!.values).toEqual([40]);
  });

  it('skips to the end of a tombstone that reaches past the last key', () => {
    const memtable = new Memtable();
    memtable.deleteRange('s', 3n, keyMax);
    expect(runsOf([memtableLayer(memtable), segmentOf([1n, 2n, 3n, keyMax])], 's')).toEqual([
      { keys: [1n, 2n], values: [1, 2] },
    ]);
  });

  it('concatenates to exactly the points rangePoints returns, for any layers and range', async () => {
    await fc.assert(
      fc.asyncProperty(stackArb, keyArb, keyArb, fc.constantFrom(...series), async (spec, a, b, name) => {
        const { layers } = await buildStack(spec);
        const [from, to] = a < b ? [a, b] : [b, a];
        const page = rangePoints(layers, name, from, to, 1_000_000);
        const runs = runsOf(layers, name, from, to);
        expect(runs.every((run) => run.keys.length > 0)).toBe(true);
        expect(runs.flatMap((run) => run.keys)).toEqual(Array.from(page.keys));
        expect(runs.flatMap((run) => run.values)).toEqual(Array.from(page.values));
      }),
      { seed: fcSeed(), numRuns: 500 },
    );
  });
});

describe('gallopLowerBound', () => {
  it('agrees with binary search for any sorted keys, window and probe', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt(-100n, 100n), { maxLength: 80 }),
        fc.bigInt(-110n, 110n),
        fc.nat(),
        fc.nat(),
        (unsorted, key, x, y) => {
          const keys = BigInt64Array.from(unsorted.sort((p, q) => (p < q ? -1 : p > q ? 1 : 0)));
          const lo = x % (keys.length + 1);
          const hi = lo + (y % (keys.length - lo + 1));
          expect(gallopLowerBound(keys, key, lo, hi)).toBe(lowerBoundIn(keys, key, lo, hi));
        },
      ),
      { seed: fcSeed(), numRuns: 1000 },
    );
  });
});
