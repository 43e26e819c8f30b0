import { describe, expect, it } from 'vitest';
import { checkAtomicBatches } from '../../../src/history/checkers/atomic-batches.ts';
import { checkerChecks } from '../../../src/history/checkers/checker-result.ts';
import { HandHistory, stateOf } from './hand-history.ts';

const batch = [
  [1, 1],
  [2, 2],
  [3, 3],
] as const;

describe('checkAtomicBatches', () => {
  it('accepts an unknown batch wholly present or wholly absent', () => {
    const h = new HandHistory();
    h.write('s', batch, { outcome: 'unknown' });
    const present = checkAtomicBatches(h, stateOf({ s: batch }));
    expect(present.pass).toBe(true);
    expect(present.counts).toEqual({ checked: 1, partial: 0, unstable: 0, present: 1, absent: 0 });
    const absent = checkAtomicBatches(h, stateOf({}));
    expect(absent.counts).toEqual({ checked: 1, partial: 0, unstable: 0, present: 0, absent: 1 });
  });

  it('counts a half-applied batch as partial', () => {
    const h = new HandHistory();
    h.write('s', batch, { outcome: 'unknown' });
    const result = checkAtomicBatches(h, stateOf({ s: [[1, 1]] }));
    expect(result.pass).toBe(false);
    expect(result.counts.partial).toBe(1);
    expect(result.examples[0]).toMatchObject({
      kind: 'partial',
      series: 's',
      detail: { applied: 1, keys: 3 },
    });
    expect(checkerChecks(result).map((c) => [c.name, c.pass])).toEqual([
      ['atomic-batches.partial', false],
      ['atomic-batches.unstable', true],
    ]);
  });

  it('counts a batch judged differently after a restart as unstable', () => {
    const h = new HandHistory();
    h.write('s', batch, { outcome: 'unknown' });
    const result = checkAtomicBatches(h, stateOf({ s: batch }), { laterState: stateOf({}) });
    expect(result.counts).toMatchObject({ unstable: 1, partial: 0 });
    expect(checkAtomicBatches(h, stateOf({ s: batch }), { laterState: stateOf({ s: batch }) }).pass).toBe(
      true,
    );
    const torn = checkAtomicBatches(h, stateOf({}), { laterState: stateOf({ s: [[2, 2]] }) });
    expect(torn.counts).toMatchObject({ unstable: 1, partial: 1 });
  });

  it('ignores acknowledged and failed batches (set-full judges those)', () => {
    const h = new HandHistory();
    h.write('s', batch);
    h.write('t', batch, { outcome: 'fail' });
    expect(checkAtomicBatches(h, stateOf({ s: [[1, 1]] })).counts.checked).toBe(0);
  });

  it('judges only keys whose other operations were acknowledged before the batch', () => {
    const h = new HandHistory();
    h.write('s', [[1, 10]]);
    h.write('s', [[2, 20]]);
    h.write('s', [[3, 3]], { outcome: 'unknown' });
    h.write('s', batch, { outcome: 'unknown' });
    h.write('s', [[2, 99]]);
    h.deleteRange('s', 5, 6);
    // Key 1: an earlier ok write (10): evaluable. Key 2: a later write: not. Key 3: another
    // unknown write with the same value: not. So only key 1 judges the batch; the batch [3] has
    // no evaluable key (the later unknown batch writes it too) and is not counted.
    expect(checkAtomicBatches(h, stateOf({ s: [[1, 1]] })).counts).toMatchObject({ checked: 1, present: 1 });
    expect(checkAtomicBatches(h, stateOf({ s: [[1, 10]] })).counts).toMatchObject({ absent: 1 });
  });

  it('skips keys that an earlier write set to the same value, or that a later delete covers', () => {
    const h = new HandHistory();
    h.write('s', [[1, 1]]);
    h.write(
      's',
      [
        [1, 1],
        [2, 2],
      ],
      { outcome: 'unknown' },
    );
    h.deleteRange('s', 2, 2);
    expect(checkAtomicBatches(h, stateOf({ s: [[1, 1]] })).counts.checked).toBe(0);
  });
});
