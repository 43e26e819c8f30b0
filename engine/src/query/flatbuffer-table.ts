/**
 * A bounded reader of flatbuffer tables, for metadata that may be hostile or damaged (Arrow IPC
 * messages from clients, segment files from disk). Every position it computes, from an offset,
 * a vtable entry or a vector length, is checked against the buffer before it is read, so a
 * lying offset is a fault, never a read elsewhere, an allocation or a loop. It only ever reads
 * the fields its caller names; nothing is decoded eagerly, and there is no recursion.
 */

import { assert } from '../errors.ts';

/** Builds the error thrown for a structural fault (the caller picks the registry code). */
export type ReadFault = (reason: string) => Error;

/** A vector's element count and where its first element starts. */
export interface FlatVector {
  readonly start: number;
  readonly length: number;
}

/** The view and fault report that every table of one flatbuffer shares. */
interface FlatBuffer {
  readonly view: DataView;
  readonly fault: ReadFault;
}

const uoffsetBytes = 4;
const vtableHeaderBytes = 4;
const vtableEntryBytes = 2;

export class FlatTable {
  private constructor(
    private readonly buffer: FlatBuffer,
    private readonly position: number,
    private readonly vtable: number,
    private readonly vtableBytes: number,
    private readonly inlineBytes: number,
  ) {}

  /** The root table: the buffer starts with its offset. */
  static root(view: DataView, fault: ReadFault): FlatTable {
    const buffer = { view, fault };
    return FlatTable.at(buffer, FlatTable.follow(buffer, 0));
  }

  private static at(buffer: FlatBuffer, position: number): FlatTable {
    const { view, fault } = buffer;
    assert(position + 4 <= view.byteLength, 'follow() leaves room for a table soffset');
    const vtable = position - view.getInt32(position, true);
    if (vtable < 0 || vtable + vtableHeaderBytes > view.byteLength)
      throw fault('flatbuffer vtable lies outside the metadata');
    const vtableBytes = view.getUint16(vtable, true);
    const inlineBytes = view.getUint16(vtable + 2, true);
    if (vtableBytes < vtableHeaderBytes || vtableBytes % 2 !== 0 || vtable + vtableBytes > view.byteLength)
      throw fault('flatbuffer vtable has an invalid size');
    if (inlineBytes < 4 || position + inlineBytes > view.byteLength)
      throw fault('flatbuffer table has an invalid size');
    return new FlatTable(buffer, position, vtable, vtableBytes, inlineBytes);
  }

  /** The position an unsigned offset stored at `at` points to, checked to leave room for a length. */
  private static follow(buffer: FlatBuffer, at: number): number {
    const { view, fault } = buffer;
    if (at + uoffsetBytes > view.byteLength) throw fault('flatbuffer offset lies outside the metadata');
    const target = at + view.getUint32(at, true);
    if (target + uoffsetBytes > view.byteLength) throw fault('flatbuffer offset points outside the metadata');
    return target;
  }

  /** Where field `slot` is stored inline, or undefined when it is absent (its default applies). */
  private field(slot: number, width: number): number | undefined {
    const entry = vtableHeaderBytes + slot * vtableEntryBytes;
    if (entry + vtableEntryBytes > this.vtableBytes) return undefined;
    const offset = this.buffer.view.getUint16(this.vtable + entry, true);
    if (offset === 0) return undefined;
    if (offset < 4 || offset + width > this.inlineBytes)
      throw this.buffer.fault('flatbuffer field lies outside its table');
    return this.position + offset;
  }

  has(slot: number): boolean {
    return this.field(slot, 0) !== undefined;
  }

  uint8(slot: number, fallback: number): number {
    const at = this.field(slot, 1);
    return at === undefined ? fallback : this.buffer.view.getUint8(at);
  }

  bool(slot: number, fallback: boolean): boolean {
    return this.uint8(slot, fallback ? 1 : 0) !== 0;
  }

  int16(slot: number, fallback: number): number {
    const at = this.field(slot, 2);
    return at === undefined ? fallback : this.buffer.view.getInt16(at, true);
  }

  int32(slot: number, fallback: number): number {
    const at = this.field(slot, 4);
    return at === undefined ? fallback : this.buffer.view.getInt32(at, true);
  }

  int64(slot: number, fallback: bigint): bigint {
    const at = this.field(slot, 8);
    return at === undefined ? fallback : this.buffer.view.getBigInt64(at, true);
  }

  table(slot: number): FlatTable | undefined {
    const at = this.field(slot, uoffsetBytes);
    return at === undefined ? undefined : FlatTable.at(this.buffer, FlatTable.follow(this.buffer, at));
  }

  /** A vector of `elementBytes`-wide elements (structs or offsets), its whole extent checked. */
  vector(slot: number, elementBytes: number): FlatVector | undefined {
    const at = this.field(slot, uoffsetBytes);
    if (at === undefined) return undefined;
    const target = FlatTable.follow(this.buffer, at);
    const length = this.buffer.view.getUint32(target, true);
    const start = target + uoffsetBytes;
    if (length > (this.buffer.view.byteLength - start) / elementBytes)
      throw this.buffer.fault('flatbuffer vector is longer than the metadata');
    return { start, length };
  }

  /** The vector's length, 0 when it is absent. */
  vectorLength(slot: number, elementBytes: number): number {
    return this.vector(slot, elementBytes)?.length ?? 0;
  }

  /** Element `index` of a vector of tables. */
  tableAt(vector: FlatVector, index: number): FlatTable {
    if (!(index >= 0 && index < vector.length))
      throw this.buffer.fault('flatbuffer vector index out of range');
    return FlatTable.at(this.buffer, FlatTable.follow(this.buffer, vector.start + index * uoffsetBytes));
  }

  /** A string's UTF-8 bytes (a view, not a copy), or undefined when absent. */
  bytes(slot: number): Uint8Array | undefined {
    const vector = this.vector(slot, 1);
    if (vector === undefined) return undefined;
    const { view } = this.buffer;
    return new Uint8Array(view.buffer, view.byteOffset + vector.start, vector.length);
  }

  /** A struct field of a vector of structs: `field` bytes into element `index` of `elementBytes`. */
  structInt64(vector: FlatVector, elementBytes: number, index: number, field: number): bigint {
    assert(field >= 0 && field + 8 <= elementBytes, 'struct field lies inside its element');
    if (!(index >= 0 && index < vector.length))
      throw this.buffer.fault('flatbuffer vector index out of range');
    return this.buffer.view.getBigInt64(vector.start + index * elementBytes + field, true);
  }

  structInt32(vector: FlatVector, elementBytes: number, index: number, field: number): number {
    assert(field >= 0 && field + 4 <= elementBytes, 'struct field lies inside its element');
    if (!(index >= 0 && index < vector.length))
      throw this.buffer.fault('flatbuffer vector index out of range');
    return this.buffer.view.getInt32(vector.start + index * elementBytes + field, true);
  }
}
