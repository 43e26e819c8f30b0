import { describe, expect, it } from 'vitest';
import {
  encodeHistogram,
  mergeEncoded,
  newLatencyHistogram,
  percentilesOf,
  recordLatency,
} from '../../../src/scenario-support/soak/latency-histogram.ts';

describe('the soak latency histograms', () => {
  it('reads percentiles back in milliseconds, to the microsecond', () => {
    const h = newLatencyHistogram();
    for (let i = 1; i <= 100; i++) recordLatency(h, i);
    const p = percentilesOf(h);
    expect(p.p50).toBeCloseTo(50, 1);
    expect(p.p99).toBeCloseTo(99, 1);
    expect(p.max).toBeCloseTo(100, 1);
    expect(percentilesOf(newLatencyHistogram())).toEqual({ p50: 0, p95: 0, p99: 0, p999: 0, max: 0 });
  });

  it('merges encoded interval histograms exactly: the p99 of a window is that of all its values', () => {
    const whole = newLatencyHistogram();
    const parts = [newLatencyHistogram(), newLatencyHistogram(), newLatencyHistogram()];
    for (let i = 0; i < 3_000; i++) {
      const ms = ((i * 7919) % 1_000) / 10 + (i % 3 === 2 ? 200 : 0);
      recordLatency(whole, ms);
      recordLatency(parts[i % 3]!, ms);
    }
    const merged = mergeEncoded(parts.map(encodeHistogram));
    expect(merged.totalCount).toBe(3_000);
    const { max, ...percentiles } = percentilesOf(merged);
    const { max: wholeMax, ...wholePercentiles } = percentilesOf(whole);
    expect(percentiles).toEqual(wholePercentiles);
    // A merged maximum is its bucket's top: equal within the histogram's three significant digits.
    expect(Math.abs(max - wholeMax) / wholeMax).toBeLessThan(1e-3);
    expect(mergeEncoded([]).totalCount).toBe(0);
  });

  it('refuses a negative or non-finite latency', () => {
    const h = newLatencyHistogram();
    expect(() => recordLatency(h, -1)).toThrow(/invariant violated/);
    expect(() => recordLatency(h, Number.NaN)).toThrow(/invariant violated/);
  });
});
