import { OmenDbError } from '../errors.ts';
import { keyMax, keyMin } from '../storage/keys.ts';

/**
 * Keys on the wire: JSON numbers when they are safe integers, decimal strings otherwise, so every
 * int64 round-trips exactly through JSON (a number beyond 2^53 would be rounded by any parser).
 */

/** Schema of a key in a path or query string: a decimal integer; its range is checked on parse. */
export const keyTextSchema = { type: 'string', pattern: '^-?[0-9]{1,20}$' } as const;
/** Schema of a key in a JSON document. */
export const keyJsonSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]{1,20}$' }],
} as const;

export function parseKeyText(text: string, name: string): bigint {
  const key = /^-?[0-9]{1,20}$/.test(text) ? BigInt(text) : undefined;
  if (key === undefined || key < keyMin || key > keyMax)
    throw new OmenDbError('OMENDB_ERR_INPUT_KEY', `${name} must be a signed 64-bit integer`, { name });
  return key;
}

/** Ranges include both bounds; an omitted bound is the lowest or highest int64. */
export function keyRange(query: { from?: string; to?: string }): { from: bigint; to: bigint } {
  return {
    from: query.from === undefined ? keyMin : parseKeyText(query.from, 'from'),
    to: query.to === undefined ? keyMax : parseKeyText(query.to, 'to'),
  };
}

export function keyToJson(key: bigint): number | string {
  return key >= -9007199254740991n && key <= 9007199254740991n ? Number(key) : key.toString();
}

/**
 * Converts decimal-string keys of a JSON batch to bigints; number keys and values pass through
 * for the engine to validate (an unsafe-integer number is rejected there, never rounded).
 */
export function pointsFromJson(points: readonly (readonly unknown[])[]): [bigint | number, number][] {
  const converted = points as [bigint | number, number][];
  let copied: [bigint | number, number][] | undefined;
  for (let i = 0; i < points.length; i++) {
    const key = points[i]![0];
    if (typeof key === 'string') {
      copied ??= points.slice() as [bigint | number, number][];
      copied[i] = [parseKeyText(key, `points[${i}][0]`), points[i]![1] as number];
    }
  }
  return copied ?? converted;
}
