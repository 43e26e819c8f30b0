import type { EngineAdapter } from '../../adapter.ts';
import type { Clock, LatencyRecorder } from '../../runner/scenario.ts';
import type { IngestIntervals } from './ingest-intervals.ts';
import { PointChecksum } from './point-checksum.ts';
import type { PointGenerator } from './point-generator.ts';
import { runWorkers } from './worker-pool.ts';
import { LoopYield } from './loop-yield.ts';

/**
 * Writes every point of a generator through the adapter with `writers` write calls in flight,
 * each a batch made just before it is sent (never all N points at once). Each batch's latency is
 * recorded; the points are counted and checksummed only once the write is acknowledged, which is
 * what the final verification compares with. A write that fails stops the ingest (and the run):
 * a scale figure over a partly failed ingest would mean nothing.
 */

export interface IngestOptions {
  readonly adapter: EngineAdapter;
  readonly generator: PointGenerator;
  readonly batchPoints: number;
  readonly writers: number;
  readonly clock: Clock;
  readonly latency: LatencyRecorder;
  readonly intervals: IngestIntervals;
  readonly progress: (done: number, total: number) => void;
}

export interface IngestResult {
  readonly acknowledged: PointChecksum;
  readonly batches: number;
  readonly seconds: number;
}

export async function ingest(options: IngestOptions): Promise<IngestResult> {
  const { adapter, generator, batchPoints, writers, clock, latency, intervals, progress } = options;
  const acknowledged = new PointChecksum();
  const batches = generator.batches(batchPoints);
  let written = 0;
  const loop = new LoopYield();
  const started = clock.now();
  // One generator shared by the writers: each takes the next batch when its previous one is acknowledged.
  await runWorkers(writers, async (stopped) => {
    for (let next = batches.next(); next.done !== true && !stopped(); next = batches.next()) {
      const batch = next.value;
      const sent = clock.now();
      await adapter.write(batch.series, batch.points);
      const now = clock.now();
      latency.record(now - sent);
      intervals.add(now - started, batch.points.length);
      acknowledged.addPoints(batch.seriesHash, batch.points);
      written++;
      progress(acknowledged.count, generator.points);
      await loop.yieldNow();
    }
  });
  return { acknowledged, batches: written, seconds: (clock.now() - started) / 1000 };
}
