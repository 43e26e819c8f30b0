import type { FlatTable, ReadFault } from './flatbuffer-table.ts';

/**
 * The only schema OmenDB reads from Arrow IPC bytes: exactly two fields, `key` (Int64, or
 * Timestamp of any unit) and `value` (Float64), in either order, little-endian, with no
 * dictionary encoding and no children. Anything else is refused before a batch is looked at.
 * Slot numbers are the field order of Schema.fbs.
 */

export type KeyType = 'int64' | 'timestamp';

export interface KeyValueSchema {
  readonly keyType: KeyType;
  /** The position of `key` among the fields (value is the other one). */
  readonly keyIndex: 0 | 1;
  /** The schema's custom metadata value for the requested key, when asked for and present. */
  readonly metadata: string | undefined;
}

/** Type union values of Schema.fbs. */
const typeInt = 2;
const typeFloatingPoint = 3;
const typeTimestamp = 10;
const precisionDouble = 2;
const timeUnitMax = 3; // SECOND, MILLISECOND, MICROSECOND, NANOSECOND
const endiannessLittle = 0;

const encoder = new TextEncoder();
const keyName = encoder.encode('key');
const valueName = encoder.encode('value');
const utf8 = new TextDecoder('utf-8', { fatal: true });

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads and checks a Schema table; `metadataKey` names the one custom metadata entry wanted. */
export function readKeyValueSchema(
  schema: FlatTable,
  fault: ReadFault,
  metadataKey?: string,
): KeyValueSchema {
  if (schema.int16(0, endiannessLittle) !== endiannessLittle)
    throw fault('big-endian Arrow data is not accepted');
  const fields = schema.vector(1, 4);
  if (fields === undefined || fields.length !== 2)
    throw fault('the schema must have exactly the columns key and value');
  const first = schema.tableAt(fields, 0);
  const second = schema.tableAt(fields, 1);
  checkPlainField(first, fault);
  checkPlainField(second, fault);
  let keyIndex: 0 | 1;
  if (sameBytes(first.bytes(0), keyName) && sameBytes(second.bytes(0), valueName)) keyIndex = 0;
  else if (sameBytes(first.bytes(0), valueName) && sameBytes(second.bytes(0), keyName)) keyIndex = 1;
  else throw fault('the schema must have exactly the columns key and value');
  const [key, value] = keyIndex === 0 ? [first, second] : [second, first];
  const keyType = readKeyType(key, fault);
  checkValueType(value, fault);
  const metadata = metadataKey === undefined ? undefined : readMetadata(schema, metadataKey, fault);
  return { keyType, keyIndex, metadata };
}

/** No dictionary encoding and no child fields: the column is one plain buffer of values. */
function checkPlainField(field: FlatTable, fault: ReadFault): void {
  if (field.has(4)) throw fault('dictionary-encoded columns are not accepted');
  if (field.vectorLength(5, 4) !== 0) throw fault('nested columns are not accepted');
}

function readKeyType(field: FlatTable, fault: ReadFault): KeyType {
  const typeType = field.uint8(2, 0);
  const type = field.table(3);
  if (type !== undefined && typeType === typeInt && type.int32(0, 0) === 64 && type.bool(1, false))
    return 'int64';
  if (type !== undefined && typeType === typeTimestamp) {
    const unit = type.int16(0, 0);
    if (unit >= 0 && unit <= timeUnitMax) return 'timestamp';
  }
  throw fault('column key must be Int64 or Timestamp');
}

function checkValueType(field: FlatTable, fault: ReadFault): void {
  const type = field.table(3);
  if (field.uint8(2, 0) !== typeFloatingPoint || type === undefined || type.int16(0, 0) !== precisionDouble)
    throw fault('column value must be Float64');
}

/** The value of the custom metadata entry `wanted`: undefined when absent, a fault when repeated. */
function readMetadata(schema: FlatTable, wanted: string, fault: ReadFault): string | undefined {
  const entries = schema.vector(2, 4);
  if (entries === undefined) return undefined;
  const wantedBytes = encoder.encode(wanted);
  let found: string | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = schema.tableAt(entries, i);
    if (!sameBytes(entry.bytes(0), wantedBytes)) continue;
    if (found !== undefined) throw fault(`schema metadata ${wanted} appears twice`);
    found = decodeUtf8(entry.bytes(1) ?? new Uint8Array(0), fault);
  }
  return found;
}

function decodeUtf8(bytes: Uint8Array, fault: ReadFault): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw fault('schema metadata is not UTF-8');
  }
}
