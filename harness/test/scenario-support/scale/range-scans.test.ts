import { createPrng, seedFromEnv } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { EngineAdapter } from '../../../src/adapter.ts';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { realClock } from '../../../src/runner/clock.ts';
import { LoopYield } from '../../../src/scenario-support/scale/loop-yield.ts';
import { PointGenerator } from '../../../src/scenario-support/scale/point-generator.ts';
import { rangeScans, readRange } from '../../../src/scenario-support/scale/range-scans.ts';
import { EndlessPages, loadedModel, recorder, WrongRangeValue } from './scale-fakes.ts';

const seed = seedFromEnv();
console.log(`scale range scans seed ${seed} (replay: OMENDB_SEED=${seed})`);

const generator = new PointGenerator(seed, 'many', 3_000, 5);

function scans(adapter: EngineAdapter, count: number, spanPoints = 100) {
  return rangeScans({
    adapter,
    generator,
    prng: createPrng(seed),
    count,
    spanPoints,
    pageLimit: 30,
    clock: realClock,
    latency: recorder(),
  });
}

describe('the scale range scans', () => {
  it('read exactly the generated points, across pages, on a correct engine', async () => {
    const { model } = await loadedModel(generator);
    const result = await scans(model, 30);
    expect(result.tally.toJSON()).toEqual({ checked: 30, mismatches: 0, examples: [] });
    expect(result.pointsRead).toBe(3_000);
    // A span longer than a series covers the whole series.
    expect((await scans(model, 5, 10_000)).pointsRead).toBe(5 * 600);
  });

  it('catch a wrong value, a short range and pages that never end', async () => {
    const { model: wrong } = await loadedModel(generator, (inner) => new WrongRangeValue(inner));
    const changed = await scans(wrong, 10);
    expect(changed.tally.mismatches).toBe(10);
    expect(changed.tally.toJSON().examples[0]).toMatch(/point 0: /);
    const empty = new ModelAdapter();
    await empty.open();
    const short = await scans(empty, 3);
    expect(short.tally.toJSON().examples[0]).toMatch(/: 0 points, expected 100$/);
    const { model: endless } = await loadedModel(generator, (inner) => new EndlessPages(inner));
    const looping = await scans(endless, 2);
    expect(looping.tally.mismatches).toBe(2);
  });

  it('stops reading a range after its page bound', async () => {
    const { model: endless } = await loadedModel(generator, (inner) => new EndlessPages(inner));
    const pageMs: number[] = [];
    const read = await readRange(
      endless,
      {
        series: generator.seriesName(0),
        from: undefined,
        to: undefined,
        pageLimit: 10,
        pagesMax: 4,
        clock: realClock,
        loop: new LoopYield(0),
      },
      (_points, ms) => pageMs.push(ms),
    );
    expect(read).toEqual({ pages: 4, complete: false });
    expect(pageMs).toHaveLength(4);
    expect(pageMs.every((ms) => ms >= 0)).toBe(true);
  });
});
