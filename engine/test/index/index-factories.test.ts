import { describe, expect, it } from 'vitest';
import { keyIndexFactories, keyIndexKinds } from '../../src/index/index-factories.ts';

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
