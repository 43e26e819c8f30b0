import type { AggregateResult } from '@omendb/engine';
import { keyMax, keyMin, limits, MapModel } from '@omendb/engine';
import type {
  AggregateQuery,
  Capabilities,
  EngineDescription,
  Point,
  RangeOptions,
  RangePage,
} from '../../adapter.ts';
import { declareCapabilities, EngineAdapter } from '../../adapter.ts';
import type { EngineState } from '../../history/history.ts';
import { naiveAggregate } from './naive-aggregate.ts';
import type { ModelAdapterOptions } from './options.ts';
import { modelDefaults } from './options.ts';

/**
 * The oracle: a Map of series to a Map of key to value (the engine's own MapModel, shared with
 * its model tests), behind the adapter contract. Deliberately simple, so that it is obviously
 * right: every read sorts, every aggregate groups the naive way. It models a durable engine:
 * restart, close and reopen keep the state; checkpoint does nothing.
 */
export class ModelAdapter extends EngineAdapter {
  readonly capabilities: Capabilities = declareCapabilities({
    durable: true,
    restartable: true,
    aggregates: true,
    checkpoint: true,
  });
  protected readonly model = new MapModel();

  constructor(options: ModelAdapterOptions = {}) {
    super();
    for (const [series, points] of options.initial ?? []) {
      this.model.apply({ kind: 'put', series, points: [...points] });
    }
  }

  /** A copy of the whole state: series (with at least one point) to key to value. */
  snapshot(): EngineState {
    const state: EngineState = new Map();
    for (const series of this.model.listSeries()) state.set(series, new Map(this.model.range(series)));
    return state;
  }

  protected async _open(): Promise<void> {}

  protected async _close(): Promise<void> {}

  protected override async _restart(): Promise<void> {}

  protected override async _checkpoint(): Promise<void> {}

  protected async _describe(): Promise<EngineDescription> {
    return { engine: 'model', version: modelDefaults.version, adapter: 'model' };
  }

  protected async _write(series: string, points: readonly Point[]): Promise<void> {
    // Arguments are validated before this runs, so the batch is applied whole (atomic).
    if (points.length === 0) return;
    this.model.apply({ kind: 'put', series, points: points.map(([key, value]) => [key, value]) });
  }

  protected async _get(series: string, key: bigint): Promise<number | undefined> {
    return this.model.get(series, key);
  }

  protected async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    const { limit = limits.rangeLimitDefault, after } = options;
    const points = this.model.range(series, from, to).filter(([key]) => after === undefined || key > after);
    const page = points.slice(0, limit);
    return { points: page, next: points.length > limit ? page[page.length - 1]![0] : null };
  }

  protected override async _aggregate(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    query: AggregateQuery,
  ): Promise<AggregateResult> {
    return naiveAggregate(this.model.range(series, from, to), from ?? keyMin, query);
  }

  protected async _deleteRange(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
  ): Promise<void> {
    this.model.apply({ kind: 'deleteRange', series, from: from ?? keyMin, to: to ?? keyMax });
  }

  protected async _listSeries(): Promise<string[]> {
    return this.model.listSeries();
  }

  protected async _dropSeries(series: string): Promise<void> {
    this.model.apply({ kind: 'dropSeries', series });
  }
}
