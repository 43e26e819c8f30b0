import type { EngineState } from '../history.ts';
import type { CheckerOptions, CheckerResult } from './checker-result.ts';
import { ViolationTally } from './checker-result.ts';
import type { HistoryView, KeyDelete, KeyWrite } from './history-index.ts';
import { HistoryIndex } from './history-index.ts';

/**
 * set-full: every acknowledged write is in the final state with its exact value, unless a later
 * operation may have replaced it, and nothing is there that no write ever sent.
 *
 * Per key, the candidate last operations are the acknowledged ones that no acknowledged
 * operation on the key was invoked after (their effects are the latest we know of), plus every
 * unknown one (it may have taken effect at any time, even late). Then:
 * - present with a value some candidate write left: fine;
 * - present with a value only a superseded write sent (or an occurrence of the key that a later
 *   one in the same batch overwrote): wrongValue (a lost update, a stale value);
 * - present with a value no ok or unknown write ever sent to the key: neverWritten;
 * - absent while an acknowledged write is a candidate and no candidate deletes: lost.
 */

export type SetFullViolation = 'lost' | 'wrongValue' | 'neverWritten';

export function checkSetFull(
  view: HistoryView,
  state: EngineState,
  options: CheckerOptions = {},
): CheckerResult {
  const tally = new ViolationTally<SetFullViolation>(
    'set-full',
    ['lost', 'wrongValue', 'neverWritten'],
    options,
  );
  const index = new HistoryIndex(view);
  for (const series of index.seriesNames(state)) {
    for (const [key, deletes] of index.keysWithDeletes(series, state)) {
      tally.checked();
      const writes = index.writesAt(series, key);
      const latestOkInvoke = latestAcknowledgedInvoke(writes, deletes);
      const isCandidate = (op: KeyWrite | KeyDelete) =>
        op.entry.outcome === 'unknown' || !(op.entry.completedAt < latestOkInvoke);
      const candidateWrites = writes.filter(isCandidate);
      const actual = state.get(series)?.get(key);
      if (actual === undefined) {
        const deleted = deletes.some(isCandidate);
        const acknowledged = candidateWrites.filter((w) => w.entry.outcome === 'ok');
        if (!deleted && acknowledged.length > 0)
          tally.add('lost', series, key, {
            expected: acknowledged.map((w) => w.value),
            writes: indexes(acknowledged),
          });
      } else if (!candidateWrites.some((w) => w.value === actual)) {
        const stale = writes.filter((w) => w.value === actual || w.earlier.includes(actual));
        if (stale.length > 0)
          tally.add('wrongValue', series, key, {
            actual,
            expected: candidateWrites.map((w) => w.value),
            staleFrom: indexes(stale),
          });
        else tally.add('neverWritten', series, key, { actual, written: writes.map((w) => w.value) });
      }
    }
  }
  return tally.result();
}

/** The latest invocation among the acknowledged operations on a key (-Infinity when none). */
function latestAcknowledgedInvoke(writes: readonly KeyWrite[], deletes: readonly KeyDelete[]): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const op of [...writes, ...deletes])
    if (op.entry.outcome === 'ok' && op.entry.invokedAt > latest) latest = op.entry.invokedAt;
  return latest;
}

function indexes(writes: readonly KeyWrite[]): number[] {
  return writes.map((w) => w.entry.index);
}
