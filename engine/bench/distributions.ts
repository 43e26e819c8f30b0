import { createPrng, type Prng } from '../src/util/prng.ts';

/**
 * The key sets every contender is measured on: sorted, unique int64 keys, each with a value,
 * all derived from the run's seed so that a run replays exactly.
 */
export const distributionNames = ['timestamps', 'lognormal', 'uniform'] as const;
/**
 * (d), the real-world set (real-world-keys.ts), runs in the index lookup contest only (rmi,
 * binary, B+ tree): its 3,000,000 rows cap it below the 10M runs, and the full engine, SQLite and
 * ingest sections on a fourth set would push the 1M run past its 3-minute budget.
 */
export const lookupOnlyDistributionNames = ['flights'] as const;
export type DistributionName =
  | (typeof distributionNames)[number]
  | (typeof lookupOnlyDistributionNames)[number];
export const allDistributionNames: readonly DistributionName[] = [
  ...distributionNames,
  ...lookupOnlyDistributionNames,
];

export interface KeySet {
  readonly distribution: DistributionName;
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
}

/** (a) Milliseconds since the epoch around 1.7e12, one point a second. */
const timestampStartMs = 1_700_000_000_000;
const timestampStartSpreadMs = 86_400_000;
const timestampStepMs = 1000;
/** Each step is 1 s plus or minus this much, as a sampler's clock drifts and its scheduler stalls. */
const timestampJitterMs = 100;
/** Occasionally the source goes quiet (a restart, a network partition) for minutes to hours. */
const timestampGapChance = 1e-4;
const timestampGapMinMs = 60_000;
const timestampGapMaxMs = 6 * 3_600_000;

/**
 * (b) Lognormal(0, 2) samples times 1e9, rounded: the convention of published learned-index
 * benchmarks. Dense near the small keys, with a long sparse tail; the largest key stays far below
 * 2^53 even at 10M keys, so keys are exact as doubles (distribution (c) covers the keys that are not).
 */
const lognormalMu = 0;
const lognormalSigma = 2;
const lognormalScale = 1e9;

/** (c) Uniform over [0, 2^63): nothing for a model to learn, and keys past 2^53 are not exact as doubles. */
const uniformHighBits = 2 ** 31;
const uniformLowBits = 2 ** 32;

/** A per-distribution seed, so that each set is independent of which others a run generates. */
export function distributionSeed(seed: number, distribution: DistributionName): number {
  const index = allDistributionNames.indexOf(distribution);
  return (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
}

export function generateKeySet(
  distribution: (typeof distributionNames)[number],
  points: number,
  seed: number,
): KeySet {
  const prng = createPrng(distributionSeed(seed, distribution));
  const keys =
    distribution === 'timestamps'
      ? timestampKeys(points, prng)
      : distribution === 'lognormal'
        ? lognormalKeys(points, prng)
        : uniformKeys(points, prng);
  return { distribution, keys, values: randomWalk(points, prng) };
}

function timestampKeys(points: number, prng: Prng): BigInt64Array {
  const keys = new BigInt64Array(points);
  let t = timestampStartMs + prng.int(timestampStartSpreadMs);
  for (let i = 0; i < points; i++) {
    keys[i] = BigInt(t);
    t += timestampStepMs + prng.int(2 * timestampJitterMs + 1) - timestampJitterMs;
    if (prng.chance(timestampGapChance))
      t += timestampGapMinMs + prng.int(timestampGapMaxMs - timestampGapMinMs);
  }
  return keys;
}

function lognormalKeys(points: number, prng: Prng): BigInt64Array {
  const samples = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    // Box-Muller; 1 - next() lies in (0, 1], so the logarithm is finite.
    const z = Math.sqrt(-2 * Math.log(1 - prng.next())) * Math.cos(2 * Math.PI * prng.next());
    samples[i] = Math.floor(Math.exp(lognormalMu + lognormalSigma * z) * lognormalScale);
  }
  samples.sort();
  const keys = new BigInt64Array(points);
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < points; i++) {
    // Equal samples become consecutive integers: unique keys, order kept.
    const key = Math.max(samples[i]!, previous + 1);
    if (!Number.isSafeInteger(key)) throw new RangeError(`lognormal key ${key} is not a safe integer`);
    keys[i] = BigInt(key);
    previous = key;
  }
  return keys;
}

function uniformKeys(points: number, prng: Prng): BigInt64Array {
  const keys = new BigInt64Array(points);
  for (let i = 0; i < points; i++)
    keys[i] = (BigInt(prng.int(uniformHighBits)) << 32n) | BigInt(prng.int(uniformLowBits));
  keys.sort();
  makeStrictlyIncreasing(keys);
  return keys;
}

/** Collisions (about n^2 / 2^64 of them) move up by one; sorted order is kept. */
function makeStrictlyIncreasing(keys: BigInt64Array): void {
  for (let i = 1; i < keys.length; i++) {
    if (keys[i]! <= keys[i - 1]!) keys[i] = keys[i - 1]! + 1n;
  }
  if (keys.length > 0 && keys[keys.length - 1]! < 0n) throw new RangeError('uniform keys overflowed int64');
}

/** Values: a random walk with two decimals, like a sensor reading. */
function randomWalk(points: number, prng: Prng): Float64Array {
  const values = new Float64Array(points);
  let value = 20;
  for (let i = 0; i < points; i++) {
    value += prng.next() - 0.5;
    values[i] = Math.round(value * 100) / 100;
  }
  return values;
}

/**
 * The probe positions for point lookups: every key in a seeded random order when there are no
 * more keys than probes, otherwise `probes` positions drawn uniformly (with repetition).
 */
export function probePositions(points: number, probes: number, seed: number): Int32Array {
  const prng = createPrng((seed ^ 0x5bd1e995) >>> 0);
  if (points <= probes) {
    const order = new Int32Array(points);
    for (let i = 0; i < points; i++) order[i] = i;
    for (let i = points - 1; i > 0; i--) {
      const j = prng.int(i + 1);
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    return order;
  }
  const positions = new Int32Array(probes);
  for (let i = 0; i < probes; i++) positions[i] = prng.int(points);
  return positions;
}

/** `count` seeded random positions in [0, limit). */
export function randomPositions(limit: number, count: number, seed: number): Int32Array {
  const prng = createPrng(seed >>> 0);
  const positions = new Int32Array(count);
  for (let i = 0; i < count; i++) positions[i] = prng.int(limit);
  return positions;
}
