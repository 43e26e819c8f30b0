import { MessageHeader, MessageReader, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Point } from '../../adapter.ts';
import { arrowWriteTemplatePointsMax, arrowWriteTemplatesMax } from '../../limits.ts';

/**
 * Arrow write bodies for the load scenarios, without apache-arrow's table machinery per batch.
 *
 * Why: at a sustained 1M points/s the harness shares two cores with the server it measures, and
 * tableToIPC (vectors, a table, a flatbuffer builder and three copies per 1,000-point batch) cost
 * it about 0.1 ms a batch and most of its garbage: its own pauses then showed up as the server's
 * latency. A stream of n Int64 keys and n Float64 values without nulls differs from another of the
 * same n in its two data buffers alone, so apache-arrow builds the stream once per n, and a batch
 * is that template with its keys and values copied in.
 *
 * A template is trusted only once a filled copy has decoded back to what was put in (through
 * apache-arrow's reader); one that does not (a big-endian host, say) is never used, and its length
 * goes through tableToIPC instead.
 */

interface WriteTemplate {
  readonly bytes: Uint8Array;
  /** Byte offsets of the key and value data buffers in `bytes`. */
  readonly keysAt: number;
  readonly valuesAt: number;
}

/** The two data buffers of a template's record batch, from its own metadata. */
function dataBufferOffsets(stream: Uint8Array, length: number): { keysAt: number; valuesAt: number } | null {
  const reader = new MessageReader(stream);
  const schema = reader.readMessage(MessageHeader.Schema);
  const batch = reader.readMessage(MessageHeader.RecordBatch);
  if (schema === null || batch === null) return null;
  // The stream ends with the record batch's body and then the 8-byte end-of-stream marker.
  const bodyAt = stream.byteLength - 8 - batch.bodyLength;
  const { buffers } = batch.header();
  // Per column a validity buffer (empty: no nulls) and a data buffer, keys first.
  if (buffers.length !== 4) return null;
  const [, keys, , values] = buffers;
  if (keys === undefined || values === undefined) return null;
  if (keys.length !== length * 8 || values.length !== length * 8) return null;
  const keysAt = bodyAt + keys.offset;
  const valuesAt = bodyAt + values.offset;
  // Typed-array views over a copy need 8-byte alignment (a copy's buffer starts at 0).
  if (keysAt % 8 !== 0 || valuesAt % 8 !== 0 || valuesAt + length * 8 > stream.byteLength - 8) return null;
  return { keysAt, valuesAt };
}

/** A copy of the template with the points' keys and values in its data buffers. */
function fill(template: WriteTemplate, points: readonly Point[]): Uint8Array {
  const bytes = template.bytes.slice();
  const keys = new BigInt64Array(bytes.buffer, template.keysAt, points.length);
  const values = new Float64Array(bytes.buffer, template.valuesAt, points.length);
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    keys[i] = point[0];
    values[i] = point[1];
  }
  return bytes;
}

function encodeWithTables(points: readonly Point[]): Uint8Array {
  const keys = new BigInt64Array(points.length);
  const values = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    keys[i] = points[i]![0];
    values[i] = points[i]![1];
  }
  return tableToIPC(tableFromArrays({ key: keys, value: values }), 'stream');
}

/** The template for n points, or null if apache-arrow's stream did not fill and decode as expected. */
function buildTemplate(length: number): WriteTemplate | null {
  const zeros = tableToIPC(
    tableFromArrays({ key: new BigInt64Array(length), value: new Float64Array(length) }),
    'stream',
  );
  const offsets = dataBufferOffsets(zeros, length);
  if (offsets === null) return null;
  const template: WriteTemplate = { bytes: zeros, ...offsets };
  // The proof: distinct keys and values put in, the same read back by apache-arrow.
  const points = Array.from({ length }, (_, i): Point => [BigInt(i) * 0x1_0000_0001n - 7n, i + 0.25]);
  const decoded = tableFromIPC(fill(template, points));
  const keyColumn = decoded.getChild('key')?.toArray() as unknown;
  const valueColumn = decoded.getChild('value')?.toArray() as unknown;
  if (!(keyColumn instanceof BigInt64Array) || !(valueColumn instanceof Float64Array)) return null;
  if (decoded.numRows !== length) return null;
  for (let i = 0; i < length; i++) {
    const [key, value] = points[i]!;
    if (keyColumn[i] !== key || valueColumn[i] !== value) return null;
  }
  return template;
}

export class ArrowWriteTemplates {
  /** Per batch length: its template, or null when that length goes through tableToIPC. */
  private readonly byLength = new Map<number, WriteTemplate | null>();

  /** The same bytes as tableToIPC of the points' key and value columns. */
  encode(points: readonly Point[]): Uint8Array {
    const template = this.templateFor(points.length);
    return template === null ? encodeWithTables(points) : fill(template, points);
  }

  /** Whether batches of this length are filled in (not built by tableToIPC); builds the template. */
  templated(length: number): boolean {
    return this.templateFor(length) !== null;
  }

  private templateFor(length: number): WriteTemplate | null {
    const known = this.byLength.get(length);
    if (known !== undefined) return known;
    if (this.byLength.size >= arrowWriteTemplatesMax) this.byLength.clear();
    const built = length === 0 || length > arrowWriteTemplatePointsMax ? null : buildTemplate(length);
    this.byLength.set(length, built);
    return built;
  }
}
