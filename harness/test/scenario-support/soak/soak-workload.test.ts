import type { AggregateResult } from '@omendb/engine';
import { createPrng, OmenDbError, seedFromEnv } from '@omendb/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AggregateQuery, EngineAdapter, Point, RangeOptions, RangePage } from '../../../src/adapter.ts';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { ForwardingAdapter } from '../../../src/broken/forwarding-adapter.ts';
import { checkSetFull } from '../../../src/history/checkers/set-full.ts';
import { readState } from '../../../src/history/read-state.ts';
import { ManualClock } from '../../../src/runner/clock.ts';
import { PrunedHistory } from '../../../src/scenario-support/soak/pruned-history.ts';
import {
  type SoakMix,
  type SoakOpResult,
  SoakWorkload,
  soakEntryPoints,
  soakKey,
  soakKeyBase,
  soakKeyStep,
  soakValue,
} from '../../../src/scenario-support/soak/soak-workload.ts';

const seed = seedFromEnv();
beforeAll(() => console.log(`soak-workload seed ${seed} (replay: OMENDB_SEED=${seed})`));

const mix: SoakMix = { write: 40, get: 30, range: 15, aggregate: 10, deleteRange: 5 };

describe('soak keys', () => {
  it('are soakKeyBase + index x soakKeyStep exactly, computed with one BigInt per key', () => {
    const prng = createPrng(seed);
    const indexes = [0, 1, 999, 2 ** 32 + 1, ...Array.from({ length: 1_000 }, () => prng.int(2 ** 40))];
    for (const index of indexes) expect(soakKey(index)).toBe(soakKeyBase + BigInt(index) * soakKeyStep);
    // Past 2^53 as a double the key would round: refused, not rounded.
    expect(() => soakKey(2 ** 44)).toThrow(/invariant/);
  });
});

async function opened<T extends EngineAdapter>(adapter: T): Promise<T> {
  await adapter.open();
  return adapter;
}

function workload(
  adapter: EngineAdapter,
  options: Partial<{ mix: SoakMix; retentionKeys: number; series: number }> = {},
) {
  const history = new PrunedHistory({ clock: new ManualClock(), pointsOf: soakEntryPoints });
  const w = new SoakWorkload({
    adapter,
    prng: createPrng(seed),
    history,
    series: options.series ?? 3,
    batchPoints: 20,
    retentionKeys: options.retentionKeys ?? 200,
    mix: options.mix ?? mix,
  });
  return { w, history };
}

async function performAll(w: SoakWorkload, count: number): Promise<SoakOpResult[]> {
  const results: SoakOpResult[] = [];
  for (let i = 0; i < count; i++) results.push(await w.perform());
  return results;
}

/** Answers reads with values off by a little: every read that finds something is a mismatch. */
class OffByOne extends ForwardingAdapter {
  constructor(inner: EngineAdapter) {
    super(inner, 'off-by-one');
  }
  protected override async _get(series: string, key: bigint): Promise<number | undefined> {
    const value = await this.inner.get(series, key);
    return value === undefined ? undefined : value + 1;
  }
  protected override async _range(
    s: string,
    f: bigint | undefined,
    t: bigint | undefined,
    o: RangeOptions,
  ): Promise<RangePage> {
    const page = await this.inner.range(s, f, t, o);
    return { ...page, points: page.points.map(([k, v]) => [k, v + 1] as const) };
  }
  protected override async _aggregate(
    s: string,
    f: bigint | undefined,
    t: bigint | undefined,
    q: AggregateQuery,
  ): Promise<AggregateResult> {
    const result = await this.inner.aggregate(s, f, t, q);
    return { buckets: result.buckets.map((b) => ({ ...b, max: (b.max ?? 0) + 1 })) };
  }
}

/** Refuses every operation with a registry code. */
class Refusing extends ForwardingAdapter {
  constructor(inner: EngineAdapter) {
    super(inner, 'refusing');
  }
  private refuse(): never {
    throw new OmenDbError('OMENDB_ERR_WAL_IO', 'disk on fire');
  }
  protected override async _write(): Promise<void> {
    this.refuse();
  }
  protected override async _get(): Promise<number | undefined> {
    this.refuse();
  }
  protected override async _range(): Promise<RangePage> {
    this.refuse();
  }
  protected override async _aggregate(): Promise<AggregateResult> {
    this.refuse();
  }
  protected override async _deleteRange(): Promise<void> {
    this.refuse();
  }
}

/** Counts each series' writes since its last deleteRange: what bounds its stored points. */
class WritesSinceDelete extends ForwardingAdapter {
  readonly counts = new Map<string, number>();

  constructor(inner: EngineAdapter) {
    super(inner, 'writes-since-delete');
  }

  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    await this.inner.write(series, points);
    this.counts.set(series, (this.counts.get(series) ?? 0) + 1);
  }

  protected override async _deleteRange(series: string, from?: bigint, to?: bigint): Promise<void> {
    await this.inner.deleteRange(series, from, to);
    this.counts.set(series, 0);
  }
}

