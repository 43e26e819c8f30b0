import { tableFromIPC } from 'apache-arrow';
import type { Point } from '../../adapter.ts';
import { ArrowWriteTemplates } from './arrow-write-templates.ts';
import { keyFromWire, protocolError } from './wire.ts';

/**
 * Arrow IPC streams for bulk transfer: a write body with columns `key` (Int64) and `value`
 * (Float64), and a range page read back in the same shape with its cursor in `omendb-next`.
 */

export const arrowStreamType = 'application/vnd.apache.arrow.stream';

/** Shared by every adapter of the process: a template depends on the batch length alone. */
const writeTemplates = new ArrowWriteTemplates();

export function pointsToArrowStream(points: readonly Point[]): Uint8Array {
  return writeTemplates.encode(points);
}

/** A range page the server sent as Arrow (a trusted peer: the harness's own server under test). */
export function pointsFromArrowStream(body: Uint8Array): Point[] {
  let table: ReturnType<typeof tableFromIPC>;
  try {
    table = tableFromIPC(body);
  } catch (error) {
    throw protocolError(`the Arrow body does not parse: ${(error as Error).message}`);
  }
  const keyColumn = table.getChild('key');
  const valueColumn = table.getChild('value');
  if (keyColumn === null || valueColumn === null) throw protocolError('the Arrow body lacks key or value');
  const keys = keyColumn.toArray() as unknown;
  const values = valueColumn.toArray() as unknown;
  if (!(keys instanceof BigInt64Array) || !(values instanceof Float64Array))
    throw protocolError('the Arrow body is not Int64 keys and Float64 values');
  const points = new Array<Point>(keys.length);
  for (let i = 0; i < keys.length; i++) points[i] = [keys[i]!, values[i]!];
  return points;
}

/** The `omendb-next` header: the next cursor, or null at the end. */
export function cursorFromHeader(header: string | string[] | undefined): bigint | null {
  if (header === undefined) return null;
  if (Array.isArray(header)) throw protocolError('more than one omendb-next header');
  return keyFromWire(header);
}
