import { describe, expect, it } from 'vitest';
import { keyToJson, parseKeyText, pointsFromJson } from '../../src/server/http-keys.ts';
import { codeOfCall } from '../support/codes.ts';

describe('keys on the wire', () => {
  it('round-trips every int64 boundary exactly, as numbers when safe and strings otherwise', () => {
    const keys = [
      -(2n ** 63n),
      -(2n ** 53n),
      -(2n ** 53n) + 1n,
      -1n,
      0n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 63n - 1n,
    ];
    for (const key of keys) {
      const wire = JSON.parse(JSON.stringify(keyToJson(key))) as number | string;
      const safe = key >= -(2n ** 53n) + 1n && key <= 2n ** 53n - 1n;
      expect(typeof wire).toBe(safe ? 'number' : 'string');
      expect(parseKeyText(String(wire), 'key')).toBe(key);
    }
  });

  it('rejects text that is not an int64 with OMENDB_ERR_INPUT_KEY', () => {
    for (const text of [
      '9223372036854775808',
      '-9223372036854775809',
      '1.5',
      '',
      '12abc',
      '0x10',
      '99999999999999999999',
    ])
      expect(codeOfCall(() => parseKeyText(text, 'key'))).toBe('OMENDB_ERR_INPUT_KEY');
  });

  it('converts string keys of a JSON batch and leaves number keys to the engine', () => {
    const input = [
      [1, 1.5],
      ['9223372036854775807', 2],
    ];
    expect(pointsFromJson(input)).toEqual([
      [1, 1.5],
      [2n ** 63n - 1n, 2],
    ]);
    const numbersOnly = [[1, 2]];
    expect(pointsFromJson(numbersOnly)).toBe(numbersOnly);
    expect(codeOfCall(() => pointsFromJson([['nope', 1]]))).toBe('OMENDB_ERR_INPUT_KEY');
  });
});
