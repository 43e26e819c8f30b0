import { describe, expect, it } from 'vitest';
import { OmenDbError } from '../../src/errors.ts';
import { FlatTable } from '../../src/query/flatbuffer-table.ts';
import { codeOfCall } from '../support/codes.ts';
import { buildFlatbuffer, type FbTable } from './flatbuffer-build.ts';

/**
 * The bounded flatbuffer reader: values and defaults read as written, and every kind of lying
 * offset, size or length refused with the caller's error instead of being followed.
 */

const code = 'OMENDB_ERR_INPUT_ARROW';
const fault = (reason: string) => new OmenDbError(code, reason);

const structs = new Uint8Array(32);
new DataView(structs.buffer).setBigInt64(0, 11n, true);
new DataView(structs.buffer).setInt32(24, -12, true);

const description: FbTable = [
  { u8: 7 },
  { i16: -2 },
  { i32: -3 },
  { i64: -4n },
  { string: 'hi' },
  { table: [{ i32: 9 }] },
  { tables: [[{ i32: 1 }], [{ i32: 2 }]] },
  { structs, count: 2 },
  undefined,
];
const slots = description.length;
/** buildFlatbuffer lays out: root offset, the root's vtable, then the root table. */
const vtableAt = 4;
const tableAt = vtableAt + 4 + slots * 2;

function root(bytes: Uint8Array): FlatTable {
  return FlatTable.root(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), fault);
}

/** Where slot `slot` of the root table is stored, read from the vtable. */
function slotAt(bytes: Uint8Array, slot: number): number {
  return tableAt + new DataView(bytes.buffer).getUint16(vtableAt + 4 + slot * 2, true);
}

function patched(change: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = buildFlatbuffer(description);
  change(new DataView(bytes.buffer), bytes);
  return bytes;
}

describe('FlatTable reads', () => {
  const table = root(buildFlatbuffer(description));

  it('scalars, strings, tables, vectors and structs as written', () => {
    expect(table.uint8(0, 0)).toBe(7);
    expect(table.bool(0, false)).toBe(true);
    expect(table.int16(1, 0)).toBe(-2);
    expect(table.int32(2, 0)).toBe(-3);
    expect(table.int64(3, 0n)).toBe(-4n);
    expect(new TextDecoder().decode(table.bytes(4))).toBe('hi');
    expect(table.table(5)!.int32(0, 0)).toBe(9);
    const tables = table.vector(6, 4)!;
    expect([0, 1].map((i) => table.tableAt(tables, i).int32(0, 0))).toEqual([1, 2]);
    const vector = table.vector(7, 16)!;
    expect(vector.length).toBe(2);
    expect(table.structInt64(vector, 16, 0, 0)).toBe(11n);
    expect(table.structInt32(vector, 16, 1, 8)).toBe(-12);
    expect(table.vectorLength(7, 16)).toBe(2);
  });

  it('the default of an absent field, whether its vtable entry is 0 or past the vtable', () => {
    for (const slot of [8, 40]) {
      expect(table.has(slot)).toBe(false);
      expect(table.uint8(slot, 5)).toBe(5);
      expect(table.bool(slot, true)).toBe(true);
      expect(table.int16(slot, 6)).toBe(6);
      expect(table.int32(slot, 7)).toBe(7);
      expect(table.int64(slot, 8n)).toBe(8n);
      expect(table.table(slot)).toBeUndefined();
      expect(table.vector(slot, 4)).toBeUndefined();
      expect(table.vectorLength(slot, 4)).toBe(0);
      expect(table.bytes(slot)).toBeUndefined();
    }
  });
});

describe('FlatTable refuses', () => {
  const cases: [string, () => unknown][] = [
    ['a buffer too short for the root offset', () => root(new Uint8Array(3))],
    [
      'a root offset past the end',
      () => root(patched((view, bytes) => view.setUint32(0, bytes.length, true))),
    ],
    [
      'a root table in the last four bytes',
      () => root(patched((view, bytes) => view.setUint32(0, bytes.length - 4, true))),
    ],
    ['a vtable before the buffer', () => root(patched((view) => view.setInt32(tableAt, tableAt + 4, true)))],
    [
      'a vtable past the end',
      () => root(patched((view, bytes) => view.setInt32(tableAt, -(bytes.length - tableAt), true))),
    ],
    ['an odd vtable size', () => root(patched((view) => view.setUint16(vtableAt, 5, true)))],
    ['a vtable size below its header', () => root(patched((view) => view.setUint16(vtableAt, 2, true)))],
    [
      'a vtable longer than the buffer',
      () => root(patched((view) => view.setUint16(vtableAt, 60_000, true))),
    ],
    ['a table size below its soffset', () => root(patched((view) => view.setUint16(vtableAt + 2, 2, true)))],
    [
      'a table longer than the buffer',
      () => root(patched((view) => view.setUint16(vtableAt + 2, 60_000, true))),
    ],
    [
      'a field past its table',
      () =>
        root(
          patched((view) =>
            view.setUint16(vtableAt + 4 + 2 * 2, view.getUint16(vtableAt + 2, true) - 2, true),
          ),
        ).int32(2, 0),
    ],
    [
      'a field inside the soffset',
      () => root(patched((view) => view.setUint16(vtableAt + 4, 2, true))).uint8(0, 0),
    ],
    [
      'an offset that points past the end',
      () => root(patched((view, bytes) => view.setUint32(slotAt(bytes, 4), 1 << 30, true))).bytes(4),
    ],
    [
      'a string longer than the buffer',
      () =>
        root(
          patched((view, bytes) => {
            const at = slotAt(bytes, 4);
            view.setUint32(at + view.getUint32(at, true), 1 << 30, true);
          }),
        ).bytes(4),
    ],
    [
      'a struct vector longer than the buffer',
      () =>
        root(
          patched((view, bytes) => {
            const at = slotAt(bytes, 7);
            view.setUint32(at + view.getUint32(at, true), 1 << 26, true);
          }),
        ).vector(7, 16),
    ],
    [
      'a table vector index out of range',
      () => {
        const table = root(buildFlatbuffer(description));
        return table.tableAt(table.vector(6, 4)!, 2);
      },
    ],
    [
      'a struct index out of range',
      () => {
        const table = root(buildFlatbuffer(description));
        return table.structInt64(table.vector(7, 16)!, 16, -1, 0);
      },
    ],
    [
      'an int32 struct index out of range',
      () => {
        const table = root(buildFlatbuffer(description));
        return table.structInt32(table.vector(7, 16)!, 16, 2, 0);
      },
    ],
  ];
  it.each(cases)('%s', (_, run) => {
    expect(codeOfCall(run)).toBe(code);
  });

  it('treats a struct field outside its element as a bug of the caller (an invariant, not bad input)', () => {
    const table = root(buildFlatbuffer(description));
    const vector = table.vector(7, 16)!;
    expect(() => table.structInt64(vector, 16, 0, 9)).toThrow(/invariant/);
    expect(() => table.structInt32(vector, 16, 0, 13)).toThrow(/invariant/);
  });
});
