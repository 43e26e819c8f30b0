import { describe, expect, it } from 'vitest';
import { durabilityExamplesMax } from '../../src/limits.ts';
import { Counter, ViolationTally } from '../../src/scenario-support/violations.ts';

describe('violation tally and counter', () => {
  it('counts every violation, keeps the first few as examples, lists asked kinds at 0', () => {
    const tally = new ViolationTally();
    expect(tally.total).toBe(0);
    for (let i = 0; i < durabilityExamplesMax + 5; i++)
      tally.add(i % 2 === 0 ? 'lost' : 'wrong', `case ${i}`);
    expect(tally.total).toBe(durabilityExamplesMax + 5);
    expect(tally.examples()).toHaveLength(durabilityExamplesMax);
    expect(tally.examples()[0]).toBe('lost: case 0');
    const byKind = tally.byKind(['partial', 'lost']);
    expect(byKind).toEqual({ partial: 0, lost: 13, wrong: 12 });
  });

  it('counts names, sorted in JSON', () => {
    const counter = new Counter();
    counter.add('b');
    counter.add('a', 3);
    counter.add('b');
    expect(counter.get('a')).toBe(3);
    expect(counter.get('none')).toBe(0);
    expect(JSON.stringify(counter)).toBe('{"a":3,"b":2}');
  });
});
