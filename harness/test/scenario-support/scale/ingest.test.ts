import { seedFromEnv } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { realClock } from '../../../src/runner/clock.ts';
import { ingest } from '../../../src/scenario-support/scale/ingest.ts';
import { IngestIntervals } from '../../../src/scenario-support/scale/ingest-intervals.ts';
import { PointGenerator } from '../../../src/scenario-support/scale/point-generator.ts';
import { FailingWrite, openModel, recorder } from './scale-fakes.ts';

const seed = seedFromEnv();
console.log(`scale ingest seed ${seed} (replay: OMENDB_SEED=${seed})`);

const generator = new PointGenerator(seed, 'many', 3_000, 5);

describe('the scale ingest', () => {
  it('writes every point once, checksums what was acknowledged, and records each batch', async () => {
    const latency = recorder();
    const intervals = new IngestIntervals(1_000);
    const progress: number[] = [];
    const model = await openModel();
    const result = await ingest({
      adapter: model,
      generator,
      batchPoints: 250,
      writers: 4,
      clock: realClock,
      latency,
      intervals,
      progress: (done) => progress.push(done),
    });
    expect(result.acknowledged.count).toBe(3_000);
    expect(result.batches).toBe(generator.batchCount(250));
    expect(latency.summary().count).toBe(result.batches);
    expect(progress.at(-1)).toBe(3_000);
    const total = intervals.series(result.seconds * 1000).reduce((n, r) => n + r.pointsPerSec, 0);
    expect(total).toBeGreaterThan(0);
    expect((await model.listSeries()).length).toBe(5);
  });
  it('stops every writer when one write fails, and throws its error', async () => {
    const broken = new FailingWrite(new ModelAdapter(), 3);
    await broken.open();
    await expect(
      ingest({
        adapter: broken,
        generator,
        batchPoints: 100,
        writers: 2,
        clock: realClock,
        latency: recorder(),
        intervals: new IngestIntervals(1_000),
        progress: () => undefined,
      }),
    ).rejects.toThrow('the disk is on fire');
    expect(broken.writes).toBeLessThanOrEqual(4);
  });
});
