import { describe, expect, it } from 'vitest';
import { checkDeletesStayDeleted } from '../../../src/history/checkers/deletes-stay-deleted.ts';
import { HandHistory, stateOf } from './hand-history.ts';

describe('checkDeletesStayDeleted', () => {
  it('passes when deleted keys stay absent', () => {
    const h = new HandHistory();
    h.write('s', [
      [1, 1],
      [2, 2],
      [9, 9],
    ]);
    h.deleteRange('s', 1, 2);
    const result = checkDeletesStayDeleted(h, stateOf({ s: [[9, 9]] }));
    expect(result.pass).toBe(true);
    expect(result.counts).toEqual({ checked: 2, resurrected: 0 });
  });

  it('counts a deleted key that comes back as resurrected', () => {
    const h = new HandHistory();
    h.write('s', [
      [1, 1],
      [2, 2],
    ]);
    h.deleteRange('s', 1, 2);
    const result = checkDeletesStayDeleted(h, stateOf({ s: [[2, 2]] }));
    expect(result.pass).toBe(false);
    expect(result.counts.resurrected).toBe(1);
    expect(result.examples[0]).toMatchObject({ kind: 'resurrected', key: '2', detail: { actual: 2 } });
  });

  it('covers dropSeries and open-ended ranges, extreme keys included', () => {
    const h = new HandHistory();
    h.write('s', [
      [-(2n ** 63n), 1],
      [2n ** 63n - 1n, 2],
    ]);
    h.write('t', [[0, 0]]);
    h.deleteRange('s', undefined, 0);
    h.drop('t');
    const result = checkDeletesStayDeleted(
      h,
      stateOf({
        s: [
          [-(2n ** 63n), 1],
          [2n ** 63n - 1n, 2],
        ],
        t: [[0, 0]],
      }),
    );
    expect(result.counts).toEqual({ checked: 2, resurrected: 2 });
  });

  it('accepts a key written again after the delete, concurrently with it, or by an unknown write', () => {
    const later = new HandHistory();
    later.write('s', [[1, 1]]);
    later.deleteRange('s', 1, 1);
    later.write('s', [[1, 2]]);
    expect(checkDeletesStayDeleted(later, stateOf({ s: [[1, 2]] })).pass).toBe(true);
    const concurrent = new HandHistory();
    concurrent.write('s', [[1, 1]], { at: [0, 10] });
    concurrent.deleteRange('s', 1, 1, { at: [5, 12] });
    expect(checkDeletesStayDeleted(concurrent, stateOf({ s: [[1, 1]] })).pass).toBe(true);
    const unknown = new HandHistory();
    unknown.write('s', [[1, 1]], { outcome: 'unknown' });
    unknown.deleteRange('s', 1, 1);
    expect(checkDeletesStayDeleted(unknown, stateOf({ s: [[1, 1]] })).pass).toBe(true);
  });

  it('judges by the latest acknowledged delete, and ignores unknown and failed deletes', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    h.deleteRange('s', 0, 5);
    h.write('s', [[1, 2]]);
    h.deleteRange('s', 1, 1);
    h.deleteRange('s', 1, 1, { outcome: 'unknown' });
    h.deleteRange('s', 1, 1, { outcome: 'fail' });
    expect(checkDeletesStayDeleted(h, stateOf({ s: [[1, 2]] })).counts.resurrected).toBe(1);
    const onlyUnknown = new HandHistory();
    onlyUnknown.write('s', [[1, 1]]);
    onlyUnknown.deleteRange('s', 1, 1, { outcome: 'unknown' });
    expect(checkDeletesStayDeleted(onlyUnknown, stateOf({ s: [[1, 1]] })).counts.checked).toBe(0);
  });
});
