import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import {
  addTombstone,
  mergeTombstones,
  type Tombstone,
  tombstonesCover,
} from '../../src/storage/tombstones.ts';
import { fcSeed } from '../support/seeds.ts';

const t = (from: bigint, to: bigint): Tombstone => ({ from, to });

function addAll(ranges: readonly Tombstone[]): Tombstone[] {
  let list: Tombstone[] = [];
  for (const range of ranges) list = addTombstone(list, range);
  return list;
}

/** The canonical list for a set of covered keys: its maximal runs of consecutive keys. */
function runsOf(covered: ReadonlySet<bigint>): Tombstone[] {
  const keys = [...covered].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const runs: Tombstone[] = [];
  for (const key of keys) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.to + 1n === key) runs[runs.length - 1] = t(last.from, key);
    else runs.push(t(key, key));
  }
  return runs;
}

function coveredBy(ranges: readonly Tombstone[]): Set<bigint> {
  const covered = new Set<bigint>();
  for (const range of ranges) for (let key = range.from; key <= range.to; key++) covered.add(key);
  return covered;
}

describe('addTombstone', () => {
  it('adds to an empty list and does not mutate its input', () => {
    const empty: Tombstone[] = [];
    expect(addTombstone(empty, t(1n, 2n))).toEqual([t(1n, 2n)]);
    expect(empty).toEqual([]);
    const list = [t(1n, 2n)];
    addTombstone(list, t(3n, 4n));
    expect(list).toEqual([t(1n, 2n)]);
  });

  it('keeps disjoint ranges sorted wherever the new one lands', () => {
    const list = [t(10n, 20n), t(40n, 50n)];
    expect(addTombstone(list, t(0n, 5n))).toEqual([t(0n, 5n), t(10n, 20n), t(40n, 50n)]);
    expect(addTombstone(list, t(25n, 30n))).toEqual([t(10n, 20n), t(25n, 30n), t(40n, 50n)]);
    expect(addTombstone(list, t(60n, 70n))).toEqual([t(10n, 20n), t(40n, 50n), t(60n, 70n)]);
  });

  it('coalesces overlapping ranges', () => {
    expect(addTombstone([t(10n, 20n)], t(15n, 25n))).toEqual([t(10n, 25n)]);
    expect(addTombstone([t(10n, 20n)], t(5n, 15n))).toEqual([t(5n, 20n)]);
    expect(addTombstone([t(10n, 20n)], t(12n, 13n))).toEqual([t(10n, 20n)]);
    expect(addTombstone([t(10n, 20n)], t(0n, 30n))).toEqual([t(0n, 30n)]);
    expect(addTombstone([t(1n, 2n), t(5n, 6n), t(9n, 10n), t(20n, 21n)], t(2n, 9n))).toEqual([
      t(1n, 10n),
      t(20n, 21n),
    ]);
  });

  it('coalesces ranges that touch but do not overlap', () => {
    expect(addTombstone([t(10n, 20n)], t(21n, 30n))).toEqual([t(10n, 30n)]);
    expect(addTombstone([t(10n, 20n)], t(0n, 9n))).toEqual([t(0n, 20n)]);
    expect(addTombstone([t(0n, 4n), t(6n, 9n)], t(5n, 5n))).toEqual([t(0n, 9n)]);
  });

  it('keeps ranges separated by a gap of one key apart', () => {
    expect(addTombstone([t(10n, 20n)], t(22n, 30n))).toEqual([t(10n, 20n), t(22n, 30n)]);
    expect(addTombstone([t(10n, 20n)], t(0n, 8n))).toEqual([t(0n, 8n), t(10n, 20n)]);
  });

  it('handles the int64 extremes', () => {
    expect(addTombstone([t(keyMin, keyMin)], t(keyMax, keyMax))).toEqual([
      t(keyMin, keyMin),
      t(keyMax, keyMax),
    ]);
    expect(addTombstone([t(keyMin, -1n)], t(0n, keyMax))).toEqual([t(keyMin, keyMax)]);
    expect(
      addTombstone([t(keyMin, keyMin + 5n), t(keyMax - 5n, keyMax)], t(keyMin + 6n, keyMax - 6n)),
    ).toEqual([t(keyMin, keyMax)]);
    expect(addTombstone([t(keyMin, keyMax)], t(0n, 0n))).toEqual([t(keyMin, keyMax)]);
  });
});

