import type { RecordBatch, Schema } from 'apache-arrow';
import type { ArrowModule } from '../query/arrow-module.ts';

/**
 * The Arrow shapes of a segment, built with a given apache-arrow build (see query/arrow-module.ts:
 * the build is loaded when first needed, so nothing here may touch apache-arrow at import time).
 */

/** The two columns of a segment, also the shape of Arrow range results. */
export function segmentSchema(arrow: ArrowModule, metadata?: Map<string, string>): Schema {
  return new arrow.Schema(
    [new arrow.Field('key', new arrow.Int64(), false), new arrow.Field('value', new arrow.Float64(), false)],
    metadata,
  );
}

/** One record batch over the given arrays, without copying them. */
export function makeBatch(
  arrow: ArrowModule,
  schema: Schema,
  keys: BigInt64Array,
  values: Float64Array,
): RecordBatch {
  const keyData = arrow.makeData({ type: new arrow.Int64(), length: keys.length, nullCount: 0, data: keys });
  const valueData = arrow.makeData({
    type: new arrow.Float64(),
    length: values.length,
    nullCount: 0,
    data: values,
  });
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: keys.length,
    nullCount: 0,
    children: [keyData, valueData],
  });
  return new arrow.RecordBatch(schema, struct);
}
