import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RangeOptions, RangePage } from '../../src/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { createHistoryRecorder } from '../../src/history/history-recorder.ts';
import { readState } from '../../src/history/read-state.ts';
import { ManualClock } from '../../src/runner/clock.ts';

/** A model whose range pages are broken in a chosen way. */
class BrokenPages extends ModelAdapter {
  constructor(private readonly defect: 'stuck-cursor' | 'out-of-order') {
    super();
  }
  protected override async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    if (this.defect === 'stuck-cursor') return { points: [], next: 1n };
    const page = await super._range(series, from, to, options);
    return { points: [...page.points].reverse(), next: page.next };
  }
}

async function filled(adapter: ModelAdapter): Promise<ModelAdapter> {
  await adapter.open();
  await adapter.write('a', [
    [1n, 1],
    [2n, 2],
    [3n, 3],
    [2n ** 63n - 1n, 4],
  ]);
  await adapter.write('b', [[-(2n ** 63n), -1]]);
  return adapter;
}

describe('readState', () => {
  it('reads every series page by page', async () => {
    const adapter = await filled(new ModelAdapter());
    const state = await readState(adapter, { pageLimit: 2 });
    expect(state).toEqual(
      new Map([
        [
          'a',
          new Map([
            [1n, 1],
            [2n, 2],
            [3n, 3],
            [2n ** 63n - 1n, 4],
          ]),
        ],
        ['b', new Map([[-(2n ** 63n), -1]])],
      ]),
    );
    expect(await readState(adapter)).toEqual(state);
  });

  it('records the read as one read-all operation when given a history', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omendb-read-state-'));
    try {
      const history = createHistoryRecorder({ path: join(dir, 'h.jsonl'), clock: new ManualClock() });
      await readState(await filled(new ModelAdapter()), { history, process: 4 });
      await readState(await filled(new ModelAdapter()), { history });
      expect(history.entries().map((e) => [e.op, e.process, e.series, e.result])).toEqual([
        ['read-all', 4, '*', { series: 2, points: 5 }],
        ['read-all', 0, '*', { series: 2, points: 5 }],
      ]);
      await history.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a cursor that does not advance, keys out of order, and too many pages', async () => {
    await expect(readState(await filled(new BrokenPages('stuck-cursor')))).rejects.toThrow(
      /does not advance/,
    );
    await expect(readState(await filled(new BrokenPages('out-of-order')))).rejects.toThrow(/out of order/);
    await expect(readState(await filled(new ModelAdapter()), { pageLimit: 1, pagesMax: 2 })).rejects.toThrow(
      /more than 2 pages/,
    );
  });
});
