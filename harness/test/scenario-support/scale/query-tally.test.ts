import { describe, expect, it } from 'vitest';
import { scaleExamplesMax } from '../../../src/limits.ts';
import { QueryTally } from '../../../src/scenario-support/scale/query-tally.ts';

describe('a query tally', () => {
  it('counts every query and mismatch, keeping a bounded number of examples', () => {
    const tally = new QueryTally();
    tally.record(undefined);
    for (let i = 0; i < scaleExamplesMax + 5; i++) tally.record(`wrong ${i}`);
    expect(tally.checked).toBe(scaleExamplesMax + 6);
    expect(tally.mismatches).toBe(scaleExamplesMax + 5);
    const json = tally.toJSON();
    expect(json.examples).toHaveLength(scaleExamplesMax);
    expect(json.examples[0]).toBe('wrong 0');
  });
});
