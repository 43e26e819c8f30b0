import { scaleIngestIntervalsMax } from '../../limits.ts';

/**
 * Points acknowledged per interval of an ingest, as a chart-ready series of points per second.
 * An acknowledgement at elapsed time t counts in the interval (k * width, (k + 1) * width] that
 * holds it, so the last interval is never empty and never of zero length. Intervals with nothing
 * acknowledged (a stall) stay in the series as 0 points/s. The count of intervals is bounded: past
 * the bound, neighbours merge and the width doubles, so a very long ingest stays chartable.
 */

export interface IngestRate {
  /** Start of the interval, seconds since the ingest began. */
  readonly tSec: number;
  readonly pointsPerSec: number;
}

export interface IngestRateSummary {
  readonly intervalMs: number;
  readonly intervals: number;
  /** Over the full intervals (the last, partial one too when it is the only one). */
  readonly minPointsPerSec: number;
  readonly medianPointsPerSec: number;
  readonly maxPointsPerSec: number;
}

export class IngestIntervals {
  private counts: number[] = [];
  private width: number;

  constructor(
    widthMs: number,
    private readonly intervalsMax = scaleIngestIntervalsMax,
  ) {
    if (!(widthMs > 0) || !Number.isFinite(widthMs))
      throw new Error(`OmenDB harness invariant violated: interval width ${widthMs} ms is not positive`);
    if (!Number.isSafeInteger(intervalsMax) || intervalsMax < 2)
      throw new Error(`OmenDB harness invariant violated: intervalsMax ${intervalsMax} is below 2`);
    this.width = widthMs;
  }

  get intervalMs(): number {
    return this.width;
  }

  /** `points` acknowledged at `elapsedMs` since the ingest began. */
  add(elapsedMs: number, points: number): void {
    let index = this.indexOf(elapsedMs);
    // Bounded: each merge halves the index, so this runs at most log2(index) times.
    while (index >= this.intervalsMax) {
      this.mergePairs();
      index = this.indexOf(elapsedMs);
    }
    while (this.counts.length <= index) this.counts.push(0);
    this.counts[index]! += points;
  }

  /** The series up to `totalMs`, the ingest's end (the last interval's rate over its real length). */
  series(totalMs: number): IngestRate[] {
    const intervals = this.indexOf(totalMs) + 1;
    const rates: IngestRate[] = [];
    for (let k = 0; k < intervals; k++) {
      const start = k * this.width;
      const length = Math.min(this.width, totalMs - start);
      const points = this.counts[k] ?? 0;
      rates.push({ tSec: start / 1000, pointsPerSec: length > 0 ? (points * 1000) / length : 0 });
    }
    return rates;
  }

  summary(totalMs: number): IngestRateSummary {
    const rates = this.series(totalMs);
    const lastFull = totalMs % this.width === 0;
    const full = rates.length > 1 && !lastFull ? rates.slice(0, -1) : rates;
    const sorted = full.map((r) => r.pointsPerSec).sort((a, b) => a - b);
    return {
      intervalMs: this.width,
      intervals: rates.length,
      minPointsPerSec: sorted[0] ?? 0,
      medianPointsPerSec: median(sorted),
      maxPointsPerSec: sorted.at(-1) ?? 0,
    };
  }

  private indexOf(elapsedMs: number): number {
    return elapsedMs <= 0 ? 0 : Math.ceil(elapsedMs / this.width) - 1;
  }

  private mergePairs(): void {
    const merged: number[] = [];
    for (let k = 0; k < this.counts.length; k += 2) merged.push(this.counts[k]! + (this.counts[k + 1] ?? 0));
    this.counts = merged;
    this.width *= 2;
  }
}

function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
