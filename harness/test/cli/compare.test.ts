import { describe, expect, it } from 'vitest';
import {
  compareMetrics,
  describeResult,
  flattenMetrics,
  formatNumber,
  formatTable,
  metricDirection,
  rowsBelow,
} from '../../src/cli/compare.ts';
import { resultWith } from './compare-fixtures.ts';

describe('the direction of a metric, from its name', () => {
  it('is higher-is-better for rates and throughput', () => {
    expect(metricDirection('one.ingestPointsPerSec')).toBe('higher');
    expect(metricDirection('one.ingestIntervals.minPointsPerSec')).toBe('higher');
    expect(metricDirection('http.throughput')).toBe('higher');
  });

  it('is lower-is-better for times, sizes and latency percentiles', () => {
    expect(metricDirection('one.ingestSeconds')).toBe('lower');
    expect(metricDirection('one.peakRssBytes')).toBe('lower');
    expect(metricDirection('one.bytesPerPoint')).toBe('lower');
    expect(metricDirection('latencyMs.one.write.p99')).toBe('lower');
    expect(metricDirection('latencyMs.one.write.max')).toBe('lower');
    expect(metricDirection('openMs')).toBe('lower');
  });

  it('is none for counts, settings, signed differences and unknown names', () => {
    expect(metricDirection('latencyMs.one.write.count')).toBeNull();
    expect(metricDirection('one.ingestIntervals.intervalMs')).toBeNull();
    expect(metricDirection('one.rssCrossCheck.atEnd.differenceBytes')).toBeNull();
    expect(metricDirection('one.points')).toBeNull();
    // A percentile's name alone says nothing without a ...Ms parent.
    expect(metricDirection('one.ingestIntervals.max')).toBeNull();
    expect(metricDirection('seed')).toBeNull();
  });
});

describe('flattening metrics', () => {
  it('keeps finite numbers by dotted path, and leaves arrays, strings, booleans and nulls out', () => {
    const flat = flattenMetrics({
      a: 1,
      b: { c: 2.5, d: 'x', e: true, f: null, g: [1, 2], h: { i: Number.POSITIVE_INFINITY, j: -3 } },
    });
    expect([...flat]).toEqual([
      ['a', 1],
      ['b.c', 2.5],
      ['b.h.j', -3],
    ]);
  });

  it('stops at a bounded depth', () => {
    let deep: Record<string, unknown> = { value: 1 };
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(flattenMetrics(deep).size).toBe(0);
  });

  it('refuses more metrics than its bound', () => {
    const huge = Object.fromEntries(Array.from({ length: 100_001 }, (_, i) => [`m${i}`, i]));
    expect(() => flattenMetrics(huge)).toThrow(/invariant/);
  });
});

describe('comparing two results', () => {
  const a = resultWith({
    one: { ingestPointsPerSec: 400, ingestSeconds: 2, points: 10, walBytes: 0, onlyInA: 1 },
    latencyMs: { 'one.write': { p99: 4, count: 10 } },
  });
  const b = resultWith({
    one: { ingestPointsPerSec: 100, ingestSeconds: 8, points: 10, walBytes: 5 },
    latencyMs: { 'one.write': { p99: 2, count: 10 } },
  });

  it('lines up the shared metrics with A/B and A advantage in the right direction', () => {
    const rows = compareMetrics(a, b);
    const byName = Object.fromEntries(rows.map((r) => [r.metric, r]));
    expect(Object.keys(byName)).toEqual([
      'one.ingestPointsPerSec',
      'one.ingestSeconds',
      'one.points',
      'one.walBytes',
      'latencyMs.one.write.p99',
      'latencyMs.one.write.count',
    ]);
    expect(byName['one.ingestPointsPerSec']).toMatchObject({ ratio: 4, advantage: 4, direction: 'higher' });
    expect(byName['one.ingestSeconds']).toMatchObject({ ratio: 0.25, advantage: 4, direction: 'lower' });
    expect(byName['latencyMs.one.write.p99']).toMatchObject({ ratio: 2, advantage: 0.5 });
    expect(byName['one.points']).toMatchObject({ ratio: 1, advantage: null, direction: null });
    // A zero on either side: no advantage (no division by zero, no infinite ratio gated).
    expect(byName['one.walBytes']).toMatchObject({ ratio: 0, advantage: null });
    expect(compareMetrics(b, a).find((r) => r.metric === 'one.walBytes')?.ratio).toBeNull();
  });

  it('filters by a pattern and lists the directed metrics below a ratio', () => {
    const rows = compareMetrics(a, b, /^one\./);
    expect(rows.map((r) => r.metric)).not.toContain('latencyMs.one.write.p99');
    const all = compareMetrics(a, b);
    expect(rowsBelow(all, 0.6).map((r) => r.metric)).toEqual(['latencyMs.one.write.p99']);
    expect(rowsBelow(all, 0.5)).toEqual([]);
  });

  it('prints an aligned table and a header line per result', () => {
    const table = formatTable(compareMetrics(a, b));
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^metric\s+A\s+B\s+A\/B\s+A advantage$/);
    expect(lines[1]).toMatch(/^-+\s+-+/);
    expect(table).toMatch(/one\.ingestSeconds\s+2\s+8\s+0\.250\s+4\.000 \(lower is better\)/);
    expect(describeResult('A', 'a.json', a)).toBe(
      'A: a.json: scale on omendb 0.1.0 (embedded), profile ci, points 1000, seed 7, passed',
    );
    expect(describeResult('B', 'b.json', resultWith({}, { params: {} }))).not.toMatch(/points/);
  });

  it('formats numbers compactly', () => {
    expect(formatNumber(1_000_000)).toBe('1000000');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1234.5678)).toBe('1235');
    expect(formatNumber(0.00001234)).toBe('1.234e-5');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(2e20)).toBe('2.000e+20');
  });
});
