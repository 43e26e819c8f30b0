import { describe, expect, it } from 'vitest';
import { scanPointsJson } from '../../src/server/points-json.ts';
import { createPrng, type Prng, seedFromEnv } from '../../src/util/prng.ts';

/** What the ordinary path makes of a body: JSON.parse, then the engine's key conversion. */
function ordinary(text: string): { keys: bigint[]; values: number[] } {
  const body = JSON.parse(text) as { points: [number, number][] };
  return { keys: body.points.map(([key]) => BigInt(key)), values: body.points.map(([, value]) => value) };
}

function scan(text: string, pointsMax = 100_000): { keys: bigint[]; values: number[] } | undefined {
  const columns = scanPointsJson(Buffer.from(text, 'utf8'), pointsMax);
  return columns === undefined ? undefined : { keys: [...columns.keys], values: [...columns.values] };
}

function expectSameAsOrdinary(text: string): void {
  const scanned = scan(text);
  expect(scanned, text.slice(0, 200)).toBeDefined();
  const expected = ordinary(text);
  expect(scanned!.keys).toEqual(expected.keys);
  // Object.is per value: -0 and 0 differ, and so must not be confused.
  expect(scanned!.values.length).toBe(expected.values.length);
  for (let i = 0; i < expected.values.length; i++) {
    expect(Object.is(scanned!.values[i], expected.values[i]), `value ${i} of ${text.slice(0, 200)}`).toBe(
      true,
    );
  }
}

/** A seeded generator (its seed printed first) and random decimal digits without a leading zero. */
function seededDigits(): { prng: Prng; digits: (count: number) => string } {
  const seed = seedFromEnv();
  console.log(`seed ${seed} (replay: OMENDB_SEED=${seed})`);
  const prng = createPrng(seed);
  const digits = (count: number): string => {
    let text = String(1 + prng.int(9));
    for (let i = 1; i < count; i++) text += String(prng.int(10));
    return text;
  };
  return { prng, digits };
}

