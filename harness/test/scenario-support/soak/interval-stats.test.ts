import { describe, expect, it } from 'vitest';
import { soakErrorCodesMax } from '../../../src/limits.ts';
import { IntervalStats, otherErrorsCode } from '../../../src/scenario-support/soak/interval-stats.ts';
import { mergeEncoded } from '../../../src/scenario-support/soak/latency-histogram.ts';

describe('IntervalStats', () => {
  it('hands over one interval of figures and starts the next from zero', () => {
    const stats = new IntervalStats();
    stats.record({ kind: 'write', mismatch: false }, 2);
    stats.record({ kind: 'get', mismatch: true }, 4);
    stats.record({ kind: 'get', code: 'OMENDB_ERR_WAL_IO', mismatch: false }, 8);
    const first = stats.take();
    expect(first).toMatchObject({
      errors: 1,
      errorsByCode: { OMENDB_ERR_WAL_IO: 1 },
      readMismatches: 1,
      opsByKind: { write: 1, get: 2 },
    });
    expect(first.latencyMs.max).toBeCloseTo(8, 2);
    expect(mergeEncoded([first.histogram]).totalCount).toBe(3);
    const second = stats.take();
    expect(second).toMatchObject({ errors: 0, errorsByCode: {}, readMismatches: 0, opsByKind: {} });
    expect(mergeEncoded([second.histogram]).totalCount).toBe(0);
    expect(second.latencyMsByKind).toEqual({});
    expect(second.histogramByKind).toEqual({});
  });

  it('keeps latencies per kind: a slow write does not show in the reads', () => {
    const stats = new IntervalStats();
    for (let i = 0; i < 100; i++) stats.record({ kind: 'get', mismatch: false }, 1);
    stats.record({ kind: 'write', mismatch: false }, 300);
    const { latencyMsByKind, histogramByKind, latencyMs } = stats.take();
    expect(Object.keys(latencyMsByKind).sort()).toEqual(['get', 'write']);
    expect(latencyMsByKind.get!.max).toBeCloseTo(1, 2);
    expect(latencyMsByKind.write!.p99).toBeCloseTo(300, 0);
    expect(latencyMs.max).toBeCloseTo(300, 0);
    expect(mergeEncoded([histogramByKind.get!]).totalCount).toBe(100);
    expect(mergeEncoded([histogramByKind.write!]).totalCount).toBe(1);
  });

  it('lists at most soakErrorCodesMax codes and sums the rest under OTHER', () => {
    const stats = new IntervalStats();
    for (let i = 0; i < soakErrorCodesMax + 5; i++)
      stats.record({ kind: 'get', code: `E${i}`, mismatch: false }, 1);
    stats.record({ kind: 'get', code: 'E0', mismatch: false }, 1);
    const { errors, errorsByCode } = stats.take();
    expect(errors).toBe(soakErrorCodesMax + 6);
    expect(Object.keys(errorsByCode)).toHaveLength(soakErrorCodesMax + 1);
    expect(errorsByCode[otherErrorsCode]).toBe(5);
    expect(errorsByCode.E0).toBe(2);
  });
});
