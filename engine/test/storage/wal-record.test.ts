import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { walRecordBytesMax } from '../../src/limits.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import {
  checkWalRecord,
  decodeWalPayload,
  encodeWalFileHeader,
  encodeWalRecord,
  isWalFileHeader,
  recordType,
  type WalOperation,
  walFileHeaderBytes,
  walFileMagic,
  walRecordFormatVersion,
  walRecordHeaderBytes,
} from '../../src/storage/wal-record.ts';

function decode(bytes: Uint8Array, offset = 0): { seq: bigint; op: WalOperation; recordLength: number } {
  const check = checkWalRecord(bytes, offset);
  if (!check.ok) throw new Error(`record rejected: ${check.reason}`);
  return { seq: check.seq, op: decodeWalPayload(bytes, offset, check), recordLength: check.recordLength };
}

function put(series: string, points: readonly (readonly [bigint, number])[]): WalOperation {
  return {
    kind: 'put',
    series,
    keys: BigInt64Array.from(points.map(([key]) => key)),
    values: Float64Array.from(points.map(([, value]) => value)),
  };
}

/** Rewrites the CRC of the record at `offset` so that it matches its bytes again. */
function fixCrc(bytes: Uint8Array, offset = 0): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const length = walRecordHeaderBytes + view.getUint32(4, true);
  view.setUint32(0, crc32(bytes.subarray(offset + 4, offset + length)), true);
}

