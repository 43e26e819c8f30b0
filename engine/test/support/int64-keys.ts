import fc from 'fast-check';

export const int64Min = -(2n ** 63n);
export const int64Max = 2n ** 63n - 1n;

/** Keys at the 32-bit word boundaries and the int64 ends, where a signed/unsigned mix-up shows. */
export const int64EdgeKeys: readonly bigint[] = [
  int64Min,
  int64Min + 1n,
  -(2n ** 32n),
  -(2n ** 31n),
  -1n,
  0n,
  1n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  int64Max,
];

/** Int64 keys: the edges, small keys that repeat and interleave, keys about 2^32, and any key. */
export const int64Key: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(...int64EdgeKeys),
  fc.bigInt({ min: -40n, max: 40n }),
  fc.bigInt({ min: 2n ** 32n - 20n, max: 2n ** 32n + 20n }),
  fc.bigInt({ min: int64Min, max: int64Max }),
);
