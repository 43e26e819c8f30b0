/**
 * A small seeded generator (sfc32 seeded through splitmix32) so that every randomized test,
 * simulated crash and scenario replays exactly from the seed it prints first.
 */
export interface Prng {
  readonly seed: number;
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound), bound >= 1. */
  int(bound: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createPrng(seed: number): Prng {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const nextU32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  const next = (): number => nextU32() / 4294967296;
  return {
    seed,
    next,
    int(bound) {
      if (!Number.isInteger(bound) || bound < 1)
        throw new RangeError(`prng bound must be a positive integer: ${bound}`);
      return Math.floor(next() * bound);
    },
    chance(p) {
      return next() < p;
    },
    pick(items) {
      if (items.length === 0) throw new RangeError('prng pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
  };
}

/** A seed from the environment (OMENDB_SEED) or fresh; callers print it before using it. */
export function seedFromEnv(name = 'OMENDB_SEED'): number {
  const raw = process.env[name];
  if (raw !== undefined && raw !== '') {
    const parsed = Number(raw);
    if (!Number.isInteger(parsed)) throw new RangeError(`${name} must be an integer, got ${raw}`);
    return parsed >>> 0;
  }
  return (Math.random() * 4294967296) >>> 0;
}
