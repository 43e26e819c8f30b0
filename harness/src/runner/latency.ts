import { build, type Histogram } from 'hdr-histogram-js';
import { latencySignificantDigits } from '../limits.ts';
import type { LatencyRecorder, LatencySummary } from './scenario.ts';

/**
 * Latencies in an HdrHistogram of whole microseconds (so milliseconds keep three decimals), read
 * back in milliseconds. The histogram resizes itself: no latency is ever clipped.
 */
export class HdrLatencyRecorder implements LatencyRecorder {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    numberOfSignificantValueDigits: latencySignificantDigits,
    autoResize: true,
  });

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a latency is a finite number >= 0 ms: ${ms}`);
    this.histogram.recordValue(Math.round(ms * 1000));
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const at = (percentile: number) => (h.totalCount === 0 ? 0 : h.getValueAtPercentile(percentile) / 1000);
    return {
      count: h.totalCount,
      p50: at(50),
      p95: at(95),
      p99: at(99),
      p999: at(99.9),
      max: h.totalCount === 0 ? 0 : h.maxValue / 1000,
    };
  }
}
