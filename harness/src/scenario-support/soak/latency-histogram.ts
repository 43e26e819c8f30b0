import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';
import { latencySignificantDigits } from '../../limits.ts';

/**
 * The soak's latency histograms: HdrHistograms of whole microseconds (as the runner's recorders),
 * one per interval, written into the interval file compressed and base64-encoded, so that the
 * p99 of any window of intervals can be computed exactly later by merging them.
 */

export interface LatencyPercentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export function newLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    numberOfSignificantValueDigits: latencySignificantDigits,
    autoResize: true,
  });
}

/** One latency in milliseconds. */
export function recordLatency(histogram: Histogram, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0)
    throw new Error(`OmenDB harness invariant violated: a latency of ${ms} ms`);
  histogram.recordValue(Math.round(ms * 1000));
}

/** Percentiles in milliseconds; all 0 for an empty histogram. */
export function percentilesOf(histogram: Histogram): LatencyPercentiles {
  const at = (p: number) => (histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(p) / 1000);
  return {
    p50: at(50),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: histogram.totalCount === 0 ? 0 : histogram.maxValue / 1000,
  };
}

export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** The merge of encoded interval histograms (an empty histogram for none). */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const merged = newLatencyHistogram();
  for (const text of encoded) {
    const decoded = decodeFromCompressedBase64(text);
    merged.add(decoded);
    decoded.destroy();
  }
  return merged;
}
