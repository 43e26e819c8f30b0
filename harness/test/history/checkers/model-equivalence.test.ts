import { describe, expect, it } from 'vitest';
import { checkModelEquivalence } from '../../../src/history/checkers/model-equivalence.ts';
import { HandHistory, stateOf } from './hand-history.ts';

function sequentialHistory(): HandHistory {
  const h = new HandHistory();
  h.write('s', [
    [1, 1],
    [2, 2],
    [3, 3],
  ]);
  h.get('s', 2, 2);
  h.deleteRange('s', 3, undefined);
  h.get('s', 3, null);
  h.write('s', [[1, 10]], { outcome: 'fail' });
  h.range('s', { from: 1, limit: 1 }, 1);
  h.range('s', { after: 1 }, 1);
  h.range('s', {}, 2);
  h.write('t', [[5, 5]]);
  h.drop('t');
  return h;
}

describe('checkModelEquivalence', () => {
  it('passes when the final state and every recorded read match the replayed model', () => {
    const result = checkModelEquivalence(
      sequentialHistory(),
      stateOf({
        s: [
          [1, 1],
          [2, 2],
        ],
      }),
    );
    expect(result.pass).toBe(true);
    expect(result.counts).toEqual({
      checked: 2,
      missing: 0,
      extra: 0,
      wrongValue: 0,
      readMismatch: 0,
      unknownOutcome: 0,
      concurrent: 0,
    });
  });

  it('counts missing, extra and wrong values in the final state', () => {
    const result = checkModelEquivalence(
      sequentialHistory(),
      stateOf({
        s: [
          [2, 20],
          [4, 4],
        ],
        u: [[0, 0]],
      }),
    );
    expect(result.pass).toBe(false);
    expect(result.counts).toMatchObject({ checked: 4, missing: 1, extra: 2, wrongValue: 1 });
  });

  it('counts a recorded read that disagrees with the model at that point', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    h.get('s', 1, 0);
    h.get('s', 2, 0);
    h.range('s', { from: 0, to: 5 }, 3);
    h.range('s', { from: 0, to: 5, limit: 1 }, 1);
    const result = checkModelEquivalence(h, stateOf({ s: [[1, 1]] }));
    expect(result.counts.readMismatch).toBe(3);
    expect(result.examples.map((e) => e.kind)).toEqual(['readMismatch', 'readMismatch', 'readMismatch']);
  });

  it('refuses histories it cannot judge: unknown outcomes and overlapping operations', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]], { at: [0, 10] });
    h.write('s', [[2, 2]], { at: [5, 15], outcome: 'unknown' });
    const result = checkModelEquivalence(h, stateOf({ s: [[1, 1]] }));
    expect(result.counts).toMatchObject({ unknownOutcome: 1, concurrent: 1 });
    expect(result.pass).toBe(false);
  });
});
