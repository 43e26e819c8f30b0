import type { Prng } from '@omendb/engine';
import type { EngineAdapter, Point } from '../../adapter.ts';
import { scaleExtraPagesMax } from '../../limits.ts';
import type { Clock, LatencyRecorder } from '../../runner/scenario.ts';
import type { PointGenerator } from './point-generator.ts';
import { LoopYield } from './loop-yield.ts';
import { QueryTally } from './query-tally.ts';

/**
 * Range scans of `spanPoints` consecutive points from a random place in a random series, with both
 * bounds exactly on written keys (the range includes them). The answer must be exactly the
 * generated points, in order: the count, every key and every value. Latency is per scan, all its
 * pages included.
 */

export interface RangeScanOptions {
  readonly adapter: EngineAdapter;
  readonly generator: PointGenerator;
  readonly prng: Prng;
  readonly count: number;
  readonly spanPoints: number;
  readonly pageLimit: number;
  readonly clock: Clock;
  readonly latency: LatencyRecorder;
}

export interface RangeScanTally {
  readonly tally: QueryTally;
  readonly pointsRead: number;
}

export interface RangeRead {
  readonly series: string;
  readonly from: bigint | undefined;
  readonly to: bigint | undefined;
  readonly pageLimit: number;
  readonly pagesMax: number;
  readonly clock: Clock;
  readonly loop: LoopYield;
}

/**
 * Every page of [from, to], at most `pagesMax` of them; onPage gets each page's points and how
 * long its range call took. The event loop gets a turn between pages (see loop-yield.ts).
 */
export async function readRange(
  adapter: EngineAdapter,
  read: RangeRead,
  onPage: (points: readonly Point[], ms: number) => void,
): Promise<{ pages: number; complete: boolean }> {
  const { series, from, to, pageLimit, pagesMax, clock } = read;
  let after: bigint | undefined;
  for (let pages = 1; pages <= pagesMax; pages++) {
    const sent = clock.now();
    const page = await adapter.range(series, from, to, {
      limit: pageLimit,
      ...(after === undefined ? {} : { after }),
    });
    onPage(page.points, clock.now() - sent);
    if (page.next === null) return { pages, complete: true };
    after = page.next;
    await read.loop.yieldNow();
  }
  return { pages: pagesMax, complete: false };
}

export async function rangeScans(options: RangeScanOptions): Promise<RangeScanTally> {
  const { adapter, generator, prng, count, pageLimit, clock } = options;
  const tally = new QueryTally();
  let pointsRead = 0;
  const loop = new LoopYield();
  for (let n = 0; n < count; n++) {
    const { s, series, first, span, from, to } = generator.randomSpan(prng, options.spanPoints);
    let seen = 0;
    let ms = 0;
    let wrong: string | undefined;
    const read = {
      series,
      from,
      to,
      pageLimit,
      pagesMax: Math.ceil(span / pageLimit) + scaleExtraPagesMax,
      clock,
      loop,
    };
    const { complete } = await readRange(adapter, read, (points, pageMs) => {
      ms += pageMs;
      for (const [key, value] of points) {
        if (wrong === undefined && seen < span) {
          const i = first + seen;
          if (key !== generator.key(s, i) || value !== generator.value(s, i))
            wrong = `range ${series} [${from}, ${to}] point ${seen}: [${key}, ${value}], expected [${generator.key(s, i)}, ${generator.value(s, i)}]`;
        }
        seen++;
      }
    });
    // The scan's latency is its range calls' alone, not the turns the event loop got between pages.
    options.latency.record(ms);
    pointsRead += seen;
    if (wrong === undefined && (seen !== span || !complete))
      wrong = `range ${series} [${from}, ${to}]: ${seen} points${complete ? '' : ' and more pages'}, expected ${span}`;
    tally.record(wrong);
    await loop.yieldNow();
  }
  return { tally, pointsRead };
}
