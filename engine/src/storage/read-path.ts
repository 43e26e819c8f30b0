import { lowerBoundIn } from '../index/binary-search-index.ts';
import { keyMax } from './keys.ts';
import type { Layer, LayerSeries } from './layer.ts';
import { mergeTombstones, type Tombstone, tombstonesCover } from './tombstones.ts';

/**
 * Reads merge the layers newest-first: a point in a newer layer wins over the same key in an
 * older one, and a newer layer's tombstones hide older points. Reads run synchronously over a
 * list of immutable (or, for the active memtable, not concurrently mutated) layers captured at
 * the start of the call, so a concurrent write, flush or compaction can never tear a result.
 */

/** The layers holding `series`, newest first, stopping at the first that dropped it. */
function seriesLayers(layers: readonly Layer[], series: string): LayerSeries[] {
  const result: LayerSeries[] = [];
  for (const layer of layers) {
    const entry = layer.series(series);
    if (entry === undefined) continue;
    result.push(entry);
    if (entry.dropped) break;
  }
  return result;
}

export function getPoint(layers: readonly Layer[], series: string, key: bigint): number | undefined {
  for (let i = 0; i < layers.length; i++) {
    const entry = layers[i]!.series(series);
    if (entry === undefined) continue;
    const position = entry.lowerBound(key);
    if (position < entry.keys.length && entry.keys[position] === key) return entry.values[position];
    if (entry.dropped || tombstonesCover(entry.tombstones, key)) return undefined;
  }
  return undefined;
}

export interface RangePage {
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
  /** True when more visible points lie after the last one returned. */
  readonly more: boolean;
}

/** Up to `limit` visible points with from <= key <= to, ascending. */
export function rangePoints(
  layers: readonly Layer[],
  series: string,
  from: bigint,
  to: bigint,
  limit: number,
): RangePage {
  const cursors = openCursors(layers, series, from, to);
  if (cursors.length === 1 && cursors[0]!.shadow.length === 0) return sliceOne(cursors[0]!, limit);
  return mergeCursors(cursors, limit);
}

/** A cursor per layer holding points of `series` in [from, to], newest layer first. */
function openCursors(layers: readonly Layer[], series: string, from: bigint, to: bigint): Cursor[] {
  const cursors: Cursor[] = [];
  // shadow[i]: tombstones of the layers newer than layer i, which hide layer i's points.
  let shadow: Tombstone[] = [];
  for (const entry of seriesLayers(layers, series)) {
    const start = entry.lowerBound(from);
    const end = to === keyMax ? entry.keys.length : entry.lowerBound(to + 1n);
    if (end > start) cursors.push({ entry, position: start, end, shadow });
    if (entry.tombstones.length > 0) shadow = mergeTombstones(shadow, entry.tombstones);
  }
  return cursors;
}

interface Cursor {
  readonly entry: LayerSeries;
  position: number;
  readonly end: number;
  readonly shadow: readonly Tombstone[];
}

function sliceOne(cursor: Cursor, limit: number): RangePage {
  const end = Math.min(cursor.end, cursor.position + limit);
  return {
    keys: cursor.entry.keys.slice(cursor.position, end),
    values: cursor.entry.values.slice(cursor.position, end),
    more: end < cursor.end,
  };
}

function mergeCursors(cursors: Cursor[], limit: number): RangePage {
  const keys: bigint[] = [];
  const values: number[] = [];
  for (;;) {
    const winner = pickWinner(cursors);
    if (winner === undefined)
      return { keys: BigInt64Array.from(keys), values: Float64Array.from(values), more: false };
    const smallest = winner.entry.keys[winner.position]!;
    const value = winner.entry.values[winner.position]!;
    const visible = !tombstonesCover(winner.shadow, smallest);
    for (const cursor of cursors) {
      if (cursor.position < cursor.end && cursor.entry.keys[cursor.position] === smallest) cursor.position++;
    }
    if (!visible) continue;
    if (keys.length === limit) {
      return { keys: BigInt64Array.from(keys), values: Float64Array.from(values), more: true };
    }
    keys.push(smallest);
    values.push(value);
  }
}

