import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AggregateResult } from '@omendb/engine';
import { afterAll, describe, expect, it } from 'vitest';
import type { AggregateQuery, EngineAdapter, Point, RangeOptions, RangePage } from '../../src/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { naiveAggregate } from '../../src/adapters/model/naive-aggregate.ts';
import { conformanceCases, runConformance } from '../../src/conformance/run-conformance.ts';
import { collectingApi, failedNames } from './collecting-api.ts';

// A conformance case is trusted only once it has failed: each broken model below has one defect
// of the kind the suite exists to catch, and the case named beside it must report it.

class ZeroForAbsent extends ModelAdapter {
  protected override async _get(series: string, key: bigint): Promise<number | undefined> {
    return (await super._get(series, key)) ?? 0;
  }
}

class IgnoresAfter extends ModelAdapter {
  protected override async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    return super._range(series, from, to, {
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    });
  }
}

class NonAtomicBatch extends ModelAdapter {
  // Each point on its own: the good points before a bad one are stored.
  override async write(series: string, points: readonly Point[]): Promise<void> {
    for (const point of points) await super.write(series, [point]);
  }
}

class FirstWinsInBatch extends ModelAdapter {
  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    const seen = new Set<bigint>();
    await super._write(
      series,
      points.filter(([key]) => !seen.has(key) && seen.add(key) !== undefined),
    );
  }
}

class ExclusiveUpperBound extends ModelAdapter {
  protected override async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    return super._range(series, from, to === undefined ? undefined : to - 1n, options);
  }
}

class ExclusiveDelete extends ModelAdapter {
  protected override async _deleteRange(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
  ): Promise<void> {
    if (from !== undefined && to !== undefined && to - from < 2n) return;
    await super._deleteRange(series, from === undefined ? from : from + 1n, to === undefined ? to : to - 1n);
  }
}

class TruncatingBuckets extends ModelAdapter {
  // floor(key / width) computed as bigint division, which truncates toward zero.
  protected override async _aggregate(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    query: AggregateQuery,
  ): Promise<AggregateResult> {
    const width = query.bucket;
    if (width === undefined) return super._aggregate(series, from, to, query);
    const groups = new Map<bigint, Point[]>();
    for (const point of this.model.range(series, from, to)) {
      const start = (point[0] / width) * width;
      groups.set(start, [...(groups.get(start) ?? []), point]);
    }
    const starts = [...groups.keys()].sort((a, b) => (a < b ? -1 : 1));
    return {
      buckets: starts.flatMap(
        (start) => naiveAggregate(groups.get(start)!, start, { fns: query.fns }).buckets,
      ),
    };
  }
}

class ListsEmptiedSeries extends ModelAdapter {
  protected override async _listSeries(): Promise<string[]> {
    return [...this.model.series.keys()].sort();
  }
}

class ForgetsOnRestart extends ModelAdapter {
  protected override async _restart(): Promise<void> {
    this.model.series.clear();
  }
}

class CheckpointDropsNewest extends ModelAdapter {
  private lastSeries: string | undefined;
  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    this.lastSeries = series;
    await super._write(series, points);
  }
  protected override async _checkpoint(): Promise<void> {
    if (this.lastSeries !== undefined) this.model.series.delete(this.lastSeries);
  }
}

class RangeSwapsBounds extends ModelAdapter {
  // Answers from > to as if the bounds were the other way round, instead of refusing it.
  override async range(
    series: string,
    from?: bigint,
    to?: bigint,
    options?: RangeOptions,
  ): Promise<RangePage> {
    if (from !== undefined && to !== undefined && from > to) return super.range(series, to, from, options);
    return super.range(series, from, to, options);
  }
}

class CloseTwiceThrows extends ModelAdapter {
  private closes = 0;
  override async close(): Promise<void> {
    if (this.isOpen) this.closes++;
    else if (this.closes > 0) throw new Error('already closed');
    await super.close();
  }
}

const emptyDir = mkdtempSync(join(tmpdir(), 'omendb-empty-data-'));
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

class EmptyDataDirectory extends ModelAdapter {
  // Declares a data directory, and names one that holds nothing the engine wrote.
  override readonly capabilities = { ...new ModelAdapter().capabilities, dataDirectory: true };
  protected override _dataDirectory(): string {
    return emptyDir;
  }
}

const brokenEngines: readonly { name: string; make: () => EngineAdapter; caughtBy: string }[] = [
  {
    name: 'zero-for-absent',
    make: () => new ZeroForAbsent(),
    caughtBy: 'get: an absent key is undefined, never 0',
  },
  {
    name: 'ignores-after',
    make: () => new IgnoresAfter(),
    caughtBy: 'range: pages of limit points, each next the last key, until next is null',
  },
  {
    name: 'non-atomic-batch',
    make: () => new NonAtomicBatch(),
    caughtBy: 'write: a batch with one bad point stores nothing of it',
  },
  {
    name: 'first-wins-in-batch',
    make: () => new FirstWinsInBatch(),
    caughtBy: 'write: inside a batch the last occurrence of a key wins',
  },
  {
    name: 'exclusive-upper-bound',
    make: () => new ExclusiveUpperBound(),
    caughtBy: 'range: both bounds are inclusive',
  },
  {
    name: 'exclusive-delete',
    make: () => new ExclusiveDelete(),
    caughtBy: 'deleteRange: both bounds are inclusive',
  },
  {
    name: 'truncating-buckets',
    make: () => new TruncatingBuckets(),
    caughtBy: 'aggregate: a negative key falls in the bucket below it (floor, not truncation)',
  },
  {
    name: 'lists-emptied-series',
    make: () => new ListsEmptiedSeries(),
    caughtBy: 'listSeries: a series never written to, or emptied by deletes, is not listed',
  },
  {
    name: 'forgets-on-restart',
    make: () => new ForgetsOnRestart(),
    caughtBy: 'durability: restart keeps every acknowledged write, overwrite, delete and drop',
  },
  {
    name: 'checkpoint-drops-newest',
    make: () => new CheckpointDropsNewest(),
    caughtBy: 'durability: after a checkpoint every point reads the same, and later changes shadow it',
  },
  {
    name: 'range-swaps-bounds',
    make: () => new RangeSwapsBounds(),
    caughtBy: 'range: from > to is OMENDB_ERR_INPUT_RANGE',
  },
  {
    name: 'empty-data-directory',
    make: () => new EmptyDataDirectory(),
    caughtBy: 'lifecycle: dataDirectory names a directory that holds the data written',
  },
  {
    name: 'close-twice-throws',
    make: () => new CloseTwiceThrows(),
    caughtBy: 'lifecycle: close is idempotent, also before open',
  },
];

describe('the conformance suite against broken engines', () => {
  it('passes the correct model: every case run, none failed', async () => {
    const collecting = collectingApi();
    runConformance('model', () => new ModelAdapter(), collecting.api);
    const results = await collecting.run();
    expect(results).toHaveLength(conformanceCases.length);
    expect(failedNames(results)).toEqual([]);
  });

  for (const { name, make, caughtBy } of brokenEngines) {
    it(`fails ${name} in "${caughtBy}"`, async () => {
      const collecting = collectingApi();
      runConformance(name, make, collecting.api);
      const failed = failedNames(await collecting.run());
      expect(failed).toContain(caughtBy);
      console.log(`broken engine ${name}: ${failed.length} of ${conformanceCases.length} cases failed`);
    });
  }
});
