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
  const entries = seriesLayers(layers, series);
  const cursors: Cursor[] = [];
  // shadow[i]: tombstones of the layers newer than layer i, which hide layer i's points.
  let shadow: Tombstone[] = [];
  for (const entry of entries) {
    const start = entry.lowerBound(from);
    const end = to === keyMax ? entry.keys.length : entry.lowerBound(to + 1n);
    if (end > start) cursors.push({ entry, position: start, end, shadow });
    if (entry.tombstones.length > 0) shadow = mergeTombstones(shadow, entry.tombstones);
  }
  if (cursors.length === 1 && cursors[0]!.shadow.length === 0) return sliceOne(cursors[0]!, limit);
  return mergeCursors(cursors, limit);
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
    // Cursors are ordered newest first, so the first holder of the smallest key is the winner.
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
    if (winner === undefined)
      return { keys: BigInt64Array.from(keys), values: Float64Array.from(values), more: false };
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
