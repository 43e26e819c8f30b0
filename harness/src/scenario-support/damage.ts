import type { Prng } from '@omendb/engine';
import { corruptionPageBytes } from '../limits.ts';

/**
 * Damage to one file of a data directory, as a disk or a careless operator does it: one flipped
 * bit, one 4 KiB page read back as zeros, or the file cut short. Drawn from a seeded generator,
 * so that a seed names the same damages on every run.
 */

export type DamageKind = 'bit-flip' | 'zero-page' | 'truncate';
export const damageKinds: readonly DamageKind[] = ['bit-flip', 'zero-page', 'truncate'];

export interface Damage {
  readonly kind: DamageKind;
  /** The damaged file, relative to the data directory ('wal/...', 'segments/...', 'MANIFEST'). */
  readonly file: string;
  /** First damaged byte: the flipped byte, the page start, or the new length of a truncated file. */
  readonly offset: number;
  /** Bytes from `offset` the damage reaches (to the old end of the file for a truncation). */
  readonly length: number;
  /** The flipped bit (0 to 7) of a bit flip. */
  readonly bit?: number;
}

/** Draws one damage of `kind` to `file` of `size` bytes (at least 1). */
export function drawDamage(prng: Prng, kind: DamageKind, file: string, size: number): Damage {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new Error(`OmenDB harness invariant violated: cannot damage ${file} of ${size} bytes`);
  switch (kind) {
    case 'bit-flip':
      return { kind, file, offset: prng.int(size), length: 1, bit: prng.int(8) };
    case 'zero-page': {
      const offset = prng.int(Math.ceil(size / corruptionPageBytes)) * corruptionPageBytes;
      return { kind, file, offset, length: Math.min(corruptionPageBytes, size - offset) };
    }
    case 'truncate': {
      // Every length from empty to one byte short: a truncation always removes something.
      const offset = prng.int(size);
      return { kind, file, offset, length: size - offset };
    }
  }
}

/** The damaged copy of `bytes` (never changes `bytes`). */
export function applyDamage(bytes: Uint8Array, damage: Damage): Uint8Array {
  if (damage.offset + damage.length > bytes.length)
    throw new Error(`OmenDB harness invariant violated: damage beyond the end of ${damage.file}`);
  switch (damage.kind) {
    case 'bit-flip': {
      const copy = bytes.slice();
      copy[damage.offset] = (copy[damage.offset] as number) ^ (1 << (damage.bit ?? 0));
      return copy;
    }
    case 'zero-page': {
      const copy = bytes.slice();
      copy.fill(0, damage.offset, damage.offset + damage.length);
      return copy;
    }
    case 'truncate':
      return bytes.slice(0, damage.offset);
  }
}

/** True when the damage leaves the bytes as they were (a page that already held only zeros). */
export function damageIsNoop(bytes: Uint8Array, damage: Damage): boolean {
  if (damage.kind !== 'zero-page') return false;
  return bytes.subarray(damage.offset, damage.offset + damage.length).every((b) => b === 0);
}

/** A short text naming the damage, for evidence and violation examples. */
export function describeDamage(damage: Damage): string {
  const where = `${damage.file}@${damage.offset}`;
  if (damage.kind === 'bit-flip') return `bit-flip ${where} bit ${damage.bit}`;
  if (damage.kind === 'zero-page') return `zero-page ${where}+${damage.length}`;
  return `truncate ${damage.file} to ${damage.offset} bytes`;
}
