import type { EngineState } from '../history/history.ts';
import type { CorruptionFixture } from './corruption-fixture.ts';
import type { Damage } from './damage.ts';
import { diffStates } from './state-diff.ts';

/**
 * The verdict on one damaged directory. Allowed:
 * - detected: open refused with a registry code that names damage (*_CORRUPT, VERSION_UNSUPPORTED);
 * - intact: open succeeded and the engine holds exactly the acknowledged state;
 * - torn-tail: the damage reaches the end of the WAL with no intact record after it, and the
 *   engine holds the state before the first damaged record: what the engine documents for a
 *   torn tail ("recovery cuts a torn tail"; `omendb check` calls it a warning). A truncated WAL is
 *   this case: nothing on disk says more records were ever there.
 * Violations: a wrong or invented value (wrong-value), data lost any other way (undetected-loss),
 * an error without a damage code (unexpected-error), and a refusal of undamaged bytes (false-alarm).
 */

export type DamageVerdict =
  | 'detected'
  | 'intact'
  | 'torn-tail'
  | 'wrong-value'
  | 'undetected-loss'
  | 'unexpected-error'
  | 'false-alarm';

export const allowedVerdicts: ReadonlySet<DamageVerdict> = new Set(['detected', 'intact', 'torn-tail']);

/** The registry codes that say "this directory is damaged". */
export const damageCodes: ReadonlySet<string> = new Set([
  'OMENDB_ERR_WAL_CORRUPT',
  'OMENDB_ERR_SEGMENT_CORRUPT',
  'OMENDB_ERR_MANIFEST_CORRUPT',
  'OMENDB_ERR_VERSION_UNSUPPORTED',
]);

export type OpenResult =
  | { readonly opened: true; readonly fingerprint: string; readonly state: EngineState }
  | { readonly opened: false; readonly code: string };

export interface DamageJudgement {
  readonly verdict: DamageVerdict;
  /** Points whose value differs from, or that are not in, the acknowledged state. */
  readonly wrongValues: number;
  /** Points of the acknowledged state the engine no longer holds. */
  readonly lostPoints: number;
}

/**
 * How many WAL-only batches may survive the damage as a torn tail: the records before the first
 * damaged one, when no record after the damage is intact; undefined when the damage is not a tail.
 */
export function tornTailPrefix(fixture: CorruptionFixture, damage: Damage): number | undefined {
  if (damage.file !== fixture.walFile) return undefined;
  const end = damage.offset + damage.length;
  if (fixture.walRecords.some((record) => record.start >= end)) return undefined;
  const first = fixture.walRecords.findIndex((record) => record.end > damage.offset);
  return first === -1 ? fixture.walRecords.length : first;
}

export function judgeDamage(
  fixture: CorruptionFixture,
  damage: Damage,
  noop: boolean,
  open: OpenResult,
): DamageJudgement {
  if (!open.opened) {
    const verdict: DamageVerdict = !damageCodes.has(open.code)
      ? 'unexpected-error'
      : noop
        ? 'false-alarm'
        : 'detected';
    return { verdict, wrongValues: 0, lostPoints: 0 };
  }
  const full = fixture.prefixFingerprints[fixture.prefixFingerprints.length - 1];
  if (open.fingerprint === full) return { verdict: 'intact', wrongValues: 0, lostPoints: 0 };
  const diff = diffStates(fixture.model.series, open.state);
  const prefix = noop ? undefined : tornTailPrefix(fixture, damage);
  if (prefix !== undefined && open.fingerprint === fixture.prefixFingerprints[prefix])
    return { verdict: 'torn-tail', wrongValues: 0, lostPoints: diff.missing };
  const wrongValues = diff.wrong + diff.extra;
  return {
    verdict: wrongValues > 0 ? 'wrong-value' : 'undetected-loss',
    wrongValues,
    lostPoints: diff.missing,
  };
}
