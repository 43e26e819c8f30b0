import { describe, expect, it } from 'vitest';
import { checkerChecks } from '../../../src/history/checkers/checker-result.ts';
import { checkSetFull } from '../../../src/history/checkers/set-full.ts';
import { HandHistory, stateOf } from './hand-history.ts';

describe('checkSetFull', () => {
  it('passes when every acknowledged point is present with its value', () => {
    const h = new HandHistory();
    h.write('s', [
      [1, 1.5],
      [2, 2.5],
    ]);
    h.write('t', [[-(2n ** 63n), 3]]);
    const result = checkSetFull(
      h,
      stateOf({
        s: [
          [1, 1.5],
          [2, 2.5],
        ],
        t: [[-(2n ** 63n), 3]],
      }),
    );
    expect(result.pass).toBe(true);
    expect(result.counts).toEqual({ checked: 3, lost: 0, wrongValue: 0, neverWritten: 0 });
    expect(checkerChecks(result).every((c) => c.pass)).toBe(true);
  });

  it('counts an acknowledged point that is missing as lost', () => {
    const h = new HandHistory();
    h.write('s', [
      [1, 1],
      [2, 2],
    ]);
    const result = checkSetFull(h, stateOf({ s: [[1, 1]] }));
    expect(result.pass).toBe(false);
    expect(result.counts.lost).toBe(1);
    expect(result.examples[0]).toMatchObject({ kind: 'lost', series: 's', key: '2' });
    expect(checkerChecks(result).find((c) => c.name === 'set-full.lost')).toEqual({
      name: 'set-full.lost',
      pass: false,
      value: 1,
      threshold: '== 0',
    });
  });

  it('counts a whole missing series as lost', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    expect(checkSetFull(h, stateOf({})).counts.lost).toBe(1);
  });

  it('counts the value of an overwritten write as wrongValue (a lost update)', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    h.write('s', [[1, 2]]);
    const result = checkSetFull(h, stateOf({ s: [[1, 1]] }));
    expect(result.counts).toMatchObject({ wrongValue: 1, lost: 0, neverWritten: 0 });
    expect(checkSetFull(h, stateOf({ s: [[1, 2]] })).pass).toBe(true);
  });

  it('takes the last occurrence of a key inside a batch', () => {
    const h = new HandHistory();
    h.write('s', [
      [1, 1],
      [1, 2],
    ]);
    expect(checkSetFull(h, stateOf({ s: [[1, 2]] })).pass).toBe(true);
    expect(checkSetFull(h, stateOf({ s: [[1, 1]] })).counts.wrongValue).toBe(1);
  });

  it('counts a value no write sent, or a key never written, as neverWritten', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    const result = checkSetFull(
      h,
      stateOf({
        s: [
          [1, 9],
          [5, 5],
        ],
        u: [[0, 0]],
      }),
    );
    expect(result.counts).toMatchObject({ checked: 3, neverWritten: 3, lost: 0 });
  });

  it('counts a failed write that is present as neverWritten: it certainly did not happen', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]], { outcome: 'fail' });
    expect(checkSetFull(h, stateOf({ s: [[1, 1]] })).counts.neverWritten).toBe(1);
    expect(checkSetFull(h, stateOf({})).pass).toBe(true);
  });

  it('accepts either value of two concurrent acknowledged writes, but not neither', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]], { at: [0, 10] });
    h.write('s', [[1, 2]], { at: [5, 15] });
    expect(checkSetFull(h, stateOf({ s: [[1, 1]] })).pass).toBe(true);
    expect(checkSetFull(h, stateOf({ s: [[1, 2]] })).pass).toBe(true);
    expect(checkSetFull(h, stateOf({})).counts.lost).toBe(1);
  });

  it('accepts an unknown write present or absent, even after a later acknowledged overwrite', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]], { outcome: 'unknown' });
    expect(checkSetFull(h, stateOf({})).pass).toBe(true);
    expect(checkSetFull(h, stateOf({ s: [[1, 1]] })).pass).toBe(true);
    h.write('s', [[1, 2]]);
    expect(checkSetFull(h, stateOf({ s: [[1, 1]] })).pass).toBe(true);
    expect(checkSetFull(h, stateOf({})).counts.lost).toBe(1);
  });

  it('requires absence after an acknowledged delete or drop only when no write may follow', () => {
    const h = new HandHistory();
    h.write('s', [
      [1, 1],
      [5, 5],
    ]);
    h.deleteRange('s', 0, 2);
    expect(checkSetFull(h, stateOf({ s: [[5, 5]] })).pass).toBe(true);
    // The deleted key back with its old value is a superseded value: wrongValue.
    expect(
      checkSetFull(
        h,
        stateOf({
          s: [
            [1, 1],
            [5, 5],
          ],
        }),
      ).counts.wrongValue,
    ).toBe(1);
    h.drop('s');
    expect(checkSetFull(h, stateOf({})).pass).toBe(true);
    h.write('s', [[1, 3]]);
    expect(checkSetFull(h, stateOf({})).counts.lost).toBe(1);
    expect(checkSetFull(h, stateOf({ s: [[1, 3]] })).pass).toBe(true);
  });

  it('accepts absence when an unknown delete or a concurrent delete may have come last', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]], { at: [0, 10] });
    h.deleteRange('s', undefined, undefined, { at: [5, 12] });
    expect(checkSetFull(h, stateOf({})).pass).toBe(true);
    const u = new HandHistory();
    u.write('s', [[1, 1]]);
    u.deleteRange('s', 1, 1, { outcome: 'unknown' });
    expect(checkSetFull(u, stateOf({})).pass).toBe(true);
    expect(checkSetFull(u, stateOf({ s: [[1, 1]] })).pass).toBe(true);
  });

  it('reads the points of a history loaded from its file (inline only)', () => {
    const h = new HandHistory();
    h.write('s', [[3, 0.25]], { inlineOnly: true });
    expect(checkSetFull(h, stateOf({ s: [[3, 0.25]] })).pass).toBe(true);
    expect(checkSetFull(h, stateOf({})).counts.lost).toBe(1);
  });

  it('keeps at most examplesMax examples but counts every violation', () => {
    const h = new HandHistory();
    h.write(
      's',
      Array.from({ length: 20 }, (_, i) => [i, i] as const),
    );
    const result = checkSetFull(h, stateOf({}), { examplesMax: 3 });
    expect(result.counts.lost).toBe(20);
    expect(result.examples).toHaveLength(3);
  });
});
