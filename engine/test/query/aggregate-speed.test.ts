import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { keyIndexFactories } from '../../src/index/index-factories.ts';
import { aggregateBlockPointsMax } from '../../src/limits.ts';
import { Accumulator } from '../../src/query/accumulator.ts';
import { aggregateLayers } from '../../src/query/aggregate.ts';
import { parseAggregateOptions } from '../../src/query/aggregate-options.ts';
import { buildBlockSummaries } from '../../src/query/block-summaries.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { LoadedSegment } from '../../src/storage/layer.ts';
import { segmentFileName } from '../../src/storage/manifest.ts';
import { rangePoints } from '../../src/storage/read-path.ts';
import { decodeSegment, encodeSegment } from '../../src/storage/segment-file.ts';
import { createPrng } from '../../src/util/prng.ts';

/**
 * The block fast path against the fallback over one segment of 1-second keys (in ms):
 * whole-range, 1-minute and 1-hour-bucket aggregates, each with block summaries, scanning the same
 * runs without them, and point by point through range pages. Prints the timings; asserts only
 * that the answers agree and that the fast path did what it should (timings are not asserted,
 * they vary with the machine). OMENDB_SPEED_POINTS sets the size (1M by default).
 */
const points = Number(process.env.OMENDB_SPEED_POINTS ?? 1_000_000);
const minute = 60_000n;

function medianMs(repeats: number, run: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** What a caller without aggregates would do: page through range() and fold each point. */
function pointByPoint(segment: LoadedSegment, width: bigint | undefined): number {
  let buckets = 0;
  let accumulator = new Accumulator();
  let bucketLast: bigint | undefined;
  let from = keyMin;
  for (;;) {
    const page = rangePoints([segment], 's', from, keyMax, 100_000);
    for (let i = 0; i < page.keys.length; i++) {
      const key = page.keys[i]!;
      if (width !== undefined && (bucketLast === undefined || key > bucketLast)) {
        buckets++;
        accumulator = new Accumulator();
        bucketLast = key - (key % width) + width - 1n;
      }
      accumulator.addEnds(page.values, i, i + 1);
      accumulator.addValues(page.values, i, i + 1);
    }
    if (!page.more) break;
    from = page.keys[page.keys.length - 1]! + 1n;
  }
  return width === undefined ? 1 : buckets;
}

describe(`aggregate speed over ${points} points in one segment`, () => {
  it('uses block summaries for whole blocks and agrees with the fallback', () => {
    const prng = createPrng(7);
    const keys = new BigInt64Array(points);
    const values = new Float64Array(points);
    for (let i = 0; i < points; i++) {
      keys[i] = 1_700_000_000_000n + BigInt(i) * 1000n;
      values[i] = (prng.next() - 0.5) * 1000;
    }
    const bytes = encodeSegment([{ name: 's', keys, values, tombstones: [], dropped: false }]);
    const record = { id: 1, file: segmentFileName(1), bytes: bytes.length, crc32: crc32(bytes), points };
    let segment: LoadedSegment | undefined;
    const loadMs = medianMs(3, () => {
      segment = new LoadedSegment(record, decodeSegment(bytes, record), keyIndexFactories.rmi);
    });
    const buildMs = medianMs(5, () => buildBlockSummaries(values, aggregateBlockPointsMax));
    const layers = [segment!];
    const whole = parseAggregateOptions({});
    const minutes = parseAggregateOptions({ bucket: minute });
    const hours = parseAggregateOptions({ bucket: 60n * minute });
    const from = keyMin;
    const to = keyMax;
    const firstQueryMs = medianMs(1, () => aggregateLayers(layers, 's', from, to, whole));

    const fastWhole = aggregateLayers(layers, 's', from, to, whole);
    const slowWhole = aggregateLayers(layers, 's', from, to, whole, false);
    expect(fastWhole.work.pointsScanned).toBeLessThan(aggregateBlockPointsMax);
    expect(slowWhole.work.pointsScanned).toBe(points);
    const [fast] = fastWhole.result.buckets;
    const [slow] = slowWhole.result.buckets;
    expect({ ...fast, sum: 0, mean: 0 }).toEqual({ ...slow, sum: 0, mean: 0 });
    expect(Math.abs(fast!.sum! - slow!.sum!)).toBeLessThan(1e-9);

    const fastMinutes = aggregateLayers(layers, 's', from, to, minutes);
    const slowMinutes = aggregateLayers(layers, 's', from, to, minutes, false);
    expect(fastMinutes.result.buckets.length).toBe(slowMinutes.result.buckets.length);
    expect(fastMinutes.result.buckets.length).toBe(pointByPoint(segment!, minute));
    // A minute of 1-second keys is 60 points, less than a block: summaries cannot help there.
    expect(fastMinutes.work.blocks).toBe(0);
    // An hour is 3600 points: at least two whole blocks in every full hour.
    const fastHours = aggregateLayers(layers, 's', from, to, hours);
    expect(fastHours.work.blocks).toBeGreaterThanOrEqual(2 * (fastHours.result.buckets.length - 2));
    expect(fastHours.result.buckets.map((b) => [b.start, b.count, b.min, b.max, b.first, b.last])).toEqual(
      aggregateLayers(layers, 's', from, to, hours, false).result.buckets.map((b) => [
        b.start,
        b.count,
        b.min,
        b.max,
        b.first,
        b.last,
      ]),
    );

    const timings = {
      'segment load (decode + rmi index)': loadMs,
      'block summaries build (first aggregate pays it)': buildMs,
      'first whole-range aggregate (includes the build)': firstQueryMs,
      'whole range, block summaries': medianMs(21, () => aggregateLayers(layers, 's', from, to, whole)),
      'whole range, fallback scan': medianMs(7, () => aggregateLayers(layers, 's', from, to, whole, false)),
      'whole range, point by point via range pages': medianMs(3, () => pointByPoint(segment!, undefined)),
      '1-minute buckets, block summaries': medianMs(7, () => aggregateLayers(layers, 's', from, to, minutes)),
      '1-minute buckets, fallback scan': medianMs(7, () =>
        aggregateLayers(layers, 's', from, to, minutes, false),
      ),
      '1-minute buckets, point by point via range pages': medianMs(3, () => pointByPoint(segment!, minute)),
      '1-hour buckets, block summaries': medianMs(11, () => aggregateLayers(layers, 's', from, to, hours)),
      '1-hour buckets, fallback scan': medianMs(7, () =>
        aggregateLayers(layers, 's', from, to, hours, false),
      ),
    };
    for (const [what, ms] of Object.entries(timings)) console.log(`${what}: ${ms.toFixed(3)} ms`);
  });
});
