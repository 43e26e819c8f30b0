import { OmenDbError } from '../errors.ts';
import { seriesNameLengthMax } from '../limits.ts';

/** Keys are signed 64-bit integers; every int64 round-trips exactly. */
export const keyMin = -(2n ** 63n);
export const keyMax = 2n ** 63n - 1n;

export type KeyInput = bigint | number;

const seriesNamePattern = /^[A-Za-z0-9_.:-]+$/;

export function validateSeriesName(series: unknown): string {
  if (
    typeof series !== 'string' ||
    series.length === 0 ||
    series.length > seriesNameLengthMax ||
    !seriesNamePattern.test(series)
  ) {
    throw new OmenDbError(
      'OMENDB_ERR_INPUT_SERIES_NAME',
      `series name must be 1 to ${seriesNameLengthMax} characters of [A-Za-z0-9_.:-]`,
      { series: typeof series === 'string' ? series.slice(0, seriesNameLengthMax + 1) : typeof series },
    );
  }
  return series;
}

/** Converts a key from the API (bigint, or a number that is a safe integer) to bigint. */
export function toKey(input: unknown, what = 'key'): bigint {
  if (typeof input === 'bigint') {
    if (input < keyMin || input > keyMax) {
      throw new OmenDbError('OMENDB_ERR_INPUT_KEY', `${what} is outside the int64 range`, {
        key: input.toString(),
      });
    }
    return input;
  }
  if (typeof input === 'number' && Number.isSafeInteger(input)) return BigInt(input);
  throw new OmenDbError(
    'OMENDB_ERR_INPUT_KEY',
    `${what} must be a bigint in the int64 range or a safe-integer number`,
    { key: typeof input === 'number' ? String(input) : typeof input },
  );
}

export function validateValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new OmenDbError('OMENDB_ERR_INPUT_VALUE', 'value must be a finite number', {
      value: typeof value === 'number' ? String(value) : typeof value,
    });
  }
  return value;
}

/** Validates an inclusive range; an omitted bound means the lowest or highest int64. */
export function toRange(from: unknown, to: unknown): { from: bigint; to: bigint } {
  const lo = from === undefined ? keyMin : toKey(from, 'from');
  const hi = to === undefined ? keyMax : toKey(to, 'to');
  if (lo > hi) {
    throw new OmenDbError('OMENDB_ERR_INPUT_RANGE', 'range must have from <= to', {
      from: lo.toString(),
      to: hi.toString(),
    });
  }
  return { from: lo, to: hi };
}
