import { describe, expect, it } from 'vitest';
import { asNumber, resolveMetricPath } from '../../src/readiness/metric-path.ts';
import { applyBaseline, applyRule, describeRule, reportPasses } from '../../src/readiness/score.ts';
import type { CategoryResult, ReadinessReport } from '../../src/readiness/types.ts';

const measured = (value: number | string | boolean | null, pass?: boolean) => ({
  value,
  detail: '',
  files: [],
  ...(pass === undefined ? {} : { pass }),
});

describe('score rules', () => {
  it('pass, percent, linear either way, proportion and equals', () => {
    expect(applyRule({ type: 'pass' }, measured(0, true)).score).toBe(100);
    expect(applyRule({ type: 'pass' }, measured(0, false)).score).toBe(0);
    expect(applyRule({ type: 'pass' }, measured(5)).problem).toMatch(/no pass\/fail/);
    expect(applyRule({ type: 'percent' }, measured(87.5)).score).toBe(87.5);
    expect(applyRule({ type: 'percent' }, measured(120)).score).toBe(100);
    expect(applyRule({ type: 'linear', zeroAt: 10, fullAt: 20 }, measured(15)).score).toBe(50);
    expect(applyRule({ type: 'linear', zeroAt: 10, fullAt: 20 }, measured(5)).score).toBe(0);
    expect(applyRule({ type: 'linear', zeroAt: 1000, fullAt: 250 }, measured(100)).score).toBe(100);
    expect(applyRule({ type: 'linear', zeroAt: 1000, fullAt: 250 }, measured(625)).score).toBe(50);
    expect(applyRule({ type: 'proportion', of: 86_400 }, measured(60)).score).toBeCloseTo(0.0694, 4);
    expect(applyRule({ type: 'proportion', of: 10 }, measured(20)).score).toBe(100);
    expect(applyRule({ type: 'equals', equals: 0 }, measured(0)).score).toBe(100);
    expect(applyRule({ type: 'equals', equals: 0 }, measured(1)).score).toBe(0);
    expect(applyRule({ type: 'percent' }, measured('abc'))).toEqual({
      score: 0,
      problem: 'the value abc is not a number',
    });
  });

  it('describes each rule', () => {
    expect(describeRule({ type: 'pass' })).toBe('pass: 100, fail: 0');
    expect(describeRule({ type: 'percent' })).toBe('the percentage itself');
    expect(describeRule({ type: 'linear', zeroAt: 1, fullAt: 2 })).toBe(
      '0 at <= 1, 100 at >= 2, linear between',
    );
    expect(describeRule({ type: 'linear', zeroAt: 2, fullAt: 1 })).toBe(
      '0 at >= 2, 100 at <= 1, linear between',
    );
    expect(describeRule({ type: 'proportion', of: 3 })).toBe('value / 3 x 100');
    expect(describeRule({ type: 'equals', equals: 0 })).toBe('== 0');
  });
});

const category = (id: string, score: number, extra: Partial<CategoryResult> = {}): CategoryResult => ({
  id,
  name: id,
  required: 50,
  score,
  previous: null,
  status: score >= 50 ? 'pass' : 'fail',
  informational: false,
  checks: [],
  ...extra,
});

describe('baseline and verdict', () => {
  it('previous from the baseline, regression only beyond the tolerance', () => {
    const baseline = {
      categories: [category('a', 80), category('b', 80), category('c', 60)],
    } as unknown as ReadinessReport;
    const [a, b, c, d] = applyBaseline(
      [category('a', 79.5), category('b', 70), category('c', 90), category('d', 10)],
      baseline,
    );
    expect(a).toMatchObject({ previous: 80 });
    expect(a?.regression).toBeUndefined();
    expect(b).toMatchObject({ previous: 80, regression: 10 });
    expect(c?.regression).toBeUndefined();
    expect(d?.previous).toBeNull();
    expect(applyBaseline([category('a', 1)], null)[0]?.previous).toBeNull();
  });

  it('passes when every non-informational category passes', () => {
    expect(
      reportPasses([category('a', 60), category('b', 0, { status: 'informational', informational: true })]),
    ).toBe(true);
    expect(reportPasses([category('a', 60), category('b', 40)])).toBe(false);
  });
});

describe('metric paths', () => {
  it('resolves keys holding dots, and numbers stored as strings', () => {
    const metrics = { latencyMs: { 'one.write': { p99: 3 } }, one: { points: '12' }, a: { b: { c: 1 } } };
    expect(resolveMetricPath(metrics, 'latencyMs.one.write.p99')).toBe(3);
    expect(resolveMetricPath(metrics, 'a.b.c')).toBe(1);
    expect(resolveMetricPath(metrics, 'a.x')).toBeUndefined();
    expect(resolveMetricPath(metrics, 'a.b.c.d')).toBeUndefined();
    expect(asNumber(resolveMetricPath(metrics, 'one.points'))).toBe(12);
    expect(asNumber('1e3')).toBeNull();
    expect(asNumber(Number.NaN)).toBeNull();
    expect(asNumber(true)).toBeNull();
  });
});
