import { createPrng } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { corruptionPageBytes } from '../../src/limits.ts';
import {
  applyDamage,
  damageIsNoop,
  damageKinds,
  describeDamage,
  drawDamage,
} from '../../src/scenario-support/damage.ts';

describe('damage', () => {
  it('draws damages inside the file, the same from the same seed', () => {
    const size = 3 * corruptionPageBytes + 100;
    for (const kind of damageKinds) {
      const a = createPrng(5);
      const b = createPrng(5);
      for (let i = 0; i < 200; i++) {
        const damage = drawDamage(a, kind, 'wal/x.log', size);
        expect(drawDamage(b, kind, 'wal/x.log', size)).toEqual(damage);
        expect(damage.offset).toBeGreaterThanOrEqual(0);
        expect(damage.offset + damage.length).toBeLessThanOrEqual(size);
        expect(damage.length).toBeGreaterThan(0);
        if (kind === 'zero-page') expect(damage.offset % corruptionPageBytes).toBe(0);
        if (kind === 'truncate') expect(damage.offset + damage.length).toBe(size);
        if (kind === 'bit-flip') expect(damage.bit).toBeLessThan(8);
      }
    }
  });

  it('refuses to damage an empty file', () => {
    expect(() => drawDamage(createPrng(1), 'bit-flip', 'MANIFEST', 0)).toThrow(/invariant/);
  });

  it('applies each kind to a copy', () => {
    const bytes = new Uint8Array(corruptionPageBytes + 10).fill(0xff);
    const flipped = applyDamage(bytes, { kind: 'bit-flip', file: 'f', offset: 3, length: 1, bit: 2 });
    expect(flipped[3]).toBe(0xff ^ 4);
    expect(flipped.filter((b, i) => b !== bytes[i])).toHaveLength(1);
    const zeroed = applyDamage(bytes, {
      kind: 'zero-page',
      file: 'f',
      offset: corruptionPageBytes,
      length: 10,
    });
    expect([...zeroed.subarray(corruptionPageBytes)]).toEqual(new Array(10).fill(0));
    expect(zeroed[corruptionPageBytes - 1]).toBe(0xff);
    const cut = applyDamage(bytes, { kind: 'truncate', file: 'f', offset: 7, length: bytes.length - 7 });
    expect(cut).toHaveLength(7);
    expect(bytes.every((b) => b === 0xff)).toBe(true);
    expect(() =>
      applyDamage(bytes, { kind: 'bit-flip', file: 'f', offset: bytes.length, length: 1 }),
    ).toThrow(/beyond the end/);
  });

  it('flips bit 0 when none is named', () => {
    expect(applyDamage(new Uint8Array([0]), { kind: 'bit-flip', file: 'f', offset: 0, length: 1 })[0]).toBe(
      1,
    );
  });

  it('knows a zeroed page that was already zeros changes nothing', () => {
    const bytes = new Uint8Array(20);
    bytes[15] = 1;
    expect(damageIsNoop(bytes, { kind: 'zero-page', file: 'f', offset: 0, length: 10 })).toBe(true);
    expect(damageIsNoop(bytes, { kind: 'zero-page', file: 'f', offset: 10, length: 10 })).toBe(false);
    expect(damageIsNoop(bytes, { kind: 'bit-flip', file: 'f', offset: 0, length: 1, bit: 0 })).toBe(false);
  });

  it('describes each kind', () => {
    expect(describeDamage({ kind: 'bit-flip', file: 'wal/a', offset: 5, length: 1, bit: 3 })).toBe(
      'bit-flip wal/a@5 bit 3',
    );
    expect(describeDamage({ kind: 'zero-page', file: 'MANIFEST', offset: 0, length: 99 })).toBe(
      'zero-page MANIFEST@0+99',
    );
    expect(describeDamage({ kind: 'truncate', file: 'segments/s', offset: 12, length: 4 })).toBe(
      'truncate segments/s to 12 bytes',
    );
  });
});
