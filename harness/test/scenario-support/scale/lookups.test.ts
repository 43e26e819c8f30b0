import { createPrng, seedFromEnv } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { ZeroForAbsent } from '../../../src/broken/zero-for-absent.ts';
import { realClock } from '../../../src/runner/clock.ts';
import { pointLookups } from '../../../src/scenario-support/scale/lookups.ts';
import { PointGenerator } from '../../../src/scenario-support/scale/point-generator.ts';
import { loadedModel, recorder } from './scale-fakes.ts';

const seed = seedFromEnv();
console.log(`scale lookups seed ${seed} (replay: OMENDB_SEED=${seed})`);

const generator = new PointGenerator(seed, 'many', 3_000, 5);

describe('the scale point lookups', () => {
  it('find every written value and nothing where nothing was written, on a correct engine', async () => {
    const { model } = await loadedModel(generator);
    const present = recorder();
    const absent = recorder();
    const lookups = await pointLookups({
      adapter: model,
      generator,
      prng: createPrng(seed),
      count: 300,
      clock: realClock,
      presentLatency: present,
      absentLatency: absent,
    });
    expect(lookups.present.toJSON()).toEqual({ checked: 300, mismatches: 0, examples: [] });
    expect(lookups.absent.toJSON()).toEqual({ checked: 300, mismatches: 0, examples: [] });
    expect(present.summary().count).toBe(300);
    expect(absent.summary().count).toBe(300);
  });

  it('catch an engine that answers 0 for absent keys', async () => {
    const { model: broken } = await loadedModel(generator, (inner) => new ZeroForAbsent(inner));
    const lookups = await pointLookups({
      adapter: broken,
      generator,
      prng: createPrng(seed),
      count: 100,
      clock: realClock,
      presentLatency: recorder(),
      absentLatency: recorder(),
    });
    expect(lookups.present.mismatches).toBe(0);
    expect(lookups.absent.mismatches).toBe(100);
    expect(lookups.absent.toJSON().examples[0]).toMatch(/never written\): 0$/);
  });

  it('catch a present key whose value is missing', async () => {
    const { model } = await loadedModel(new PointGenerator(seed, 'many', 10, 5));
    const lookups = await pointLookups({
      adapter: model,
      generator, // asks for points the engine never got
      prng: createPrng(seed),
      count: 50,
      clock: realClock,
      presentLatency: recorder(),
      absentLatency: recorder(),
    });
    expect(lookups.present.mismatches).toBeGreaterThan(40);
    expect(lookups.present.toJSON().examples[0]).toMatch(/: undefined, expected /);
  });
});
