import { tableFromArrays, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Point } from '../../../src/adapter.ts';
import { ArrowWriteTemplates } from '../../../src/adapters/http/arrow-write-templates.ts';
import { arrowWriteTemplatePointsMax, arrowWriteTemplatesMax } from '../../../src/limits.ts';

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`arrow-write-templates fast-check seed ${seed} (replay: FC_SEED=${seed})`);

/** What the templates stand in for: apache-arrow's own stream of the two columns. */
function tableBytes(points: readonly Point[]): Uint8Array {
  return tableToIPC(
    tableFromArrays({
      key: BigInt64Array.from(points, ([key]) => key),
      value: Float64Array.from(points, ([, value]) => value),
    }),
    'stream',
  );
}

const point = fc.tuple(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
) as fc.Arbitrary<Point>;

describe('Arrow write templates', () => {
  it("give tableToIPC's bytes exactly, for any batch (int64 extremes, -0, lengths that repeat)", () => {
    const templates = new ArrowWriteTemplates();
    fc.assert(
      fc.property(fc.array(point, { minLength: 0, maxLength: 70 }), (points) => {
        expect(Buffer.from(templates.encode(points)).equals(Buffer.from(tableBytes(points)))).toBe(true);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('fill in templates on this little-endian host (the bytes alone would not show a fallback)', () => {
    const templates = new ArrowWriteTemplates();
    for (const length of [1, 2, 999, 1000]) expect(templates.templated(length)).toBe(true);
    // An empty batch has no data buffers to fill; a huge one would pin a huge template.
    expect(templates.templated(0)).toBe(false);
    expect(templates.templated(arrowWriteTemplatePointsMax)).toBe(true);
    expect(templates.templated(arrowWriteTemplatePointsMax + 1)).toBe(false);
  });

  it('keep working past arrowWriteTemplatesMax lengths (the cache starts over) and past the largest templated batch', () => {
    const templates = new ArrowWriteTemplates();
    for (let length = 1; length <= arrowWriteTemplatesMax * 2 + 1; length++) {
      const points = Array.from({ length }, (_, i): Point => [BigInt(i) - 3n, i / 3]);
      expect(Buffer.from(templates.encode(points)).equals(Buffer.from(tableBytes(points)))).toBe(true);
    }
    const big = Array.from({ length: arrowWriteTemplatePointsMax + 1 }, (_, i): Point => [BigInt(i), i]);
    expect(Buffer.from(templates.encode(big)).equals(Buffer.from(tableBytes(big)))).toBe(true);
  });

  it('return a new body per batch: a body sent earlier is never overwritten', () => {
    const templates = new ArrowWriteTemplates();
    const first = templates.encode([[1n, 1]]);
    const copy = first.slice();
    templates.encode([[2n, 2]]);
    expect(first).toEqual(copy);
  });
});
