import { describe, expect, it } from 'vitest';
import { checkerChecks, ViolationTally } from '../../../src/history/checkers/checker-result.ts';

describe('ViolationTally and checkerChecks', () => {
  it('counts every violation, keeps a few examples, and fails on any', () => {
    const tally = new ViolationTally<'lost'>('demo', ['lost'], { examplesMax: 1 }, ['present']);
    tally.checked();
    tally.add('lost', 's', 1n, { why: 'a' });
    tally.add('lost', 's', undefined, { why: 'b' });
    tally.count('present', 2);
    tally.count('other');
    const result = tally.result();
    expect(result.counts).toEqual({ checked: 1, lost: 2, present: 2, other: 1 });
    expect(result.examples).toEqual([{ kind: 'lost', series: 's', key: '1', detail: { why: 'a' } }]);
    expect(result.pass).toBe(false);
    expect(checkerChecks(result)).toEqual([{ name: 'demo.lost', pass: false, value: 2, threshold: '== 0' }]);
  });

  it('passes with no violation, and checks a count the result lacks as 0', () => {
    const result = new ViolationTally<'lost'>('demo', ['lost']).result();
    expect(result.pass).toBe(true);
    expect(result.examples).toEqual([]);
    expect(checkerChecks({ ...result, mustBeZero: ['absent'] })).toEqual([
      { name: 'demo.absent', pass: true, value: 0, threshold: '== 0' },
    ]);
  });
});
