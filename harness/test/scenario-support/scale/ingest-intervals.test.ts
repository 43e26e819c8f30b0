import { describe, expect, it } from 'vitest';
import { IngestIntervals } from '../../../src/scenario-support/scale/ingest-intervals.ts';

describe('the ingest-rate intervals', () => {
  it('counts each acknowledgement in the interval (k w, (k+1) w] that holds it', () => {
    const intervals = new IngestIntervals(1_000);
    intervals.add(0, 10); // the very start counts in the first interval
    intervals.add(1_000, 990); // exactly at the first boundary: still the first interval
    intervals.add(1_000.5, 2_000);
    intervals.add(2_500, 500);
    expect(intervals.series(2_500)).toEqual([
      { tSec: 0, pointsPerSec: 1_000 },
      { tSec: 1, pointsPerSec: 2_000 },
      // The last interval is 500 ms long: its rate is over those 500 ms.
      { tSec: 2, pointsPerSec: 1_000 },
    ]);
  });

  it('keeps a stall as an interval of 0 points/s, and summarizes the full intervals', () => {
    const intervals = new IngestIntervals(100);
    intervals.add(50, 10);
    intervals.add(250, 30);
    intervals.add(310, 5);
    const series = intervals.series(310);
    expect(series.map((r) => r.pointsPerSec)).toEqual([100, 0, 300, 500]);
    // The partial last interval (10 ms) is left out of the summary: it is noise.
    expect(intervals.summary(310)).toEqual({
      intervalMs: 100,
      intervals: 4,
      minPointsPerSec: 0,
      medianPointsPerSec: 100,
      maxPointsPerSec: 300,
    });
  });

  it('summarizes a single interval, a full last one, an even count, and an empty ingest', () => {
    const one = new IngestIntervals(1_000);
    one.add(300, 30);
    expect(one.summary(300)).toMatchObject({ intervals: 1, minPointsPerSec: 100, maxPointsPerSec: 100 });
    const full = new IngestIntervals(100);
    full.add(100, 10);
    full.add(200, 30);
    expect(full.summary(200)).toMatchObject({ intervals: 2, minPointsPerSec: 100, medianPointsPerSec: 200 });
    expect(new IngestIntervals(100).series(0)).toEqual([{ tSec: 0, pointsPerSec: 0 }]);
  });

  it('stays bounded: past the bound, neighbours merge and the width doubles', () => {
    const intervals = new IngestIntervals(10, 4);
    for (let t = 5; t <= 80; t += 10) intervals.add(t, 1); // 8 intervals of 10 ms
    expect(intervals.intervalMs).toBe(20);
    const series = intervals.series(80);
    expect(series.length).toBe(4);
    expect(series.every((r) => r.pointsPerSec === 100)).toBe(true);
    intervals.add(1_000, 1);
    expect(intervals.intervalMs).toBe(320);
    expect(intervals.series(1_000).length).toBeLessThanOrEqual(4);
  });

  it('refuses a width or a bound that makes no series', () => {
    expect(() => new IngestIntervals(0)).toThrow(/invariant/);
    expect(() => new IngestIntervals(10, 1)).toThrow(/invariant/);
  });
});