describe('tombstonesCover', () => {
  it('is false for an empty list', () => {
    expect(tombstonesCover([], 0n)).toBe(false);
    expect(tombstonesCover([], keyMin)).toBe(false);
  });

  it('is true exactly inside the ranges, bounds included', () => {
    const list = [t(-10n, -5n), t(0n, 0n), t(5n, 10n), t(100n, 200n)];
    for (let key = -20n; key <= 220n; key++) {
      const expected = list.some((range) => range.from <= key && key <= range.to);
      expect(tombstonesCover(list, key), `key ${key}`).toBe(expected);
    }
    expect(tombstonesCover(list, -11n)).toBe(false);
    expect(tombstonesCover(list, -10n)).toBe(true);
    expect(tombstonesCover(list, 11n)).toBe(false);
  });

  it('covers the int64 extremes', () => {
    const list = [t(keyMin, keyMin + 1n), t(keyMax, keyMax)];
    expect(tombstonesCover(list, keyMin)).toBe(true);
    expect(tombstonesCover(list, keyMin + 1n)).toBe(true);
    expect(tombstonesCover(list, keyMin + 2n)).toBe(false);
    expect(tombstonesCover(list, keyMax - 1n)).toBe(false);
    expect(tombstonesCover(list, keyMax)).toBe(true);
    expect(tombstonesCover([t(keyMin, keyMax)], 0n)).toBe(true);
  });
});

describe('mergeTombstones', () => {
  it('returns the union as a canonical list and leaves its inputs alone', () => {
    const a = [t(0n, 5n), t(20n, 30n)];
    const b = [t(6n, 10n), t(25n, 40n), t(50n, 50n)];
    expect(mergeTombstones(a, b)).toEqual([t(0n, 10n), t(20n, 40n), t(50n, 50n)]);
    expect(a).toEqual([t(0n, 5n), t(20n, 30n)]);
    expect(b).toEqual([t(6n, 10n), t(25n, 40n), t(50n, 50n)]);
  });

  it('is the identity with an empty side', () => {
    const a = [t(1n, 2n), t(4n, 5n)];
    expect(mergeTombstones(a, [])).toEqual(a);
    expect(mergeTombstones([], a)).toEqual(a);
    expect(mergeTombstones(a, [])).not.toBe(a);
  });
});

describe('tombstones against a brute-force set of covered keys', () => {
  // Keys are base + 0..span, with bases at both int64 extremes and around zero.
  const span = 40;
  const bases = [keyMin, -20n, keyMax - BigInt(span)];
  const rangeArb = fc
    .tuple(fc.integer({ min: 0, max: span }), fc.integer({ min: 0, max: span }))
    .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));
  const caseArb = fc.record({
    base: fc.constantFrom(...bases),
    a: fc.array(rangeArb, { maxLength: 12 }),
    b: fc.array(rangeArb, { maxLength: 12 }),
  });

  it('addTombstone, mergeTombstones and tombstonesCover agree with the set', () => {
    const seed = fcSeed();
    fc.assert(
      fc.property(caseArb, ({ base, a, b }) => {
        const toRanges = (raw: readonly (readonly [number, number])[]) =>
          raw.map(([from, to]) => t(base + BigInt(from), base + BigInt(to)));
        const rangesA = toRanges(a);
        const rangesB = toRanges(b);
        const listA = addAll(rangesA);
        const listB = addAll(rangesB);
        expect(listA).toEqual(runsOf(coveredBy(rangesA)));
        expect(listB).toEqual(runsOf(coveredBy(rangesB)));
        const merged = mergeTombstones(listA, listB);
        const union = coveredBy([...rangesA, ...rangesB]);
        const coveredA = coveredBy(rangesA);
        expect(merged).toEqual(runsOf(union));
        // One key outside the window on each side (beyond int64 at the extremes: still a bigint).
        const wrong: bigint[] = [];
        for (let offset = -1; offset <= span + 1; offset++) {
          const key = base + BigInt(offset);
          if (tombstonesCover(merged, key) !== union.has(key)) wrong.push(key);
          if (tombstonesCover(listA, key) !== coveredA.has(key)) wrong.push(key);
        }
        expect(wrong).toEqual([]);
      }),
      { seed, numRuns: 300 },
    );
  });
});
