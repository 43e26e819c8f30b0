import { describe, expect, it } from 'vitest';
import { isOmenDbError } from '../../src/errors.ts';
import { seriesNameLengthMax } from '../../src/limits.ts';
import { keyMax, keyMin, toKey, toRange, validateSeriesName, validateValue } from '../../src/storage/keys.ts';
import { codeOfCall } from '../support/codes.ts';

describe('keyMin and keyMax', () => {
  it('are the int64 bounds', () => {
    expect(keyMin).toBe(-9223372036854775808n);
    expect(keyMax).toBe(9223372036854775807n);
    expect(BigInt.asIntN(64, keyMin)).toBe(keyMin);
    expect(BigInt.asIntN(64, keyMax)).toBe(keyMax);
  });
});

describe('toKey', () => {
  it('accepts every bigint in the int64 range, unchanged', () => {
    for (const key of [keyMin, keyMin + 1n, -1n, 0n, 1n, keyMax - 1n, keyMax]) {
      expect(toKey(key)).toBe(key);
    }
  });

  it('converts safe-integer numbers to bigint', () => {
    expect(toKey(0)).toBe(0n);
    expect(toKey(-0)).toBe(0n);
    expect(toKey(42)).toBe(42n);
    expect(toKey(-42)).toBe(-42n);
    expect(toKey(Number.MAX_SAFE_INTEGER)).toBe(9007199254740991n);
    expect(toKey(Number.MIN_SAFE_INTEGER)).toBe(-9007199254740991n);
  });

  it.each([
    ['2^63', 2n ** 63n],
    ['-2^63 - 1', -(2n ** 63n) - 1n],
    ['2^64', 2n ** 64n],
    ['1.5', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['2^53', 2 ** 53],
    ['-(2^53)', -(2 ** 53)],
    ['a numeric string', '1'],
    ['a string', 'abc'],
    ['undefined', undefined],
    ['null', null],
    ['an object', { valueOf: () => 1 }],
    ['a boolean', true],
  ])('rejects %s with OMENDB_ERR_INPUT_KEY', (_label, input) => {
    expect(codeOfCall(() => toKey(input))).toBe('OMENDB_ERR_INPUT_KEY');
  });

  it('names the rejected key in the details', () => {
    try {
      toKey(2n ** 63n);
      expect.unreachable();
    } catch (error) {
      expect(isOmenDbError(error, 'OMENDB_ERR_INPUT_KEY')).toBe(true);
      expect((error as { details: Record<string, unknown> }).details.key).toBe((2n ** 63n).toString());
    }
  });
});

describe('validateSeriesName', () => {
  it('accepts 1 to 128 characters of [A-Za-z0-9_.:-]', () => {
    const accepted = [
      'a',
      'Z',
      '0',
      '_',
      '.',
      ':',
      '-',
      'cpu.load:host-1_eu',
      '..',
      'x'.repeat(seriesNameLengthMax),
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-',
    ];
    for (const name of accepted) expect(validateSeriesName(name)).toBe(name);
  });

  it.each([
    ['the empty string', ''],
    ['129 characters', 'x'.repeat(seriesNameLengthMax + 1)],
    ['a path climbing out', '../x'],
    ['a slash', 'a/b'],
    ['a backslash', 'a\\b'],
    ['a space', 'a b'],
    ['a newline', 'a\n'],
    ['a NUL byte', 'a\u0000b'],
    ['non-ASCII letters', 'caf\u00e9'],
    ['an emoji', '\u{1F600}'],
    ['a number', 1],
    ['undefined', undefined],
    ['null', null],
    ['an array', ['a']],
    ['a String object', new String('a')],
  ])('rejects %s with OMENDB_ERR_INPUT_SERIES_NAME', (_label, name) => {
    expect(codeOfCall(() => validateSeriesName(name))).toBe('OMENDB_ERR_INPUT_SERIES_NAME');
  });
});

describe('validateValue', () => {
  it('returns finite numbers unchanged', () => {
    for (const value of [0, -0, 1.5, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON]) {
      expect(Object.is(validateValue(value), value)).toBe(true);
    }
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a numeric string', '1'],
    ['a bigint', 1n],
    ['undefined', undefined],
    ['null', null],
  ])('rejects %s with OMENDB_ERR_INPUT_VALUE', (_label, value) => {
    expect(codeOfCall(() => validateValue(value))).toBe('OMENDB_ERR_INPUT_VALUE');
  });
});

describe('toRange', () => {
  it('defaults an omitted bound to the lowest or highest int64', () => {
    expect(toRange(undefined, undefined)).toEqual({ from: keyMin, to: keyMax });
    expect(toRange(5, undefined)).toEqual({ from: 5n, to: keyMax });
    expect(toRange(undefined, -5n)).toEqual({ from: keyMin, to: -5n });
  });

  it('accepts from === to and mixes numbers and bigints', () => {
    expect(toRange(7, 7n)).toEqual({ from: 7n, to: 7n });
    expect(toRange(-3n, 4)).toEqual({ from: -3n, to: 4n });
    expect(toRange(keyMin, keyMax)).toEqual({ from: keyMin, to: keyMax });
  });

  it('rejects from > to with OMENDB_ERR_INPUT_RANGE', () => {
    expect(codeOfCall(() => toRange(2, 1))).toBe('OMENDB_ERR_INPUT_RANGE');
    expect(codeOfCall(() => toRange(keyMax, keyMin))).toBe('OMENDB_ERR_INPUT_RANGE');
    expect(codeOfCall(() => toRange(0n, undefined))).toBeUndefined();
    expect(codeOfCall(() => toRange(keyMax, undefined))).toBeUndefined();
    expect(codeOfCall(() => toRange(undefined, keyMin))).toBeUndefined();
  });

  it('rejects a bad bound with OMENDB_ERR_INPUT_KEY', () => {
    expect(codeOfCall(() => toRange(1.5, 2))).toBe('OMENDB_ERR_INPUT_KEY');
    expect(codeOfCall(() => toRange(1, 2n ** 63n))).toBe('OMENDB_ERR_INPUT_KEY');
    expect(codeOfCall(() => toRange(null, 1))).toBe('OMENDB_ERR_INPUT_KEY');
  });
});
