import { describe, expect, it } from 'vitest';
import { errorRegistry, OmenDbError } from '../../src/errors.ts';
import { keyIndexFromModel } from '../../src/index/index-factories.ts';
import { LoadedSegment } from '../../src/storage/layer.ts';
import { decodeSegment, encodeSegment } from '../../src/storage/segment-file.ts';
import {
  exclusiveBytes,
  runSegmentJob,
  segmentJobResultTransferList,
  segmentJobTransferList,
} from '../../src/storage/segment-jobs.ts';
import { deserializeJobError, serializeJobError } from '../../src/storage/segment-worker-protocol.ts';
import { codeOf } from '../support/codes.ts';

const raw = (name: string, keys: bigint[], values: number[], sortedCount = keys.length) => ({
  name,
  keys: BigInt64Array.from(keys),
  values: Float64Array.from(values),
  sortedCount,
  tombstones: [] as { from: bigint; to: bigint }[],
  dropped: false,
});

describe('segment jobs', () => {
  it('flush: sorts series and keys, leaves out empty series, checks by decoding, and builds index models', async () => {
    const built = await runSegmentJob({
      kind: 'flush',
      file: 'seg-1.arrow',
      index: 'rmi',
      series: [
        raw('b', [9n, 3n, 9n], [1, 2, 3], 1),
        raw('empty', [], []),
        { ...raw('a', [], []), tombstones: [{ from: 1n, to: 2n }] },
      ],
    });
    expect(built).toBeDefined();
    expect(built!.series.map((s) => s.name)).toEqual(['a', 'b']);
    expect([...built!.series[1]!.keys]).toEqual([3n, 9n]);
    expect([...built!.series[1]!.values]).toEqual([2, 3]);
    expect(built!.points).toBe(2);
    // The bytes are what the manifest will record, and decode to the same series.
    const decoded = decodeSegment(built!.bytes, {
      file: 'x',
      bytes: built!.bytes.length,
      crc32: built!.crc32,
    });
    expect(decoded.map((s) => s.name)).toEqual(['a', 'b']);
    const segment = new LoadedSegment(
      { id: 1, file: 'seg-1.arrow', bytes: built!.bytes.length, crc32: built!.crc32, points: 2 },
      built!.series,
      (keys, position) => keyIndexFromModel(keys, built!.models[position]!),
    );
    expect(segment.series('b')!.lowerBound(9n)).toBe(1);
    expect(segment.seriesData().map((s) => s.name)).toEqual(['a', 'b']);
    const transfers = segmentJobResultTransferList(built);
    expect(transfers).toContain(built!.bytes.buffer);
    expect(new Set(transfers).size).toBe(transfers.length);
  });

  it('compaction: merges file bytes and decoded series alike (newest wins, bottom drops tombstones)', async () => {
    const older = encodeSegment([
      {
        name: 's',
        keys: BigInt64Array.of(1n, 2n, 3n),
        values: Float64Array.of(1, 2, 3),
        tombstones: [],
        dropped: false,
      },
    ]);
    const { crc32 } = await import('node:zlib');
    const newer = [
      {
        name: 's',
        keys: BigInt64Array.of(3n),
        values: Float64Array.of(30),
        tombstones: [{ from: 2n, to: 2n }],
        dropped: false,
      },
    ];
    const built = await runSegmentJob({
      kind: 'compact',
      file: 'seg-3.arrow',
      index: 'binary',
      inputs: [
        {
          kind: 'bytes',
          bytes: older,
          expected: { file: 'seg-1.arrow', bytes: older.length, crc32: crc32(older) },
        },
        { kind: 'data', series: newer },
      ],
    });
    expect([...built!.series[0]!.keys]).toEqual([1n, 3n]);
    expect([...built!.series[0]!.values]).toEqual([1, 30]);
    expect(built!.series[0]!.tombstones).toEqual([]);
    expect(built!.models).toEqual([{ kind: 'binary' }]);
    const gone = await runSegmentJob({
      kind: 'compact',
      file: 'seg-4.arrow',
      index: 'rmi',
      inputs: [
        { kind: 'data', series: [{ ...newer[0]!, keys: new BigInt64Array(0), values: new Float64Array(0) }] },
      ],
    });
    expect(gone).toBeUndefined();
    expect(segmentJobResultTransferList(gone)).toEqual([]);
    const damaged = older.slice();
    damaged[damaged.length >> 1]! ^= 1;
    expect(
      await codeOf(
        runSegmentJob({
          kind: 'compact',
          file: 'seg-5.arrow',
          index: 'rmi',
          inputs: [
            {
              kind: 'bytes',
              bytes: damaged,
              expected: { file: 'seg-1.arrow', bytes: older.length, crc32: crc32(older) },
            },
          ],
        }),
      ),
    ).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
  });

  it('transfer only buffers the job owns whole', () => {
    const pooled = new Uint8Array(new ArrayBuffer(64), 8, 16);
    const own = exclusiveBytes(pooled);
    expect(own).not.toBe(pooled);
    expect(own.byteLength).toBe(own.buffer.byteLength);
    expect(exclusiveBytes(own)).toBe(own);
    const flush = { kind: 'flush' as const, file: 'f', index: 'rmi' as const, series: [raw('a', [1n], [1])] };
    expect(segmentJobTransferList(flush)).toEqual([
      flush.series[0]!.keys.buffer,
      flush.series[0]!.values.buffer,
    ]);
    const compact = {
      kind: 'compact' as const,
      file: 'f',
      index: 'rmi' as const,
      inputs: [
        { kind: 'bytes' as const, bytes: own, expected: { file: 'x', bytes: 16, crc32: 0 } },
        { kind: 'data' as const, series: [] },
      ],
    };
    expect(segmentJobTransferList(compact)).toEqual([own.buffer]);
  });
});

describe('segment worker protocol', () => {
  it('keeps registry codes and details across threads; other errors become plain errors', () => {
    const back = deserializeJobError(
      structuredClone(
        serializeJobError(
          new OmenDbError('OMENDB_ERR_SEGMENT_CORRUPT', 'bad', { file: 'f', nested: { a: 1 } }),
        ),
      ),
    );
    expect(back).toBeInstanceOf(OmenDbError);
    expect((back as OmenDbError).code).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    expect((back as OmenDbError).details).toEqual({ file: 'f', nested: '[object Object]' });
    expect(deserializeJobError(serializeJobError(new Error('boom')))).not.toBeInstanceOf(OmenDbError);
    expect(deserializeJobError(serializeJobError('text')).message).toBe('text');
    expect(
      deserializeJobError({ code: 'OMENDB_ERR_NOT_A_CODE', message: 'm', details: undefined }),
    ).not.toBeInstanceOf(OmenDbError);
    expect(serializeJobError(new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'x')).details).toBeUndefined();
    expect(errorRegistry.OMENDB_ERR_SEGMENT_WORKER_FAILED.status).toBe(500);
  });
});
