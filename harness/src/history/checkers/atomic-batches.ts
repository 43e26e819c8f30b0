import type { EngineState, HistoryEntry } from '../history.ts';
import type { CheckerOptions, CheckerResult } from './checker-result.ts';
import { ViolationTally } from './checker-result.ts';
import type { HistoryView, KeyWrite } from './history-index.ts';
import { HistoryIndex, happenedBefore } from './history-index.ts';

/**
 * Atomic batches: a write whose outcome is unknown (the server died, the request timed out) is
 * either wholly present or wholly absent, and stays so across a later restart (pass the state
 * read after it as `laterState`). Acknowledged batches are set-full's concern.
 *
 * A key of the batch tells whether the batch was applied only if every other operation on it
 * was acknowledged and completed before the batch was invoked (so the batch, if applied, is the
 * last word) and none of them wrote the same value (present would be ambiguous). Other keys are
 * not evaluated; a batch with no evaluable key is not counted.
 */

export type AtomicBatchViolation = 'partial' | 'unstable';

export interface AtomicBatchesOptions extends CheckerOptions {
  /** The state read back after a later restart: each batch must be judged the same in it. */
  readonly laterState?: EngineState;
}

export function checkAtomicBatches(
  view: HistoryView,
  state: EngineState,
  options: AtomicBatchesOptions = {},
): CheckerResult {
  const tally = new ViolationTally<AtomicBatchViolation>('atomic-batches', ['partial', 'unstable'], options, [
    'present',
    'absent',
  ]);
  const index = new HistoryIndex(view);
  for (const entry of view.entries()) {
    if (entry.op !== 'write' || entry.outcome !== 'unknown') continue;
    const keys = evaluableKeys(index, entry);
    if (keys.length === 0) continue;
    tally.checked();
    const first = judge(keys, state, entry.series);
    const later =
      options.laterState === undefined ? undefined : judge(keys, options.laterState, entry.series);
    const detail = { batch: entry.index, keys: keys.length };
    if (first.partial || later?.partial === true)
      tally.add('partial', entry.series, undefined, {
        ...detail,
        applied: first.applied,
        laterApplied: later?.applied,
      });
    else tally.count(first.applied === keys.length ? 'present' : 'absent');
    if (later !== undefined && first.pattern !== later.pattern)
      tally.add('unstable', entry.series, undefined, {
        ...detail,
        applied: first.applied,
        laterApplied: later.applied,
      });
  }
  return tally.result();
}

function evaluableKeys(index: HistoryIndex, batch: HistoryEntry): [bigint, KeyWrite][] {
  return index.batchKeys(batch).filter(([key, own]) => {
    const earlierOnly = (entry: HistoryEntry) => entry.outcome === 'ok' && happenedBefore(entry, batch);
    const others = index.writesAt(batch.series, key).filter((w) => w.entry !== batch);
    return (
      others.every((w) => earlierOnly(w.entry) && w.value !== own.value) &&
      index.deletesCovering(batch.series, key).every((d) => earlierOnly(d.entry))
    );
  });
}

interface Judgement {
  readonly applied: number;
  readonly partial: boolean;
  /** Which keys hold the batch's value, as a string of 0 and 1 (compared across states). */
  readonly pattern: string;
}

function judge(keys: readonly [bigint, KeyWrite][], state: EngineState, series: string): Judgement {
  const points = state.get(series);
  const flags = keys.map(([key, own]) => points?.get(key) === own.value);
  const applied = flags.filter(Boolean).length;
  return { applied, partial: applied > 0 && applied < keys.length, pattern: flags.map(Number).join('') };
}
