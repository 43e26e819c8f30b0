import { seedFromEnv } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { EngineAdapter } from '../../../src/adapter.ts';
import { realClock } from '../../../src/runner/clock.ts';
import { PointGenerator } from '../../../src/scenario-support/scale/point-generator.ts';
import { verifyAll } from '../../../src/scenario-support/scale/verify.ts';
import { EndlessPages, loadedModel, recorder, WrongRangeValue } from './scale-fakes.ts';

const seed = seedFromEnv();
console.log(`scale verification seed ${seed} (replay: OMENDB_SEED=${seed})`);

const generator = new PointGenerator(seed, 'many', 3_000, 5);

/** verifyAll over the test's generator, a real clock and a throwaway latency recorder. */
function verifyWith(
  adapter: EngineAdapter,
  options: { pageLimit: number; readers: number; progress?: (done: number) => void },
) {
  return verifyAll({
    adapter,
    generator,
    clock: realClock,
    pageLatency: recorder(),
    progress: options.progress ?? (() => undefined),
    pageLimit: options.pageLimit,
    readers: options.readers,
  });
}

describe('the scale verification', () => {
  it("counts the engine's series of this shape only: another series is ignored, an invented one counts", async () => {
    const { model } = await loadedModel(generator);
    await model.write('unrelated', [[1n, 1]]);
    await model.write('scale-one', [[1n, 1]]);
    const before = await verifyWith(model, { pageLimit: 1_000, readers: 1 });
    expect(before.seriesListed).toBe(5);
    await model.write('scale-many-999999', [[1n, 1]]);
    const after = await verifyWith(model, { pageLimit: 1_000, readers: 1 });
    expect(after.seriesListed).toBe(6);
  });

  it('reads everything back to the checksum of what was acknowledged', async () => {
    const { model, result } = await loadedModel(generator);
    const progress: number[] = [];
    const verified = await verifyWith(model, {
      pageLimit: 64,
      readers: 3,
      progress: (done) => progress.push(done),
    });
    expect(verified.readBack.equals(result.acknowledged)).toBe(true);
    expect(verified.pages).toBe(5 * Math.ceil(600 / 64));
    expect(verified).toMatchObject({ unfinishedSeries: 0, seriesListed: 5 });
    expect(progress.at(-1)).toBe(3_000);
  });
  it('tells a changed value, and cuts an engine whose pages never end', async () => {
    const { model: wrongRange, result } = await loadedModel(generator, (inner) => new WrongRangeValue(inner));
    const wrong = await verifyWith(wrongRange, { pageLimit: 1_000, readers: 2 });
    expect(wrong.readBack.count).toBe(3_000);
    expect(wrong.readBack.equals(result.acknowledged)).toBe(false);
    const { model: endlessPages } = await loadedModel(generator, (inner) => new EndlessPages(inner));
    const endless = await verifyWith(endlessPages, { pageLimit: 100, readers: 2 });
    expect(endless.unfinishedSeries).toBe(5);
    expect(endless.pages).toBe(5 * (6 + 2));
    expect(endless.readBack.equals(result.acknowledged)).toBe(false);
  });
});
