import { keyMax, keyMin, limits } from '@omendb/engine';
import type { EngineState, HistoryEntry } from '../history.ts';
import type { CheckerOptions, CheckerResult } from './checker-result.ts';
import { ViolationTally } from './checker-result.ts';
import type { HistoryView } from './history-index.ts';
import { argKey, batchPoints, happenedBefore } from './history-index.ts';

/**
 * Model equivalence for sequential histories (one client, one operation at a time): replay the
 * acknowledged operations into a plain Map in invocation order; every recorded read (a get's
 * value, a range page's count) must match the model at that point, and the final state must
 * equal the model. A sequential run has no room for doubt, so an unknown outcome or two
 * overlapping operations are violations too (the run was not what the checker can judge).
 */

export type ModelEquivalenceViolation =
  | 'missing'
  | 'extra'
  | 'wrongValue'
  | 'readMismatch'
  | 'unknownOutcome'
  | 'concurrent';

type Model = Map<string, Map<bigint, number>>;

export function checkModelEquivalence(
  view: HistoryView,
  state: EngineState,
  options: CheckerOptions = {},
): CheckerResult {
  const tally = new ViolationTally<ModelEquivalenceViolation>(
    'model-equivalence',
    ['missing', 'extra', 'wrongValue', 'readMismatch', 'unknownOutcome', 'concurrent'],
    options,
  );
  const model: Model = new Map();
  const ordered = [...view.entries()].sort((a, b) => a.invokedAt - b.invokedAt);
  let previous: HistoryEntry | undefined;
  for (const entry of ordered) {
    if (previous !== undefined && !happenedBefore(previous, entry))
      tally.add('concurrent', entry.series, undefined, { first: previous.index, second: entry.index });
    previous = entry;
    if (entry.outcome === 'unknown')
      tally.add('unknownOutcome', entry.series, undefined, { index: entry.index });
    else if (entry.outcome === 'ok') replay(view, entry, model, tally);
  }
  compareFinal(model, state, tally);
  return tally.result();
}

function replay(
  view: HistoryView,
  entry: HistoryEntry,
  model: Model,
  tally: ViolationTally<ModelEquivalenceViolation>,
): void {
  const points = model.get(entry.series);
  switch (entry.op) {
    case 'write': {
      const target = points ?? new Map<bigint, number>();
      for (const [key, value] of batchPoints(view, entry)) target.set(key, value);
      model.set(entry.series, target);
      return;
    }
    case 'deleteRange': {
      const from = argKey(entry.args.from, keyMin);
      const to = argKey(entry.args.to, keyMax);
      for (const key of [...(points?.keys() ?? [])]) if (key >= from && key <= to) points?.delete(key);
      return;
    }
    case 'dropSeries':
      model.delete(entry.series);
      return;
    case 'get': {
      const expected = points?.get(argKey(entry.args.key, 0n)) ?? null;
      if (entry.result !== expected)
        tally.add('readMismatch', entry.series, argKey(entry.args.key, 0n), {
          index: entry.index,
          expected,
          actual: entry.result,
        });
      return;
    }
    case 'range': {
      const expected = rangeCount(points, entry.args);
      const actual = (entry.result as { count?: unknown } | undefined)?.count;
      if (actual !== expected)
        tally.add('readMismatch', entry.series, undefined, { index: entry.index, expected, actual });
      return;
    }
    default:
      return;
  }
}

/** The points the first page of a recorded range read holds, by the model. */
function rangeCount(
  points: ReadonlyMap<bigint, number> | undefined,
  args: Readonly<Record<string, unknown>>,
): number {
  const from = argKey(args.from, keyMin);
  const to = argKey(args.to, keyMax);
  const after = args.after === undefined ? undefined : argKey(args.after, keyMin);
  const limit = typeof args.limit === 'number' ? args.limit : limits.rangeLimitDefault;
  let count = 0;
  for (const key of points?.keys() ?? [])
    if (key >= from && key <= to && (after === undefined || key > after)) count += 1;
  return Math.min(count, limit);
}

function compareFinal(
  model: Model,
  state: EngineState,
  tally: ViolationTally<ModelEquivalenceViolation>,
): void {
  for (const series of new Set([...model.keys(), ...state.keys()])) {
    const expected = model.get(series) ?? new Map<bigint, number>();
    const actual = state.get(series) ?? new Map<bigint, number>();
    for (const [key, value] of expected) {
      tally.checked();
      const found = actual.get(key);
      if (found === undefined) tally.add('missing', series, key, { expected: value });
      else if (found !== value) tally.add('wrongValue', series, key, { expected: value, actual: found });
    }
    for (const [key, value] of actual) {
      if (expected.has(key)) continue;
      tally.checked();
      tally.add('extra', series, key, { actual: value });
    }
  }
}
