import { describe, expect, it } from 'vitest';
import { createBinarySearchIndex } from '../../src/index/binary-search-index.ts';
import { type DeferredKeyIndex, deferredKeyIndex } from '../../src/index/deferred-key-index.ts';
import { createRmiIndex } from '../../src/index/rmi-index.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { keyIndexConformance } from './key-index-conformance.ts';

describe('deferred key index: conformance', () => {
  // Waiting for a model that has not come: lookups are binary searches, exact for any key.
  keyIndexConformance('deferred, model pending', (keys) => deferredKeyIndex('rmi', keys, () => undefined));
  // The model installed on the first lookup inside the keys, as soon as it is asked for.
  keyIndexConformance('deferred, model installed on request', (keys) => {
    const index: DeferredKeyIndex = deferredKeyIndex('rmi', keys, () => index.install(createRmiIndex(keys)));
    return index;
  });
});

describe('deferred key index', () => {
  const keys = BigInt64Array.from({ length: 1000 }, (_, i) => BigInt(i) * 10n);

  function counted(): { index: DeferredKeyIndex; requests: () => number } {
    let requests = 0;
    const index = deferredKeyIndex('rmi', keys, () => {
      requests++;
    });
    return { index, requests: () => requests };
  }

  it('answers lookups at or past the ends without asking for a model', () => {
    const { index, requests } = counted();
    expect(index.lowerBound(keyMin)).toBe(0);
    expect(index.lowerBound(0n)).toBe(0);
    expect(index.lowerBound(9991n)).toBe(1000);
    expect(index.lowerBound(keyMax)).toBe(1000);
    expect(requests()).toBe(0);
    expect(index.pending).toBe(true);
    expect(index.stats()).toEqual({
      kind: 'rmi',
      keys: 0,
      leaves: 0,
      windowMean: 0,
      windowMax: 0,
      bytes: 0,
      pendingKeys: 1000,
    });
  });

  it('asks once, on the first lookup inside the run, and answers exactly meanwhile', () => {
    const { index, requests } = counted();
    expect(index.lowerBound(4555n)).toBe(456);
    expect(index.lowerBound(4550n)).toBe(455);
    expect(index.lowerBound(5n)).toBe(1);
    expect(requests()).toBe(1);
    expect(index.stats().pendingKeys).toBe(1000);
  });

  it('serves lookups and stats from the installed index, which nothing replaces', () => {
    const { index } = counted();
    index.lowerBound(4555n);
    const rmi = createRmiIndex(keys);
    index.install(rmi);
    expect(index.pending).toBe(false);
    expect(index.lowerBound(4555n)).toBe(456);
    expect(index.stats()).toEqual(rmi.stats());
    expect(index.stats().leaves).toBeGreaterThan(0);
    expect(index.stats().pendingKeys ?? 0).toBe(0);
    index.abandon(true);
    index.install(createBinarySearchIndex(keys));
    expect(index.stats()).toEqual(rmi.stats());
  });

  it.each([
    [true, 1],
    [false, 0],
  ])('stays binary search when abandoned (failed: %s), counting a failure', (failed, failures) => {
    const { index, requests } = counted();
    index.lowerBound(4555n);
    index.abandon(failed);
    expect(index.pending).toBe(false);
    expect(index.lowerBound(4555n)).toBe(456);
    expect(index.lowerBound(keyMax)).toBe(1000);
    expect(requests()).toBe(1);
    expect(index.stats()).toEqual({
      kind: 'rmi',
      keys: 1000,
      leaves: 0,
      windowMean: 1000,
      windowMax: 1000,
      bytes: 0,
      pendingKeys: 0,
      modelFailures: failures,
    });
    // A model that arrives after all is not taken: the index said it would not wait for one.
    index.install(createRmiIndex(keys));
    expect(index.stats().leaves).toBe(0);
  });

  it('answers an empty run without asking', () => {
    let requests = 0;
    const index = deferredKeyIndex('rmi', new BigInt64Array(0), () => {
      requests++;
    });
    expect(index.lowerBound(5n)).toBe(0);
    expect(requests).toBe(0);
  });
});
