import type { Prng } from '@omendb/engine';
import type { EngineAdapter } from '../../adapter.ts';
import type { Clock, LatencyRecorder } from '../../runner/scenario.ts';
import type { PointGenerator } from './point-generator.ts';
import { LoopYield } from './loop-yield.ts';
import { QueryTally } from './query-tally.ts';

/**
 * Point lookups, one at a time (so each latency is the engine's alone): keys that were written,
 * whose value must be exactly the generated one, and keys that never were, which must answer
 * undefined. An engine that answers 0 (or anything) for an absent key fails here. Three absent
 * keys in four lie between two written keys, where an index is most likely to be wrong; the
 * fourth lies before the first or after the last point.
 */

export interface LookupOptions {
  readonly adapter: EngineAdapter;
  readonly generator: PointGenerator;
  readonly prng: Prng;
  /** Lookups of each kind. */
  readonly count: number;
  readonly clock: Clock;
  readonly presentLatency: LatencyRecorder;
  readonly absentLatency: LatencyRecorder;
}

export interface LookupTallies {
  readonly present: QueryTally;
  readonly absent: QueryTally;
}

const outsideDrawBound = 0x7fff_ffff;

export async function pointLookups(options: LookupOptions): Promise<LookupTallies> {
  const { adapter, generator, prng, count, clock } = options;
  const present = new QueryTally();
  const absent = new QueryTally();
  const loop = new LoopYield();
  for (let n = 0; n < count; n++) {
    const s = prng.int(generator.seriesCount);
    const i = prng.int(generator.seriesPoints(s));
    const series = generator.seriesName(s);
    const key = generator.key(s, i);
    const expected = generator.value(s, i);
    const sent = clock.now();
    const got = await adapter.get(series, key);
    options.presentLatency.record(clock.now() - sent);
    present.record(got === expected ? undefined : `get ${series} ${key}: ${got}, expected ${expected}`);
    await loop.yieldNow();
  }
  for (let n = 0; n < count; n++) {
    const s = prng.int(generator.seriesCount);
    const series = generator.seriesName(s);
    const key =
      prng.int(4) === 0
        ? generator.absentOutside(s, prng.int(outsideDrawBound))
        : generator.absentBetween(s, prng.int(generator.seriesPoints(s)));
    const sent = clock.now();
    const got = await adapter.get(series, key);
    options.absentLatency.record(clock.now() - sent);
    absent.record(got === undefined ? undefined : `get ${series} ${key} (never written): ${got}`);
    await loop.yieldNow();
  }
  return { present, absent };
}
