import { describe, expect, it } from 'vitest';
import { createBinarySearchIndex } from '../../src/index/binary-search-index.ts';
import { keyIndexFactories } from '../../src/index/index-factories.ts';
import type { KeyIndex } from '../../src/index/key-index.ts';
import { lazyKeyIndex } from '../../src/index/lazy-key-index.ts';
import { createRmiIndex } from '../../src/index/rmi-index.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { keyIndexConformance } from './key-index-conformance.ts';

describe('lazy key index: conformance', () => {
  // What an engine opening its segments uses: lookups exact before and after the build.
  keyIndexConformance('lazily built rmi', (keys) => keyIndexFactories.rmi(keys));
});

describe('lazy key index', () => {
  const keys = BigInt64Array.from({ length: 100 }, (_, i) => BigInt(i) * 10n);

  function counted(): { index: KeyIndex; builds: () => number } {
    let builds = 0;
    const index = lazyKeyIndex('rmi', keys, () => {
      builds++;
      return createRmiIndex(keys);
    });
    return { index, builds: () => builds };
  }

  it('answers lookups at or past the ends without building, and reports what it holds: nothing', () => {
    const { index, builds } = counted();
    expect(index.stats()).toEqual({
      kind: 'rmi',
      keys: 0,
      leaves: 0,
      windowMean: 0,
      windowMax: 0,
      bytes: 0,
      pendingKeys: 100,
    });
    // Recovery asks every run for the lower bound of the smallest int64.
    expect(index.lowerBound(keyMin)).toBe(0);
    expect(index.lowerBound(0n)).toBe(0);
    expect(index.lowerBound(991n)).toBe(100);
    expect(index.lowerBound(keyMax)).toBe(100);
    expect(builds()).toBe(0);
    expect(index.stats().pendingKeys).toBe(100);
  });

  it('builds once, on the first lookup inside the run, then reports the built index', () => {
    const { index, builds } = counted();
    expect(index.lowerBound(990n)).toBe(99);
    expect(builds()).toBe(1);
    expect(index.lowerBound(455n)).toBe(46);
    expect(index.lowerBound(0n)).toBe(0);
    expect(builds()).toBe(1);
    expect(index.stats()).toEqual(createRmiIndex(keys).stats());
    expect(index.stats().pendingKeys).toBeUndefined();
  });

  it('answers an empty run without building', () => {
    let builds = 0;
    const index = lazyKeyIndex('binary', new BigInt64Array(0), () => {
      builds++;
      return createBinarySearchIndex(new BigInt64Array(0));
    });
    expect(index.lowerBound(5n)).toBe(0);
    expect(builds).toBe(0);
    expect(index.stats().kind).toBe('binary');
  });
});
