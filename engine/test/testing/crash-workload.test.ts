import { describe, expect, it } from 'vitest';
import {
  acknowledgedPrefix,
  generateWorkload,
  matchingPrefix,
  runWorkload,
  type WorkloadOutcome,
  type WorkloadTarget,
} from '../../src/testing/crash-workload.ts';
import { MapModel, type ModelOp } from '../../src/testing/map-model.ts';
import { createPrng } from '../../src/util/prng.ts';

const put = (key: bigint, value: number): ModelOp => ({ kind: 'put', series: 's', points: [[key, value]] });

function fingerprintOf(ops: readonly ModelOp[]): string {
  const model = new MapModel();
  for (const op of ops) model.apply(op);
  return model.fingerprint();
}

describe('crash workload driver', () => {
  it('generates the same workload from the same seed', () => {
    expect(generateWorkload(createPrng(7), 12)).toEqual(generateWorkload(createPrng(7), 12));
    expect(generateWorkload(createPrng(7), 12)).not.toEqual(generateWorkload(createPrng(8), 12));
  });

  it('runs rounds until one has a refused step, skipping compact when the target has none', async () => {
    const calls: string[] = [];
    let writes = 0;
    const target: WorkloadTarget = {
      write: async () => {
        calls.push('write');
        if (++writes === 3) throw new Error('power lost');
      },
      deleteRange: async () => calls.push('deleteRange'),
      dropSeries: async () => calls.push('dropSeries'),
      checkpoint: async () => calls.push('checkpoint'),
    };
    const workload = [
      [{ kind: 'op', op: put(1n, 1) }, { kind: 'compact' }],
      [{ kind: 'op', op: put(2n, 2) }, { kind: 'checkpoint' }],
      [{ kind: 'op', op: put(3n, 3) }],
      [{ kind: 'op', op: put(4n, 4) }],
    ] as const;
    const outcome = await runWorkload(
      target,
      workload.map((round) => [...round]),
    );
    expect(calls).toEqual(['write', 'write', 'checkpoint', 'write']);
    expect(outcome.submitted).toHaveLength(3);
    expect([...outcome.acknowledged]).toEqual([0, 1]);
    expect(acknowledgedPrefix(outcome)).toBe(2);
  });

  it('matches a recovered state to the shortest prefix holding every acknowledged operation', () => {
    const submitted = [
      put(1n, 1),
      put(2n, 2),
      { kind: 'deleteRange', series: 's', from: 1n, to: 1n } as ModelOp,
    ];
    const outcome: WorkloadOutcome = { submitted, acknowledged: new Set([0]) };
    expect(acknowledgedPrefix(outcome)).toBe(1);
    expect(matchingPrefix(fingerprintOf(submitted.slice(0, 2)), outcome, 1)).toBe(2);
    expect(matchingPrefix(fingerprintOf(submitted), outcome, 1)).toBe(3);
    // Empty state: only a prefix of 0 operations, allowed when nothing had to survive.
    expect(matchingPrefix('', outcome, 0)).toBe(0);
    expect(matchingPrefix('', outcome, 1)).toBeUndefined();
    // A value no prefix leaves.
    expect(matchingPrefix(fingerprintOf([put(2n, 3)]), outcome, 0)).toBeUndefined();
  });

  it('matches on top of an initial state', () => {
    const initial = [put(9n, 9)];
    const outcome: WorkloadOutcome = { submitted: [put(1n, 1)], acknowledged: new Set([0]) };
    expect(matchingPrefix(fingerprintOf([...initial, put(1n, 1)]), outcome, 1, initial)).toBe(1);
    expect(matchingPrefix(fingerprintOf(initial), outcome, 0, initial)).toBe(0);
    expect(matchingPrefix(fingerprintOf(initial), outcome, 1, initial)).toBeUndefined();
    expect(matchingPrefix(fingerprintOf([put(1n, 1)]), outcome, 1, initial)).toBeUndefined();
  });
});
