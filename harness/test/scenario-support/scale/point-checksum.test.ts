import { createPrng, seedFromEnv } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { Point } from '../../../src/adapter.ts';
import { PointChecksum, seriesHashOf } from '../../../src/scenario-support/scale/point-checksum.ts';
import { hashString, hashWords3, hashWords5 } from '../../../src/scenario-support/scale/word-hash.ts';

const seed = seedFromEnv();
console.log(`point-checksum seed ${seed} (replay: OMENDB_SEED=${seed})`);

function randomPoints(count: number, salt: number): Point[] {
  const prng = createPrng((seed ^ salt) >>> 0);
  return Array.from(
    { length: count },
    (_, i): Point => [BigInt(i) * 1000n + BigInt(prng.int(500)) - 2n ** 40n, (prng.next() - 0.5) * 1e6],
  );
}

function checksumOf(batches: readonly (readonly [string, readonly Point[]])[]): PointChecksum {
  const checksum = new PointChecksum();
  for (const [series, points] of batches) checksum.addPoints(seriesHashOf(series), points);
  return checksum;
}

function shuffled<T>(items: readonly T[], prng = createPrng(seed)): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('the point checksum', () => {
  const a = randomPoints(5_000, 1);
  const b = randomPoints(3_000, 2);

  it('is the same for the same points in any order and any batching', () => {
    const inOrder = checksumOf([
      ['a', a],
      ['b', b],
    ]);
    const mixed = shuffled([...a.map((p) => ['a', p] as const), ...b.map((p) => ['b', p] as const)]);
    const oneByOne = checksumOf(mixed.map(([s, p]) => [s, [p]] as const));
    expect(oneByOne.equals(inOrder)).toBe(true);
    expect(oneByOne.hex).toBe(inOrder.hex);
    expect(oneByOne.count).toBe(8_000);
    expect(inOrder.hex).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes when one bit of one value, or of one key, is flipped, whichever bit', () => {
    const base = checksumOf([['a', a]]);
    const view = new DataView(new ArrayBuffer(8));
    for (let bit = 0; bit < 64; bit++) {
      const index = (bit * 37) % a.length;
      const [key, value] = a[index]!;
      view.setFloat64(0, value);
      view.setBigUint64(0, view.getBigUint64(0) ^ (1n << BigInt(bit)));
      const flippedValue = view.getFloat64(0);
      if (Number.isFinite(flippedValue)) {
        const changed = a.with(index, [key, flippedValue]);
        expect(checksumOf([['a', changed]]).hex, `value bit ${bit}`).not.toBe(base.hex);
      }
      const changedKey = a.with(index, [BigInt.asIntN(64, key ^ (1n << BigInt(bit))), value]);
      expect(checksumOf([['a', changedKey]]).hex, `key bit ${bit}`).not.toBe(base.hex);
    }
  });

  it('tells a lost point, a duplicated one and a point moved to another series apart', () => {
    const base = checksumOf([['a', a]]);
    expect(checksumOf([['a', a.slice(1)]]).equals(base)).toBe(false);
    const duplicated = checksumOf([['a', [...a, a[0]!]]]);
    expect(duplicated.equals(base)).toBe(false);
    expect(duplicated.count).toBe(a.length + 1);
    expect(
      checksumOf([
        ['a', a.slice(1)],
        ['c', a.slice(0, 1)],
      ]).hex,
    ).not.toBe(base.hex);
  });

  it('carries from the low lane into the high one (a true sum modulo 2^64)', () => {
    // Enough points that the low lane must have wrapped many times.
    const many = checksumOf([['a', randomPoints(20_000, 3)]]);
    const halves = new PointChecksum();
    const points = randomPoints(20_000, 3);
    halves.addPoints(seriesHashOf('a'), points.slice(0, 7_777));
    halves.addPoints(seriesHashOf('a'), points.slice(7_777));
    expect(halves.hex).toBe(many.hex);
    expect(new PointChecksum().hex).toBe('0000000000000000');
  });
});

describe('the word hash', () => {
  it('is a bijection of each word: every change of one word changes the hash', () => {
    const prng = createPrng(seed);
    for (let n = 0; n < 2_000; n++) {
      const words = Array.from({ length: 5 }, () => prng.int(0x1_0000_0000));
      const position = prng.int(5);
      const changed = words.with(position, (words[position]! ^ (1 << prng.int(32))) >>> 0);
      const [w0, w1, w2, w3, w4] = words as [number, number, number, number, number];
      const [c0, c1, c2, c3, c4] = changed as [number, number, number, number, number];
      expect(hashWords5(9, c0, c1, c2, c3, c4)).not.toBe(hashWords5(9, w0, w1, w2, w3, w4));
      if (position < 3) expect(hashWords3(9, c0, c1, c2)).not.toBe(hashWords3(9, w0, w1, w2));
    }
  });

  it('hashes strings to unsigned 32-bit words, the empty one included', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('scale-one')).not.toBe(hashString('scale-onf'));
    expect(hashString('scale-many-000001')).toBeLessThan(2 ** 32);
  });
});
