/**
 * A minimal flatbuffer writer for tests: tables described slot by slot, so that a test can build
 * metadata that no Arrow writer would (a big-endian schema, a message without a header, an
 * unknown version). Children are laid out after their parent, so every offset points forward as
 * the format requires. It knows nothing of the reader under test.
 */

export type FbField =
  | undefined
  | { readonly u8: number }
  | { readonly i16: number }
  | { readonly i32: number }
  | { readonly i64: bigint }
  | { readonly table: FbTable }
  | { readonly tables: readonly FbTable[] }
  | { readonly string: string | Uint8Array }
  /** A vector of `count` structs, given as their raw little-endian bytes. */
  | { readonly structs: Uint8Array; readonly count: number };

/** A table: the field of each slot, in slot order (undefined: absent). */
export type FbTable = readonly FbField[];

class Writer {
  private bytes = new Uint8Array(256);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes);
    this.bytes = grown;
  }

  private view(): DataView {
    return new DataView(this.bytes.buffer);
  }

  u8(value: number): number {
    this.reserve(1);
    this.bytes[this.length] = value;
    return this.length++;
  }

  u16(value: number): number {
    this.reserve(2);
    this.view().setUint16(this.length, value, true);
    this.length += 2;
    return this.length - 2;
  }

  i32(value: number): number {
    this.reserve(4);
    this.view().setInt32(this.length, value, true);
    this.length += 4;
    return this.length - 4;
  }

  i64(value: bigint): number {
    this.reserve(8);
    this.view().setBigInt64(this.length, value, true);
    this.length += 8;
    return this.length - 8;
  }

  raw(data: Uint8Array): number {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
    return this.length - data.length;
  }

  setU16(at: number, value: number): void {
    this.view().setUint16(at, value, true);
  }

  setI32(at: number, value: number): void {
    this.view().setInt32(at, value, true);
  }

  /** Points the uoffset at `at` to `target` (which lies after it). */
  link(at: number, target: number): void {
    this.view().setUint32(at, target - at, true);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

type Pending = { at: number; write: () => number };

function writeTable(w: Writer, table: FbTable): number {
  const vtable = w.u16(4 + table.length * 2);
  const inlineAt = w.u16(0);
  const slots = table.map(() => w.u16(0));
  // The table starts with its soffset to the vtable (which lies before it: a positive value).
  const start = w.i32(0);
  w.setI32(start, start - vtable);
  const pending: Pending[] = [];
  table.forEach((field, slot) => {
    if (field === undefined) return;
    let at: number;
    if ('u8' in field) at = w.u8(field.u8);
    else if ('i16' in field) at = w.u16(field.i16 & 0xffff);
    else if ('i32' in field) at = w.i32(field.i32);
    else if ('i64' in field) at = w.i64(field.i64);
    else {
      at = w.i32(0);
      pending.push({ at, write: () => writeChild(w, field) });
    }
    w.setU16(slots[slot]!, at - start);
  });
  w.setU16(inlineAt, w.length - start);
  for (const { at, write } of pending) w.link(at, write());
  return start;
}

function writeChild(w: Writer, field: Exclude<FbField, undefined>): number {
  if ('table' in field) return writeTable(w, field.table);
  if ('tables' in field) {
    const start = w.i32(field.tables.length);
    const slots = field.tables.map(() => w.i32(0));
    field.tables.forEach((table, i) => {
      w.link(slots[i]!, writeTable(w, table));
    });
    return start;
  }
  if ('string' in field) {
    const data = typeof field.string === 'string' ? new TextEncoder().encode(field.string) : field.string;
    const start = w.i32(data.length);
    w.raw(data);
    w.u8(0);
    return start;
  }
  if ('structs' in field) {
    const start = w.i32(field.count);
    w.raw(field.structs);
    return start;
  }
  throw new Error('a scalar is not a child');
}

/** The flatbuffer bytes of a root table. */
export function buildFlatbuffer(root: FbTable): Uint8Array {
  const w = new Writer();
  const rootAt = w.i32(0);
  w.link(rootAt, writeTable(w, root));
  return w.result();
}
