import type { EngineState } from '../history.ts';
import type { CheckerOptions, CheckerResult } from './checker-result.ts';
import { ViolationTally } from './checker-result.ts';
import type { HistoryView, KeyDelete } from './history-index.ts';
import { HistoryIndex } from './history-index.ts';

/**
 * Deletes stay deleted: a key inside an acknowledged deleteRange or dropSeries must be absent
 * from the final state unless a write of that key may have come after the delete: an ok write
 * that did not complete before the delete was invoked, or any unknown write (it may have been
 * applied late). A key that comes back anyway is resurrected (a tombstone lost in compaction, a
 * WAL replay that undoes a delete).
 *
 * Of the acknowledged deletes covering a key, the latest invoked is the strictest: a write that
 * may follow it may follow every earlier one too.
 */

export type DeletesStayDeletedViolation = 'resurrected';

export function checkDeletesStayDeleted(
  view: HistoryView,
  state: EngineState,
  options: CheckerOptions = {},
): CheckerResult {
  const tally = new ViolationTally<DeletesStayDeletedViolation>(
    'deletes-stay-deleted',
    ['resurrected'],
    options,
  );
  const index = new HistoryIndex(view);
  for (const series of index.seriesNames(state)) {
    for (const [key, deletes] of index.keysWithDeletes(series, state)) {
      const latest = latestAcknowledged(deletes);
      if (latest === undefined) continue;
      tally.checked();
      const actual = state.get(series)?.get(key);
      if (actual === undefined) continue;
      const mayFollow = index
        .writesAt(series, key)
        .some((w) => w.entry.outcome === 'unknown' || !(w.entry.completedAt < latest.entry.invokedAt));
      if (!mayFollow) tally.add('resurrected', series, key, { actual, deletedBy: latest.entry.index });
    }
  }
  return tally.result();
}

function latestAcknowledged(deletes: readonly KeyDelete[]): KeyDelete | undefined {
  let latest: KeyDelete | undefined;
  for (const d of deletes)
    if (d.entry.outcome === 'ok' && (latest === undefined || d.entry.invokedAt > latest.entry.invokedAt))
      latest = d;
  return latest;
}
