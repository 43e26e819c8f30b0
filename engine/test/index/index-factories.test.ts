import { describe, expect, it } from 'vitest';
import {
  buildKeyIndexModel,
  keyIndexFactories,
  keyIndexFromModel,
  keyIndexKinds,
  keyIndexModelBuffers,
} from '../../src/index/index-factories.ts';

describe('index factories', () => {
  it('offer rmi and binary, each reporting its own kind', () => {
    expect(keyIndexKinds).toEqual(['rmi', 'binary']);
    const keys = BigInt64Array.from([1n, 5n, 9n]);
    for (const kind of keyIndexKinds) {
      const index = keyIndexFactories[kind](keys);
      expect(index.stats().kind).toBe(kind);
      expect(index.lowerBound(6n)).toBe(2);
    }
  });
});

describe('index models', () => {
  it('build, cross a clone, and serve the same lookups as the factories', () => {
    const keys = BigInt64Array.from({ length: 1000 }, (_, i) => BigInt(i * i));
    for (const kind of keyIndexKinds) {
      const model = structuredClone(buildKeyIndexModel(kind, keys));
      const index = keyIndexFromModel(keys, model);
      const reference = keyIndexFactories[kind](keys);
      for (const probe of [-1n, 0n, 1n, 2n, 500n * 500n, 500n * 500n + 1n, 10n ** 7n])
        expect(index.lowerBound(probe)).toBe(reference.lowerBound(probe));
      // After lookups inside the keys: the factory's RMI is built on its first one.
      expect(index.stats()).toEqual(reference.stats());
    }
    expect(keyIndexModelBuffers(buildKeyIndexModel('binary', keys))).toEqual([]);
    expect(keyIndexModelBuffers(buildKeyIndexModel('rmi', keys))).toHaveLength(4);
    expect(() => keyIndexFromModel(keys, { kind: 'btree' } as never)).toThrow(/unknown key index model/);
  });
});
