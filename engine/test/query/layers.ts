import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { keyIndexFactories } from '../../src/index/index-factories.ts';
import type { KeyIndexKind } from '../../src/index/key-index.ts';
import { mergeLayers } from '../../src/storage/compaction.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { type Layer, LoadedSegment, memtableLayer } from '../../src/storage/layer.ts';
import { segmentFileName } from '../../src/storage/manifest.ts';
import { Memtable } from '../../src/storage/memtable.ts';
import { decodeSegment, encodeSegment, type SegmentSeriesData } from '../../src/storage/segment-file.ts';
import { MapModel, type ModelOp } from '../../src/testing/map-model.ts';

/**
 * Random layer stacks for the query tests: memtables and sealed segments (encoded and decoded
 * through the real segment format, so series runs are views at offsets into one column), built
 * from the same operations a Map model applies, optionally with the oldest segments compacted.
 */
export interface LayerSpec {
  readonly ops: readonly ModelOp[];
  readonly sealed: boolean;
  /** Block size of the segment's aggregate summaries: small, so that tests see many whole blocks. */
  readonly blockPoints: number;
}

export interface StackSpec {
  /** Oldest first. */
  readonly layers: readonly LayerSpec[];
  readonly index: KeyIndexKind;
  /** Merge this many of the oldest layers into one segment, when they are all sealed. */
  readonly compact: number;
}

export const series = ['a', 'b'] as const;

/** Keys that collide often, plus the int64 extremes and anything in between. */
export const keyArb = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt(-40n, 40n) },
  { weight: 1, arbitrary: fc.constantFrom(keyMin, keyMin + 1n, keyMax - 1n, keyMax) },
  { weight: 1, arbitrary: fc.bigInt(keyMin, keyMax) },
);

/** Values of every scale, and cancellations, but whose sums stay far from overflow. */
export const valueArb = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e290, max: 1e290 }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0, -0, 0.1, 1e16, -1e16, Number.MIN_VALUE),
);

/** A run of consecutive keys (step 1 to 3) from a start, clipped to the int64 range. */
const bulkPointsArb = fc
  .record({
    start: fc.oneof(
      { weight: 4, arbitrary: fc.bigInt(-60n, 20n) },
      { weight: 1, arbitrary: fc.constantFrom(keyMin, keyMax - 30n) },
    ),
    step: fc.bigInt(1n, 3n),
    values: fc.array(valueArb, { maxLength: 60 }),
  })
  .map(({ start, step, values }) =>
    values
      .map((value, i): [bigint, number] => [start + BigInt(i) * step, value])
      .filter(([key]) => key <= keyMax),
  );

export const opArb: fc.Arbitrary<ModelOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      series: fc.constantFrom(...series),
      points: fc.oneof(fc.array(fc.tuple(keyArb, valueArb), { maxLength: 12 }), bulkPointsArb),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ series: fc.constantFrom(...series), a: keyArb, b: keyArb }).map(
      ({ series, a, b }): ModelOp => ({
        kind: 'deleteRange',
        series,
        from: a < b ? a : b,
        to: a < b ? b : a,
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('dropSeries' as const), series: fc.constantFrom(...series) }),
  },
);

export const stackArb: fc.Arbitrary<StackSpec> = fc.record({
  layers: fc.array(
    fc.record({
      ops: fc.array(opArb, { maxLength: 6 }),
      sealed: fc.boolean(),
      blockPoints: fc.constantFrom(1, 2, 3, 4, 8, 16),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  index: fc.constantFrom<KeyIndexKind>('rmi', 'binary'),
  compact: fc.integer({ min: 0, max: 3 }),
});

function applyToMemtable(memtable: Memtable, op: ModelOp): void {
  switch (op.kind) {
    case 'put':
      memtable.put(
        op.series,
        BigInt64Array.from(op.points.map(([key]) => key)),
        Float64Array.from(op.points.map(([, value]) => value)),
      );
      break;
    case 'deleteRange':
      memtable.deleteRange(op.series, op.from, op.to);
      break;
    case 'dropSeries':
      memtable.drop(op.series);
      break;
  }
}

/** What a flush writes: every series with points, tombstones or a drop, sorted by name. */
function flushData(memtable: Memtable): SegmentSeriesData[] {
  const data: SegmentSeriesData[] = [];
  for (const name of [...memtable.series.keys()].sort()) {
    const table = memtable.series.get(name)!;
    const { keys, values } = table.view();
    if (keys.length === 0 && table.tombstones.length === 0 && !table.dropped) continue;
    data.push({ name, keys, values, tombstones: table.tombstones, dropped: table.dropped });
  }
  return data;
}

let nextId = 1;

export function sealSegment(
  data: SegmentSeriesData[],
  index: KeyIndexKind,
  blockPoints: number,
): LoadedSegment {
  const id = nextId++;
  const file = segmentFileName(id);
  const bytes = encodeSegment(data);
  const record = { id, file, bytes: bytes.length, crc32: crc32(bytes), points: 0 };
  return new LoadedSegment(record, decodeSegment(bytes, record), keyIndexFactories[index], blockPoints);
}

/** The layers (newest first, as the engine reads them) and the model of the same operations. */
export async function buildStack(spec: StackSpec): Promise<{ layers: Layer[]; model: MapModel }> {
  const model = new MapModel();
  let built: { layer: Layer; sealed: boolean }[] = [];
  for (const layerSpec of spec.layers) {
    const memtable = new Memtable();
    for (const op of layerSpec.ops) {
      applyToMemtable(memtable, op);
      model.apply(op);
    }
    built.push({
      layer: layerSpec.sealed
        ? sealSegment(flushData(memtable), spec.index, layerSpec.blockPoints)
        : memtableLayer(memtable),
      sealed: layerSpec.sealed,
    });
  }
  const run = built.slice(0, spec.compact);
  if (run.length >= 2 && run.every((entry) => entry.sealed)) {
    const merged = await mergeLayers(
      run.map((entry) => entry.layer),
      true,
    );
    const blockPoints = spec.layers[0]!.blockPoints;
    built = [
      { layer: sealSegment(merged, spec.index, blockPoints), sealed: true },
      ...built.slice(run.length),
    ];
  }
  return { layers: built.map((entry) => entry.layer).reverse(), model };
}
