import assert from 'node:assert/strict';
import type { ErrorCode } from '@omendb/engine';
import { isOmenDbError } from '@omendb/engine';
import type { EngineAdapter, Point } from '../adapter.ts';
import { conformancePagesMax } from '../limits.ts';

/** Asserts that `call` throws or rejects with an OmenDbError carrying `code` (codes, never messages). */
export async function rejectsWithCode(call: () => unknown, code: ErrorCode, what: string): Promise<void> {
  await assert.rejects(
    async () => call(),
    (error: unknown) => {
      assert.ok(isOmenDbError(error), `${what}: expected an OmenDbError ${code}, got ${String(error)}`);
      assert.equal(error.code, code, `${what}: wrong code`);
      return true;
    },
    `${what}: expected ${code}, but it succeeded`,
  );
}

/**
 * Every point of a range, page by page, checking the page contract on the way: at most `limit`
 * points, keys ascending across pages, and `next` the last key of a page that has a successor.
 */
export async function readAll(
  adapter: EngineAdapter,
  series: string,
  from?: bigint,
  to?: bigint,
  limit?: number,
): Promise<Point[]> {
  const points: Point[] = [];
  let after: bigint | undefined;
  for (let page = 0; page < conformancePagesMax; page++) {
    const result = await adapter.range(series, from, to, {
      ...(limit === undefined ? {} : { limit }),
      ...(after === undefined ? {} : { after }),
    });
    if (limit !== undefined) assert.ok(result.points.length <= limit, `a page holds at most ${limit} points`);
    for (const point of result.points) {
      const previous = points[points.length - 1];
      if (previous !== undefined)
        assert.ok(point[0] > previous[0], `keys ascend: ${point[0]} after ${previous[0]}`);
      points.push([point[0], point[1]]);
    }
    if (result.next === null) return points;
    assert.equal(result.next, points[points.length - 1]?.[0], 'next is the last key of its page');
    after = result.next;
  }
  assert.fail(`range of ${series} did not end within ${conformancePagesMax} pages`);
}

/** The whole state, series by series in listSeries() order. */
export async function readState(adapter: EngineAdapter): Promise<[string, Point[]][]> {
  const state: [string, Point[]][] = [];
  for (const series of await adapter.listSeries()) state.push([series, await readAll(adapter, series)]);
  return state;
}
