import type { Engine } from '../src/engine.ts';
import type { SqliteQueries } from './sqlite-baseline.ts';
import { rangeScanPoints, seriesName } from './workloads.ts';

/**
 * Range scans of rangeScanPoints points from a random existing key, as [key, value] pairs: the
 * engine's range() page against SQL with LIMIT. Each scan answers with its length plus its last
 * value, so that the checksum proves both returned the same full pages.
 */

export type ScanOp = (op: number) => number | Promise<number>;

export function engineScans(engine: Engine, starts: BigInt64Array): ScanOp {
  return async (op) => {
    const { points } = await engine.range(seriesName, starts[op]!, undefined, { limit: rangeScanPoints });
    return points.length + (points[points.length - 1]?.[1] ?? Number.NaN);
  };
}

export function sqliteScans(queries: SqliteQueries, starts: BigInt64Array): ScanOp {
  const range = queries.range;
  return (op) => {
    const rows = range.all(starts[op]!);
    return rows.length + (rows[rows.length - 1]?.[1] ?? Number.NaN);
  };
}

/** What every scan must answer: full pages, ending rangeScanPoints - 1 positions after the start. */
export function referenceScans(values: Float64Array, positions: Int32Array): number {
  let checksum = 0;
  for (let op = 0; op < positions.length; op++)
    checksum += rangeScanPoints + values[positions[op]! + rangeScanPoints - 1]!;
  return checksum;
}