/** The cursor holding the smallest current key; cursors are newest first, so the first such holder wins. */
function pickWinner(cursors: readonly Cursor[]): Cursor | undefined {
  let winner: Cursor | undefined;
  let smallest = 0n;
  for (const cursor of cursors) {
    if (cursor.position >= cursor.end) continue;
    const key = cursor.entry.keys[cursor.position]!;
    if (winner === undefined || key < smallest) {
      winner = cursor;
      smallest = key;
    }
  }
  return winner;
}

/**
 * A stretch of one layer's points, positions [start, end) of `entry`'s arrays, that are all
 * visible, with no visible point of any other layer between its first and last key.
 */
export interface VisibleRun {
  readonly entry: LayerSeries;
  readonly start: number;
  readonly end: number;
}

/**
 * Every visible point with from <= key <= to, in key order and without a limit, as runs of
 * positions in the layers' own arrays rather than copies. It is the merge of rangePoints taken
 * a stretch at a time: the winning layer keeps the lead up to the next key another layer holds
 * or the next tombstone that hides it, found by galloping, so a layer that alone holds a long
 * stretch yields it as one run (what lets aggregates use a sealed run's block summaries), and
 * interleaved layers cost one run per point, as the point-by-point merge does. Consume it
 * synchronously, like every read (the active memtable's arrays are only stable until the next
 * write is applied).
 */
export function* visibleRuns(
  layers: readonly Layer[],
  series: string,
  from: bigint,
  to: bigint,
): Generator<VisibleRun, void, undefined> {
  const cursors = openCursors(layers, series, from, to);
  for (;;) {
    const winner = pickWinner(cursors);
    if (winner === undefined) return;
    const keys = winner.entry.keys;
    const key = keys[winner.position]!;
    // Older layers' points at this key are overwritten (or deleted with it).
    for (const cursor of cursors) {
      if (cursor !== winner && cursor.position < cursor.end && cursor.entry.keys[cursor.position] === key)
        cursor.position++;
    }
    const tombstone = winner.shadow[firstTombstoneEndingAtOrAfter(winner.shadow, key)];
    if (tombstone !== undefined && tombstone.from <= key) {
      winner.position =
        tombstone.to >= keys[winner.end - 1]!
          ? winner.end
          : gallopLowerBound(keys, tombstone.to + 1n, winner.position + 1, winner.end);
      continue;
    }
    let stop = tombstone?.from;
    for (const cursor of cursors) {
      if (cursor === winner || cursor.position >= cursor.end) continue;
      const next = cursor.entry.keys[cursor.position]!;
      if (stop === undefined || next < stop) stop = next;
    }
    const start = winner.position;
    winner.position =
      stop === undefined || stop > keys[winner.end - 1]!
        ? winner.end
        : gallopLowerBound(keys, stop, start + 1, winner.end);
    yield { entry: winner.entry, start, end: winner.position };
  }
}

/** The index of the first of the sorted, non-overlapping ranges with to >= key (list.length if none). */
function firstTombstoneEndingAtOrAfter(list: readonly Tombstone[], key: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.to < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first position in [lo, hi) whose key is >= `key` (hi when none), probing lo, lo+1,
 * lo+3, lo+7, ... before a binary search: O(log d) for an answer d positions away, so walking
 * a column in many short steps costs about as much as one scan.
 */
export function gallopLowerBound(keys: BigInt64Array, key: bigint, lo: number, hi: number): number {
  let below = lo;
  let step = 1;
  let probe = lo;
  while (probe < hi && keys[probe]! < key) {
    below = probe + 1;
    probe = lo + step * 2 - 1;
    step *= 2;
  }
  return lowerBoundIn(keys, key, below, Math.min(probe, hi));
}
