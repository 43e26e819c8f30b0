import type { EngineAdapter } from '../../adapter.ts';
import { scaleExtraPagesMax } from '../../limits.ts';
import type { Clock, LatencyRecorder } from '../../runner/scenario.ts';
import { PointChecksum, seriesHashOf } from './point-checksum.ts';
import type { PointGenerator } from './point-generator.ts';
import { readRange } from './range-scans.ts';
import { runWorkers } from './worker-pool.ts';
import { LoopYield } from './loop-yield.ts';

/**
 * The final verification: every series read back whole, in range pages, into a count and an
 * order-independent checksum of every (series, key, value), to be compared with those of the
 * points acknowledged at ingest. Series are read `readers` at a time. A series whose pages do not
 * end (an engine that loops) is cut after the pages its points need, plus a few: its count is
 * then wrong, so the verification fails rather than hangs. The engine's list of this shape's
 * series is counted too: one it invented, or one it lost, shows there.
 */

export interface VerifyOptions {
  readonly adapter: EngineAdapter;
  readonly generator: PointGenerator;
  readonly pageLimit: number;
  readonly readers: number;
  readonly clock: Clock;
  readonly pageLatency: LatencyRecorder;
  readonly progress: (done: number, total: number) => void;
}

export interface VerifyResult {
  readonly readBack: PointChecksum;
  readonly pages: number;
  /** Series whose pages were cut short. */
  readonly unfinishedSeries: number;
  readonly seriesListed: number;
  readonly seconds: number;
}

export async function verifyAll(options: VerifyOptions): Promise<VerifyResult> {
  const { adapter, generator, pageLimit, readers, clock } = options;
  const started = clock.now();
  const readBack = new PointChecksum();
  let pages = 0;
  let unfinishedSeries = 0;
  let nextSeries = 0;
  const loop = new LoopYield();
  // Bounded by the series count: each pass takes the next series.
  await runWorkers(readers, async (stopped) => {
    while (nextSeries < generator.seriesCount && !stopped()) {
      const s = nextSeries++;
      const series = generator.seriesName(s);
      const seriesHash = seriesHashOf(series);
      const pagesMax = Math.ceil(generator.seriesPoints(s) / pageLimit) + scaleExtraPagesMax;
      const read = await readRange(
        adapter,
        { series, from: undefined, to: undefined, pageLimit, pagesMax, clock, loop },
        (points, ms) => {
          options.pageLatency.record(ms);
          readBack.addPoints(seriesHash, points);
          options.progress(readBack.count, generator.points);
        },
      );
      pages += read.pages;
      if (!read.complete) unfinishedSeries++;
      await loop.yieldNow();
    }
  });
  const seriesListed = (await adapter.listSeries()).filter((name) => generator.isShapeSeries(name)).length;
  return { readBack, pages, unfinishedSeries, seriesListed, seconds: (clock.now() - started) / 1000 };
}
