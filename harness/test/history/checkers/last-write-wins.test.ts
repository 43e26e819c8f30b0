import { describe, expect, it } from 'vitest';
import { checkLastWriteWins } from '../../../src/history/checkers/last-write-wins.ts';
import { HandHistory, stateOf } from './hand-history.ts';

describe('checkLastWriteWins', () => {
  it('passes when the last of sequential overwrites holds', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    h.write('s', [[1, 2]]);
    h.write('s', [[1, 3]]);
    h.write('s', [[7, 7]]);
    const result = checkLastWriteWins(
      h,
      stateOf({
        s: [
          [1, 3],
          [7, 7],
        ],
      }),
    );
    expect(result.pass).toBe(true);
    expect(result.counts).toEqual({ checked: 1, stale: 0, wrong: 0 });
  });

  it('counts an earlier value as stale', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    h.write('s', [[1, 2]]);
    const result = checkLastWriteWins(h, stateOf({ s: [[1, 1]] }));
    expect(result.pass).toBe(false);
    expect(result.counts.stale).toBe(1);
    expect(result.examples[0]).toMatchObject({ kind: 'stale', key: '1', detail: { expected: 2, actual: 1 } });
  });

  it('counts a missing key or a foreign value as wrong', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    h.write('s', [[1, 2]]);
    expect(checkLastWriteWins(h, stateOf({})).counts.wrong).toBe(1);
    expect(checkLastWriteWins(h, stateOf({ s: [[1, 42]] })).counts.wrong).toBe(1);
  });

  it('applies inside one batch: the last occurrence wins', () => {
    const h = new HandHistory();
    h.write('s', [
      [1, 1],
      [1, 2],
    ]);
    expect(checkLastWriteWins(h, stateOf({ s: [[1, 2]] })).pass).toBe(true);
    expect(checkLastWriteWins(h, stateOf({ s: [[1, 1]] })).counts.stale).toBe(1);
  });

  it('skips keys with concurrent, unknown or failed-free ambiguity, and keys ending in a delete', () => {
    const concurrent = new HandHistory();
    concurrent.write('s', [[1, 1]], { at: [0, 10] });
    concurrent.write('s', [[1, 2]], { at: [5, 15] });
    expect(checkLastWriteWins(concurrent, stateOf({ s: [[1, 1]] })).counts.checked).toBe(0);
    const unknown = new HandHistory();
    unknown.write('s', [[1, 1]]);
    unknown.write('s', [[1, 2]], { outcome: 'unknown' });
    expect(checkLastWriteWins(unknown, stateOf({ s: [[1, 1]] })).counts.checked).toBe(0);
    const deleted = new HandHistory();
    deleted.write('s', [[1, 1]]);
    deleted.write('s', [[1, 2]]);
    deleted.drop('s');
    expect(checkLastWriteWins(deleted, stateOf({})).counts.checked).toBe(0);
  });

  it('still judges a key written after a delete, and ignores failed writes', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    h.deleteRange('s', 0, 5);
    h.write('s', [[1, 2]]);
    h.write('s', [[1, 3]], { outcome: 'fail' });
    expect(checkLastWriteWins(h, stateOf({ s: [[1, 2]] })).pass).toBe(true);
    expect(checkLastWriteWins(h, stateOf({ s: [[1, 3]] })).counts.wrong).toBe(1);
  });
});