describe('scanPointsJson', () => {
  it('reads a write body into the columns JSON.parse and the engine would make', () => {
    expectSameAsOrdinary('{"points":[[1,2],[3,4.5]]}');
    expectSameAsOrdinary(' {\n\t"points" :\r [ [ -7 , -0 ] , [ 0 , 0.25 ] , [-0, 1e3], [5, -2.5E-3] ] } \n');
    expectSameAsOrdinary(
      `{"points":[[${Number.MAX_SAFE_INTEGER},1],[${Number.MIN_SAFE_INTEGER},2],[4294967296,3],[-4294967297,4],[2147483648,5]]}`,
    );
    // Past 15 significant digits, or with an exponent, the value goes through Number().
    expectSameAsOrdinary(
      '{"points":[[1,0.1000000000000000055511151231257827],[2,123456789012345678],[3,1.7976931348623157e308]]}',
    );
  });

  it('matches JSON.parse on random keys and values of every length', () => {
    const { prng, digits } = seededDigits();
    for (let body = 0; body < 200; body++) {
      const points: string[] = [];
      for (let i = 0; i < 50; i++) {
        const key = (prng.chance(0.5) ? -1 : 1) * Math.floor(prng.next() * 2 ** (1 + prng.int(53)));
        const intPart = prng.chance(0.3) ? '0' : digits(1 + prng.int(12));
        const fraction = prng.chance(0.7) ? `.${digits(1 + prng.int(20))}` : '';
        const exponent = prng.chance(0.2) ? `e${prng.chance(0.5) ? '-' : '+'}${prng.int(290)}` : '';
        points.push(`[${key},${prng.chance(0.5) ? '-' : ''}${intPart}${fraction}${exponent}]`);
      }
      expectSameAsOrdinary(`{"points":[${points.join(',')}]}`);
    }
  });

  it('rounds 16 to 19 digits exactly as JSON.parse does, halfway cases included', () => {
    const { prng, digits } = seededDigits();
    const values: string[] = [
      '9007199254740993', // 2^53 + 1: halfway between 2^53 and 2^53 + 2, ties to even (down)
      '9007199254740995', // halfway, ties to even (up)
      '18014398509481990', // 2^54 + 6: halfway between two multiples of 4
      '9999999999999999999',
      '1000000000000000000',
      '0.1000000000000000055',
      '0.30000000000000004',
      '0.14285714285714285',
      '123456.0048828125',
      '4503599627370496.5', // 2^52 + 0.5: halfway, ties to even
      '4503599627370497.5',
      '0.0000000000000000',
    ];
    for (let i = 0; i < 4000; i++) {
      const total = 16 + prng.int(4);
      const text = digits(total);
      const point = prng.int(total);
      values.push(point === 0 ? text : `${text.slice(0, point)}.${text.slice(point)}`);
      // An integer halfway between two doubles: 2^k·(odd) with k past the 53 bits, plus half an ulp.
      const exponent = 53 + prng.int(10);
      const ulp = 2n ** BigInt(exponent - 52);
      const below = 2n ** BigInt(exponent) + BigInt(Math.floor(prng.next() * 2 ** 40)) * ulp;
      const halfway = below + ulp / 2n;
      if (halfway < 10n ** 19n) values.push(String(halfway));
      // Halfway with a fraction: k + 2^-(j+1) where the ulp at k is 2^-j (k.5, k.25, k.125), so
      // the division by 10^f is inexact and the double-double lands near the boundary.
      const j = prng.int(3);
      const k = 2 ** (52 - j) + Math.floor(prng.next() * 2 ** (52 - j));
      values.push(`${k}${['.5', '.25', '.125'][j]}`);
      // A double's shortest form, as JSON.stringify writes it (mostly 16 or 17 digits).
      values.push(String(prng.next() * 10 ** prng.int(12)));
    }
    for (let at = 0; at < values.length; at += 500) {
      const slice = values.slice(at, at + 500);
      const signed = slice.map((value, i) => `[${i},${prng.chance(0.3) ? '-' : ''}${value}]`);
      expectSameAsOrdinary(`{"points":[${signed.join(',')}]}`);
    }
  });

  it('leaves to the ordinary parse every body it is not sure of', () => {
    const refused = [
      '',
      '{}',
      '{"points":[]}',
      '{"points":[["1",2]]}',
      '{"points":[[1.0,2]]}',
      '{"points":[[1e3,2]]}',
      '{"points":[[9007199254740992,2]]}',
      '{"points":[[12345678901234567,2]]}',
      '{"points":[[01,2]]}',
      '{"points":[[1,01]]}',
      '{"points":[[1,.5]]}',
      '{"points":[[1,5.]]}',
      '{"points":[[1,5e]]}',
      '{"points":[[1,-]]}',
      '{"points":[[-,1]]}',
      '{"points":[[1,1e400]]}',
      '{"points":[[1,2,3]]}',
      '{"points":[[1]]}',
      '{"points":[[1,2]],"extra":1}',
      '{"points":[[1,2]]',
      '{"points":[[1,2]]}x',
      '{"points":[[1,2],]}',
      '{"points":[[1,null]]}',
      '\ufeff{"points":[[1,2]]}',
      '{"Points":[[1,2]]}',
    ];
    for (const text of refused) expect(scan(text), text).toBeUndefined();
  });

  it('refuses more points than a request may hold', () => {
    expect(scan('{"points":[[1,2],[3,4]]}', 1)).toBeUndefined();
    expect(scan('{"points":[[1,2],[3,4]]}', 2)?.keys).toEqual([1n, 3n]);
  });

  it('returns columns of their own: a later scan does not change an earlier one', () => {
    const first = scanPointsJson(Buffer.from('{"points":[[1,2],[3,4]]}'), 10)!;
    scanPointsJson(Buffer.from('{"points":[[5,6],[7,8],[9,10]]}'), 10);
    expect([...first.keys]).toEqual([1n, 3n]);
    expect([...first.values]).toEqual([2, 4]);
  });
});
