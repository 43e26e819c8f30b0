import { createPrng, type Prng, seedFromEnv } from '../../src/util/prng.ts';

/**
 * The fast-check seed for a property test: FC_SEED when set, else a fresh one.
 * Printed before the run, so that a failure can be replayed with the same seed.
 */
export function fcSeed(): number {
  const raw = process.env.FC_SEED;
  const seed = raw !== undefined && raw !== '' ? Number(raw) : Math.floor(Math.random() * 2 ** 31);
  console.log(`seed ${seed} (replay: FC_SEED=${seed})`);
  return seed;
}

/**
 * A generator seeded from OMENDB_SEED when set, else from a fresh seed.
 * The seed is printed before the run, so that a failure can be replayed with the same seed.
 */
export function seededPrng(): Prng {
  const seed = seedFromEnv();
  console.log(`seed ${seed} (replay: OMENDB_SEED=${seed})`);
  return createPrng(seed);
}
