import type { EngineState, HistoryEntry } from '../history.ts';
import type { CheckerOptions, CheckerResult } from './checker-result.ts';
import { ViolationTally } from './checker-result.ts';
import type { HistoryView } from './history-index.ts';
import { HistoryIndex, happenedBefore } from './history-index.ts';

/**
 * Last write wins, per key, for sequential overwrites: where every operation on a key was
 * acknowledged and each completed before the next was invoked, and the key was written at least
 * twice (two batches, or twice inside one batch, where the last occurrence wins), the final value
 * is the last write's. Keys whose last operation is a delete are deletes-stay-deleted's concern;
 * keys with concurrent or unknown operations are set-full's.
 *
 * stale: the final value is one an earlier write left (the overwrite was lost or undone).
 * wrong: the key is absent, or holds a value no write of it sent.
 */

export type LastWriteWinsViolation = 'stale' | 'wrong';

export function checkLastWriteWins(
  view: HistoryView,
  state: EngineState,
  options: CheckerOptions = {},
): CheckerResult {
  const tally = new ViolationTally<LastWriteWinsViolation>('last-write-wins', ['stale', 'wrong'], options);
  const index = new HistoryIndex(view);
  for (const series of index.seriesNames(state)) {
    for (const [key, deletes] of index.keysWithDeletes(series, state)) {
      const writes = index.writesAt(series, key);
      const occurrences = writes.reduce((n, w) => n + 1 + w.earlier.length, 0);
      if (occurrences < 2) continue;
      const ops = [...writes.map((w) => w.entry), ...deletes.map((d) => d.entry)];
      const ordered = sequential(ops);
      const last = ordered?.[ordered.length - 1];
      if (last === undefined || last.op !== 'write') continue;
      tally.checked();
      const expected = writes.find((w) => w.entry === last)?.value;
      const actual = state.get(series)?.get(key);
      if (actual === expected) continue;
      const earlier = writes.flatMap((w) => (w.entry === last ? w.earlier : [w.value, ...w.earlier]));
      const kind = actual !== undefined && earlier.includes(actual) ? 'stale' : 'wrong';
      tally.add(kind, series, key, { expected, actual: actual ?? null, lastWrite: last.index });
    }
  }
  return tally.result();
}

/** The operations in order when all are acknowledged and none overlaps another; else undefined. */
function sequential(ops: HistoryEntry[]): HistoryEntry[] | undefined {
  if (ops.some((op) => op.outcome !== 'ok')) return undefined;
  const ordered = [...ops].sort((a, b) => a.invokedAt - b.invokedAt);
  for (let i = 1; i < ordered.length; i++)
    if (!happenedBefore(ordered[i - 1] as HistoryEntry, ordered[i] as HistoryEntry)) return undefined;
  return ordered;
}
