/**
 * A metric of a result by dotted path. Metric names may themselves hold dots (the scale
 * scenario's latencyMs has keys such as 'one.write'), so 'latencyMs.one.write.p99' is resolved
 * by trying, at each level, the longest run of segments that names a key, then shorter ones.
 */
export function resolveMetricPath(root: unknown, path: string): unknown {
  return resolve(root, path.split('.'));
}

function resolve(node: unknown, segments: readonly string[]): unknown {
  if (segments.length === 0) return node;
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const record = node as Record<string, unknown>;
  for (let take = segments.length; take >= 1; take -= 1) {
    const key = segments.slice(0, take).join('.');
    if (!Object.hasOwn(record, key)) continue;
    const found = resolve(record[key], segments.slice(take));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A finite number, or a bigint stored as a decimal string (results store int64 so). */
export function asNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return null;
}
