import { OmenDbError } from '@omendb/engine';
import type { ParamValue } from '../../runner/scenario.ts';
import { type ShapeName, shapeNames } from './point-generator.ts';

/** The scale scenario's parameters, typed: see scenarios/scale.ts for what each means. */
export interface ScaleSettings {
  readonly points: number;
  readonly shapes: readonly ShapeName[];
  readonly manySeries: number;
  readonly batchPoints: number;
  readonly writers: number;
  readonly lookups: number;
  readonly ranges: number;
  readonly rangeSpanPoints: number;
  readonly aggregates: number;
  readonly bucketWidth: number;
  readonly ingestIntervalMs: number;
  readonly readPageLimit: number;
}

/** `one,many` to the shapes to run, in that order; anything else is a usage error. */
export function parseShapes(text: string): ShapeName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = names.filter((n) => !(shapeNames as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0 || new Set(names).size !== names.length)
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_USAGE',
      `scale --param shapes takes distinct names from ${shapeNames.join(', ')} separated by commas, not ${JSON.stringify(text)}`,
    );
  return names as ShapeName[];
}

export function scaleSettings(params: Readonly<Record<string, ParamValue>>): ScaleSettings {
  const number = (name: string) => Number(params[name]);
  return {
    points: number('points'),
    shapes: parseShapes(String(params.shapes)),
    manySeries: number('manySeries'),
    batchPoints: number('batchPoints'),
    writers: number('writers'),
    lookups: number('lookups'),
    ranges: number('ranges'),
    rangeSpanPoints: number('rangeSpanPoints'),
    aggregates: number('aggregates'),
    bucketWidth: number('bucketWidth'),
    ingestIntervalMs: number('ingestIntervalMs'),
    readPageLimit: number('readPageLimit'),
  };
}
