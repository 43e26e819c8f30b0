/** An inclusive key range deleted by deleteRange or dropSeries; it hides older layers only. */
export interface Tombstone {
  readonly from: bigint;
  readonly to: bigint;
}

/**
 * Adds a range to a sorted, non-overlapping list, coalescing ranges that overlap or touch, so
 * coverage checks stay a binary search and the list stays as short as the data allows.
 */
export function addTombstone(list: readonly Tombstone[], added: Tombstone): Tombstone[] {
  const result: Tombstone[] = [];
  let from = added.from;
  let to = added.to;
  let placed = false;
  for (const current of list) {
    if (current.to < from - 1n) {
      result.push(current);
    } else if (current.from > to + 1n) {
      if (!placed) {
        result.push({ from, to });
        placed = true;
      }
      result.push(current);
    } else {
      if (current.from < from) from = current.from;
      if (current.to > to) to = current.to;
    }
  }
  if (!placed) result.push({ from, to });
  return result;
}

export function mergeTombstones(a: readonly Tombstone[], b: readonly Tombstone[]): Tombstone[] {
  let result = a.slice();
  for (const range of b) result = addTombstone(result, range);
  return result;
}

/** True when `key` lies inside one of the sorted, non-overlapping ranges. */
export function tombstonesCover(list: readonly Tombstone[], key: bigint): boolean {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const range = list[mid]!;
    if (range.to < key) lo = mid + 1;
    else hi = mid;
  }
  const candidate = list[lo];
  return candidate !== undefined && candidate.from <= key;
}
