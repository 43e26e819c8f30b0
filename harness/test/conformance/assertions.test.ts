import { OmenDbError } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { RangeOptions, RangePage } from '../../src/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { readAll, readState, rejectsWithCode } from '../../src/conformance/assertions.ts';

/** Serves a fixed list of pages, whatever is asked. */
class ScriptedPages extends ModelAdapter {
  private calls = 0;
  constructor(private readonly pages: RangePage[]) {
    super();
  }
  protected override async _range(): Promise<RangePage> {
    return this.pages[Math.min(this.calls++, this.pages.length - 1)]!;
  }
}

async function opened<T extends ModelAdapter>(adapter: T): Promise<T> {
  await adapter.open();
  return adapter;
}

describe('rejectsWithCode', () => {
  it('passes on the expected code, sync throws included', async () => {
    await rejectsWithCode(
      () => Promise.reject(new OmenDbError('OMENDB_ERR_INPUT_KEY', 'x')),
      'OMENDB_ERR_INPUT_KEY',
      'async',
    );
    await rejectsWithCode(
      () => {
        throw new OmenDbError('OMENDB_ERR_INPUT_KEY', 'x');
      },
      'OMENDB_ERR_INPUT_KEY',
      'sync',
    );
  });

  it('fails on another code, a foreign error, or success', async () => {
    await expect(
      rejectsWithCode(
        () => Promise.reject(new OmenDbError('OMENDB_ERR_INPUT_VALUE', 'x')),
        'OMENDB_ERR_INPUT_KEY',
        'wrong',
      ),
    ).rejects.toThrow(/wrong: wrong code/);
    await expect(
      rejectsWithCode(() => Promise.reject(new Error('plain')), 'OMENDB_ERR_INPUT_KEY', 'foreign'),
    ).rejects.toThrow(/foreign: expected an OmenDbError/);
    await expect(rejectsWithCode(() => Promise.resolve(1), 'OMENDB_ERR_INPUT_KEY', 'ok')).rejects.toThrow(
      /ok: expected OMENDB_ERR_INPUT_KEY, but it succeeded/,
    );
  });
});

describe('readAll', () => {
  it('reads every page of a real adapter, with or without a limit', async () => {
    const adapter = await opened(new ModelAdapter());
    await adapter.write('s', [
      [1n, 1],
      [2n, 2],
      [3n, 3],
    ]);
    expect(await readAll(adapter, 's', undefined, undefined, 2)).toEqual([
      [1n, 1],
      [2n, 2],
      [3n, 3],
    ]);
    expect(await readAll(adapter, 's', 2n)).toEqual([
      [2n, 2],
      [3n, 3],
    ]);
    expect(await readState(adapter)).toEqual([
      [
        's',
        [
          [1n, 1],
          [2n, 2],
          [3n, 3],
        ],
      ],
    ]);
  });

  it('catches a page over its limit, keys that do not ascend, a wrong next, and endless pages', async () => {
    const oversized = await opened(
      new ScriptedPages([
        {
          points: [
            [1n, 1],
            [2n, 2],
          ],
          next: null,
        },
      ]),
    );
    await expect(readAll(oversized, 's', undefined, undefined, 1)).rejects.toThrow(/at most 1 points/);
    const repeating = await opened(
      new ScriptedPages([
        { points: [[1n, 1]], next: 1n },
        { points: [[1n, 1]], next: null },
      ]),
    );
    await expect(readAll(repeating, 's')).rejects.toThrow(/keys ascend/);
    const wrongNext = await opened(new ScriptedPages([{ points: [[1n, 1]], next: 5n }]));
    await expect(readAll(wrongNext, 's')).rejects.toThrow(/next is the last key/);
    let key = 0n;
    class Endless extends ModelAdapter {
      protected override async _range(
        _s: string,
        _f: unknown,
        _t: unknown,
        _o: RangeOptions,
      ): Promise<RangePage> {
        key++;
        return { points: [[key, 1]], next: key };
      }
    }
    await expect(readAll(await opened(new Endless()), 's')).rejects.toThrow(/did not end within/);
  });
});
