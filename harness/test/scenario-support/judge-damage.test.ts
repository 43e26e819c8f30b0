import { MapModel, type ModelOp } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { EngineState } from '../../src/history/history.ts';
import type { CorruptionFixture } from '../../src/scenario-support/corruption-fixture.ts';
import type { Damage } from '../../src/scenario-support/damage.ts';
import { judgeDamage, type OpenResult, tornTailPrefix } from '../../src/scenario-support/judge-damage.ts';

// A fixture of three WAL records at [16, 40), [40, 70), [70, 100) after a checkpointed point.
const ops: ModelOp[] = [
  { kind: 'put', series: 's', points: [[0n, 0]] },
  { kind: 'put', series: 's', points: [[1n, 1]] },
  {
    kind: 'put',
    series: 's',
    points: [
      [1n, 10],
      [2n, 2],
    ],
  },
  { kind: 'put', series: 's', points: [[3n, 3]] },
];
const fingerprints: string[] = [];
const models: MapModel[] = [];
for (let k = 1; k <= ops.length; k++) {
  const model = new MapModel();
  for (const op of ops.slice(0, k)) model.apply(op);
  fingerprints.push(model.fingerprint());
  models.push(model);
}
const fixture: CorruptionFixture = {
  files: new Map([
    ['wal/wal-1.log', new Uint8Array(100)],
    ['MANIFEST', new Uint8Array(50)],
  ]),
  walFile: 'wal/wal-1.log',
  walRecords: [
    { start: 16, end: 40 },
    { start: 40, end: 70 },
    { start: 70, end: 100 },
  ],
  prefixFingerprints: fingerprints,
  model: models[3] as MapModel,
  points: 4,
};

const opened = (k: number): OpenResult => ({
  opened: true,
  fingerprint: fingerprints[k] as string,
  state: (models[k] as MapModel).series as EngineState,
});
const flip = (file: string, offset: number): Damage => ({
  kind: 'bit-flip',
  file,
  offset,
  length: 1,
  bit: 0,
});
const cut = (offset: number): Damage => ({
  kind: 'truncate',
  file: fixture.walFile,
  offset,
  length: 100 - offset,
});

describe('judgeDamage', () => {
  it('finds the torn tail: the records before the damage, when nothing intact follows', () => {
    expect(tornTailPrefix(fixture, flip('MANIFEST', 3))).toBeUndefined();
    expect(tornTailPrefix(fixture, flip(fixture.walFile, 20))).toBeUndefined();
    expect(tornTailPrefix(fixture, flip(fixture.walFile, 75))).toBe(2);
    expect(tornTailPrefix(fixture, cut(40))).toBe(1);
    expect(tornTailPrefix(fixture, cut(3))).toBe(0);
    const zeroToEnd: Damage = { kind: 'zero-page', file: fixture.walFile, offset: 0, length: 100 };
    expect(tornTailPrefix(fixture, zeroToEnd)).toBe(0);
  });

  it('accepts a refusal with a damage code, an intact state, and a torn tail', () => {
    const refused: OpenResult = { opened: false, code: 'OMENDB_ERR_WAL_CORRUPT' };
    expect(judgeDamage(fixture, flip(fixture.walFile, 20), false, refused).verdict).toBe('detected');
    expect(judgeDamage(fixture, flip('MANIFEST', 1), false, opened(3)).verdict).toBe('intact');
    const torn = judgeDamage(fixture, cut(50), false, opened(1));
    expect(torn).toEqual({ verdict: 'torn-tail', wrongValues: 0, lostPoints: 2 });
  });

  it('names every way a damage can go wrong', () => {
    expect(
      judgeDamage(fixture, flip('MANIFEST', 1), false, { opened: false, code: 'OMENDB_ERR_INTERNAL' })
        .verdict,
    ).toBe('unexpected-error');
    const noop: Damage = { kind: 'zero-page', file: 'MANIFEST', offset: 0, length: 50 };
    expect(
      judgeDamage(fixture, noop, true, { opened: false, code: 'OMENDB_ERR_MANIFEST_CORRUPT' }).verdict,
    ).toBe('false-alarm');
    // Mid-log damage with intact records after it: losing them silently is not a torn tail, and
    // the older value left at key 1 is a wrong value.
    expect(judgeDamage(fixture, flip(fixture.walFile, 20), false, opened(1))).toEqual({
      verdict: 'wrong-value',
      wrongValues: 1,
      lostPoints: 2,
    });
    expect(judgeDamage(fixture, flip(fixture.walFile, 20), false, opened(0)).verdict).toBe('undetected-loss');
    // A state no prefix has: a value that was never acknowledged there.
    const garbage: EngineState = new Map([
      [
        's',
        new Map([
          [0n, 0],
          [1n, 10],
          [2n, 2],
          [3n, 33],
        ]),
      ],
    ]);
    expect(judgeDamage(fixture, cut(90), false, { opened: true, fingerprint: 'x', state: garbage })).toEqual({
      verdict: 'wrong-value',
      wrongValues: 1,
      lostPoints: 0,
    });
    // Data lost without any wrong value, and not in the torn-tail way.
    const lost: EngineState = new Map([
      [
        's',
        new Map([
          [0n, 0],
          [1n, 10],
          [2n, 2],
        ]),
      ],
    ]);
    expect(
      judgeDamage(fixture, flip('MANIFEST', 0), false, { opened: true, fingerprint: 'y', state: lost }),
    ).toEqual({
      verdict: 'undetected-loss',
      wrongValues: 0,
      lostPoints: 1,
    });
  });
});
