import { describe, expect, it } from 'vitest';
import { HdrLatencyRecorder } from '../../src/runner/latency.ts';

describe('HdrLatencyRecorder', () => {
  it('summarizes latencies in milliseconds with microsecond precision', () => {
    const recorder = new HdrLatencyRecorder();
    for (let i = 1; i <= 1000; i++) recorder.record(i / 1000);
    recorder.record(2_500.125);
    const summary = recorder.summary();
    expect(summary.count).toBe(1001);
    expect(summary.p50).toBeCloseTo(0.5, 2);
    expect(summary.p95).toBeCloseTo(0.95, 2);
    expect(summary.p99).toBeCloseTo(0.99, 2);
    expect(summary.max).toBeGreaterThanOrEqual(2_500);
    expect(summary.max).toBeLessThan(2_503);
  });

  it('is all zeros when empty, and refuses a negative or non-finite latency', () => {
    const recorder = new HdrLatencyRecorder();
    expect(recorder.summary()).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, p999: 0, max: 0 });
    expect(() => recorder.record(-1)).toThrow(RangeError);
    expect(() => recorder.record(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