describe('encodeWalRecord / decodeWalPayload', () => {
  it('lays out the header as documented', () => {
    const bytes = encodeWalRecord(258n, { kind: 'dropSeries', series: 'abc' });
    const view = new DataView(bytes.buffer);
    expect(bytes.length).toBe(walRecordHeaderBytes + 4);
    expect(view.getUint32(4, true)).toBe(4);
    expect(view.getBigUint64(8, true)).toBe(258n);
    expect(view.getUint8(16)).toBe(recordType.dropSeries);
    expect(view.getUint8(17)).toBe(walRecordFormatVersion);
    expect(view.getUint16(18, true)).toBe(0);
    expect(view.getUint32(0, true)).toBe(crc32(bytes.subarray(4)));
    expect(bytes[20]).toBe(3);
    expect(new TextDecoder().decode(bytes.subarray(21))).toBe('abc');
  });

  it('round-trips a put, with the int64 extremes and special floats', () => {
    const op = put('cpu.load:host-1', [
      [keyMin, -0],
      [-1n, Number.MIN_VALUE],
      [0n, 1.5],
      [1n, -Number.MAX_VALUE],
      [keyMax, Number.MAX_VALUE],
    ]);
    const bytes = encodeWalRecord(7n, op);
    const decoded = decode(bytes);
    expect(decoded.seq).toBe(7n);
    expect(decoded.recordLength).toBe(bytes.length);
    expect(decoded.op).toEqual(op);
    if (decoded.op.kind !== 'put') throw new Error('not a put');
    expect(Object.is(decoded.op.values[0], -0)).toBe(true);
  });

  it('round-trips a put of many points, given as subarrays of larger buffers', () => {
    const count = 100_000;
    const keys = new BigInt64Array(count + 3);
    const values = new Float64Array(count + 3);
    for (let i = 0; i < keys.length; i++) {
      keys[i] = BigInt(i) * 92233720368547n - 4611686018427387904n;
      values[i] = i * 0.25;
    }
    const op: WalOperation = {
      kind: 'put',
      series: 's',
      keys: keys.subarray(1, count + 1),
      values: values.subarray(1, count + 1),
    };
    const decoded = decode(encodeWalRecord(2n ** 64n - 1n, op));
    expect(decoded.seq).toBe(2n ** 64n - 1n);
    if (decoded.op.kind !== 'put') throw new Error('not a put');
    expect(decoded.op.keys.length).toBe(count);
    expect(decoded.op.values.length).toBe(count);
    // A loop, not toEqual: deep equality over 100,000 elements is slow.
    let mismatches = 0;
    for (let i = 0; i < count; i++) {
      if (decoded.op.keys[i] !== keys[i + 1] || decoded.op.values[i] !== values[i + 1]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('round-trips an empty put', () => {
    const op = put('e', []);
    expect(decode(encodeWalRecord(1n, op)).op).toEqual(op);
  });

  it('round-trips a deleteRange at the int64 extremes', () => {
    for (const [from, to] of [
      [keyMin, keyMax],
      [keyMin, keyMin],
      [keyMax, keyMax],
      [-5n, 5n],
    ] as const) {
      const op: WalOperation = { kind: 'deleteRange', series: 'x', from, to };
      expect(decode(encodeWalRecord(3n, op)).op).toEqual(op);
    }
  });

  it('round-trips a dropSeries with a name of 128 characters', () => {
    const op: WalOperation = { kind: 'dropSeries', series: 'n'.repeat(128) };
    expect(decode(encodeWalRecord(1n, op)).op).toEqual(op);
  });

  it('decodes records at an offset inside a larger buffer', () => {
    const first = encodeWalRecord(1n, put('a', [[1n, 1]]));
    const second = encodeWalRecord(2n, { kind: 'deleteRange', series: 'b', from: 1n, to: 2n });
    const log = new Uint8Array(3 + first.length + second.length);
    log.set(first, 3);
    log.set(second, 3 + first.length);
    const a = decode(log, 3);
    expect(a.seq).toBe(1n);
    expect(a.op).toEqual(put('a', [[1n, 1]]));
    const b = decode(log, 3 + a.recordLength);
    expect(b.seq).toBe(2n);
    expect(b.op).toEqual({ kind: 'deleteRange', series: 'b', from: 1n, to: 2n });
    // The same record through a view with a non-zero byteOffset.
    expect(decode(log.subarray(3 + first.length)).op).toEqual(b.op);
  });

  it('refuses, as an invariant failure, a record larger than walRecordBytesMax', () => {
    const count = Math.ceil(walRecordBytesMax / 16);
    const op: WalOperation = {
      kind: 'put',
      series: 'big',
      keys: new BigInt64Array(count),
      values: new Float64Array(count),
    };
    expect(() => encodeWalRecord(1n, op)).toThrow(/invariant/);
  });

  it('treats a CRC-valid but malformed payload as an invariant failure', () => {
    const unknownType = encodeWalRecord(1n, { kind: 'dropSeries', series: 'a' });
    unknownType[16] = 99;
    fixCrc(unknownType);
    expect(() => decode(unknownType)).toThrow(/invariant/);

    const badCount = encodeWalRecord(1n, put('a', [[1n, 1]]));
    new DataView(badCount.buffer).setUint32(walRecordHeaderBytes + 2, 2, true);
    fixCrc(badCount);
    expect(() => decode(badCount)).toThrow(/invariant/);

    const badName = encodeWalRecord(1n, { kind: 'dropSeries', series: 'a' });
    badName[walRecordHeaderBytes] = 5;
    fixCrc(badName);
    expect(() => decode(badName)).toThrow(/invariant/);

    // An empty payload has no series name at all.
    const empty = new Uint8Array(walRecordHeaderBytes);
    const emptyView = new DataView(empty.buffer);
    emptyView.setBigUint64(8, 1n, true);
    emptyView.setUint8(16, recordType.dropSeries);
    emptyView.setUint8(17, walRecordFormatVersion);
    fixCrc(empty);
    expect(checkWalRecord(empty, 0).ok).toBe(true);
    expect(() => decode(empty)).toThrow(/invariant/);

    const deleteAsDrop = encodeWalRecord(1n, { kind: 'deleteRange', series: 'a', from: 1n, to: 2n });
    deleteAsDrop[16] = recordType.dropSeries;
    fixCrc(deleteAsDrop);
    expect(() => decode(deleteAsDrop)).toThrow(/invariant/);

    const dropAsDelete = encodeWalRecord(1n, { kind: 'dropSeries', series: 'a' });
    dropAsDelete[16] = recordType.deleteRange;
    fixCrc(dropAsDelete);
    expect(() => decode(dropAsDelete)).toThrow(/invariant/);
  });
});

describe('checkWalRecord', () => {
  const sample = encodeWalRecord(
    5n,
    put('ab', [
      [1n, 2],
      [3n, 4],
    ]),
  );

  it('accepts a whole record and reports its fields', () => {
    expect(checkWalRecord(sample, 0)).toEqual({
      ok: true,
      seq: 5n,
      type: recordType.put,
      payloadLength: sample.length - walRecordHeaderBytes,
      recordLength: sample.length,
    });
  });

  it("returns 'short' for a record cut at every length", () => {
    for (let length = 0; length < sample.length; length++) {
      expect(checkWalRecord(sample.subarray(0, length), 0), `length ${length}`).toEqual({
        ok: false,
        reason: 'short',
      });
    }
  });

  it("returns 'short' at or past the end of the buffer", () => {
    expect(checkWalRecord(sample, sample.length)).toEqual({ ok: false, reason: 'short' });
    expect(checkWalRecord(sample, sample.length - walRecordHeaderBytes + 1)).toEqual({
      ok: false,
      reason: 'short',
    });
  });

  it("returns 'crc' for any flipped bit outside the length field", () => {
    const lengthField = new Set([4, 5, 6, 7]);
    for (let bit = 0; bit < sample.length * 8; bit++) {
      const byte = bit >>> 3;
      if (lengthField.has(byte)) continue;
      const damaged = sample.slice();
      damaged[byte]! ^= 1 << (bit & 7);
      expect(checkWalRecord(damaged, 0), `bit ${bit}`).toEqual({ ok: false, reason: 'crc' });
    }
  });

  it('rejects any flipped bit of the length field: too long, too short or over the limit', () => {
    const payloadLength = sample.length - walRecordHeaderBytes;
    for (let bit = 32; bit < 64; bit++) {
      const damaged = sample.slice();
      damaged[bit >>> 3]! ^= 1 << (bit & 7);
      const flippedLength = (payloadLength ^ (1 << (bit - 32))) >>> 0;
      const recordLength = walRecordHeaderBytes + flippedLength;
      const reason =
        recordLength > walRecordBytesMax ? 'length' : recordLength > sample.length ? 'short' : 'crc';
      expect(checkWalRecord(damaged, 0), `bit ${bit}`).toEqual({ ok: false, reason });
    }
  });

  it("returns 'length' for an oversized length field, even before the bytes are there", () => {
    for (const length of [walRecordBytesMax - walRecordHeaderBytes + 1, 0xffffffff]) {
      const damaged = sample.slice();
      new DataView(damaged.buffer).setUint32(4, length, true);
      expect(checkWalRecord(damaged, 0)).toEqual({ ok: false, reason: 'length' });
      expect(checkWalRecord(damaged.subarray(0, walRecordHeaderBytes), 0)).toEqual({
        ok: false,
        reason: 'length',
      });
    }
  });

  it("returns 'version' for another format version with a valid CRC", () => {
    const other = sample.slice();
    other[17] = walRecordFormatVersion + 1;
    new DataView(other.buffer).setUint32(0, crc32(other.subarray(4)), true);
    expect(checkWalRecord(other, 0)).toEqual({ ok: false, reason: 'version' });
    // Without the recomputed CRC the same change is plain damage.
    const damaged = sample.slice();
    damaged[17] = walRecordFormatVersion + 1;
    expect(checkWalRecord(damaged, 0)).toEqual({ ok: false, reason: 'crc' });
  });

  it('reads the record at the given offset only', () => {
    const second = encodeWalRecord(6n, { kind: 'dropSeries', series: 'z' });
    const log = new Uint8Array(sample.length + second.length);
    log.set(sample);
    log.set(second, sample.length);
    const check = checkWalRecord(log, sample.length);
    expect(check.ok && check.seq).toBe(6n);
    // Damage in the first record does not affect the second.
    log[30]! ^= 0xff;
    expect(checkWalRecord(log, 0)).toEqual({ ok: false, reason: 'crc' });
    expect(checkWalRecord(log, sample.length).ok).toBe(true);
  });
});

describe('WAL file header', () => {
  it('is the magic, the version and a zero reserved word', () => {
    const header = encodeWalFileHeader();
    expect(header.length).toBe(walFileHeaderBytes);
    expect(new TextDecoder().decode(header.subarray(0, 8))).toBe('OMENWAL1');
    expect(header.subarray(0, 8)).toEqual(walFileMagic);
    const view = new DataView(header.buffer);
    expect(view.getUint32(8, true)).toBe(walRecordFormatVersion);
    expect(view.getUint32(12, true)).toBe(0);
    expect(isWalFileHeader(header)).toBe(true);
  });

  it('is recognized at the start of a longer file and inside a view', () => {
    const file = new Uint8Array(5 + walFileHeaderBytes + 10);
    file.set(encodeWalFileHeader(), 5);
    expect(isWalFileHeader(file.subarray(5))).toBe(true);
    expect(isWalFileHeader(file)).toBe(false);
  });

  it('is rejected when short or when any bit flips', () => {
    const header = encodeWalFileHeader();
    for (let length = 0; length < walFileHeaderBytes; length++) {
      expect(isWalFileHeader(header.subarray(0, length))).toBe(false);
    }
    for (let bit = 0; bit < walFileHeaderBytes * 8; bit++) {
      const damaged = header.slice();
      damaged[bit >>> 3]! ^= 1 << (bit & 7);
      expect(isWalFileHeader(damaged), `bit ${bit}`).toBe(false);
    }
  });
});