describe('SoakWorkload', () => {
  it('values are exact functions of (series, key), distinct across series', () => {
    expect(soakValue(3, 10)).toBe(10 + 3 / 1024);
    expect(soakValue(999, 2 ** 40)).toBe(2 ** 40 + 999 / 1024);
    expect(soakKey(0)).toBe(soakKeyBase);
    expect(soakKey(5)).toBe(soakKeyBase + 5_000n);
  });

  it('runs the mix against a correct engine: no mismatch, no error, data bounded by retention, set-full passes', async () => {
    const model = await opened(new WritesSinceDelete(new ModelAdapter()));
    const { w, history } = workload(model);
    const results = await performAll(w, 3_000);
    const byKind = new Map<string, number>();
    for (const r of results) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
    console.log(
      `3,000 operations: ${JSON.stringify(Object.fromEntries(byKind))}, ${w.keysWritten()} keys written`,
    );
    expect(results.filter((r) => r.mismatch || r.code !== undefined)).toEqual([]);
    for (const kind of ['write', 'get', 'range', 'aggregate', 'deleteRange'])
      expect(byKind.get(kind)).toBeGreaterThan(50);
    const state = await readState(model);
    for (const [series, points] of state) {
      // Retention, plus the batches written to the series since its last delete: an exact bound,
      // where a fixed number of batches was a bet on how the random mix falls.
      const since = model.counts.get(series) ?? 0;
      expect(points.size, `${series}: ${since} writes since its last delete`).toBeLessThanOrEqual(
        200 + 20 * since,
      );
    }
    expect(w.keysWritten()).toBe((byKind.get('write') ?? 0) * 20);
    const verdict = checkSetFull(history, state);
    expect(verdict.pass).toBe(true);
  });

  it('counts a read that returns a value never written as a mismatch, for gets, ranges and aggregates', async () => {
    const { w } = workload(await opened(new OffByOne(new ModelAdapter())));
    const results = await performAll(w, 1_500);
    const mismatched = new Set(results.filter((r) => r.mismatch).map((r) => r.kind));
    expect([...mismatched].sort()).toEqual(['aggregate', 'get', 'range']);
  });

  it('counts failures by their registry code, and keeps refused writes out of the verification', async () => {
    const { w, history } = workload(await opened(new Refusing(new ModelAdapter())), { retentionKeys: 20 });
    const results = await performAll(w, 500);
    expect(results.every((r) => r.code === 'OMENDB_ERR_WAL_IO')).toBe(true);
    // OMENDB_ERR_WAL_IO leaves the outcome unknown: the writes are kept as unknown.
    expect(history.entries().every((e) => e.outcome === 'unknown')).toBe(true);
    expect(results.some((r) => r.kind === 'deleteRange')).toBe(true);
  });

  it('never deletes below a write still in flight', async () => {
    const deletes: bigint[] = [];
    let held: (() => void) | undefined;
    let heldFirst: bigint | undefined;
    class HoldFirstWrite extends ForwardingAdapter {
      protected override async _write(series: string, points: readonly Point[]): Promise<void> {
        if (held === undefined && series === 'soak-0' && points[0]![0] > soakKey(400)) {
          heldFirst = points[0]![0];
          await new Promise<void>((resolve) => {
            held = resolve;
          });
        }
        return this.inner.write(series, points);
      }
      protected override async _deleteRange(
        series: string,
        from: bigint | undefined,
        to: bigint | undefined,
      ) {
        if (series === 'soak-0' && to !== undefined) deletes.push(to);
        return this.inner.deleteRange(series, from, to);
      }
    }
    const adapter = await opened(new HoldFirstWrite(new ModelAdapter(), 'hold'));
    const { w } = workload(adapter, { series: 1, retentionKeys: 100 });
    const pending: Promise<SoakOpResult>[] = [];
    // The held write never finishes while these run: nothing above its first key may be deleted.
    for (let i = 0; i < 1_500; i++) {
      const op = w.perform();
      if (held === undefined) await op;
      else pending.push(op);
    }
    expect(heldFirst).toBeDefined();
    // Without the hold the frontier would have run 10,000 keys further; with it, every delete
    // stops at the held write's first key minus the retention, and the later ones reach exactly that.
    const frozen = heldFirst! - 100n * 1_000n - 1n;
    expect(deletes.length).toBeGreaterThan(10);
    expect(deletes.every((to) => to <= frozen)).toBe(true);
    expect(deletes.at(-1)).toBe(frozen);
    held?.();
    await Promise.all(pending);
  });

  it('leaves aggregates out when their weight is 0, and refuses a mix or shape it cannot run', async () => {
    const model = await opened(new ModelAdapter());
    const { w } = workload(model, { mix: { ...mix, aggregate: 0 } });
    const results = await performAll(w, 300);
    expect(results.some((r) => r.kind === 'aggregate')).toBe(false);
    expect(() =>
      workload(model, { mix: { write: 0, get: 0, range: 0, aggregate: 0, deleteRange: 0 } }),
    ).toThrow(/no weight/);
    expect(() => workload(model, { series: 0 })).toThrow(/invariant violated/);
    expect(() => workload(model, { retentionKeys: 0.5 })).toThrow(/invariant violated/);
  });
});
