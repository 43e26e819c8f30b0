import type { AggregateResult } from '@omendb/engine';
import type {
  AggregateQuery,
  Capabilities,
  EngineAdapter,
  Point,
  RangeOptions,
  RangePage,
} from '../../../src/adapter.ts';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { ForwardingAdapter } from '../../../src/broken/forwarding-adapter.ts';
import { realClock } from '../../../src/runner/clock.ts';
import { HdrLatencyRecorder } from '../../../src/runner/latency.ts';
import { ingest } from '../../../src/scenario-support/scale/ingest.ts';
import { IngestIntervals } from '../../../src/scenario-support/scale/ingest-intervals.ts';
import type { PointGenerator } from '../../../src/scenario-support/scale/point-generator.ts';

/** Test doubles of the scale support tests: engines wrong in one way each, and a latency sink. */

export async function openModel(): Promise<ModelAdapter> {
  const model = new ModelAdapter();
  await model.open();
  return model;
}

export function recorder(): HdrLatencyRecorder {
  return new HdrLatencyRecorder();
}

/** A model engine behind an optional wrapper (opened through it), with the generator's points written. */
export async function loadedModel(
  generator: PointGenerator,
  wrap: (inner: EngineAdapter) => EngineAdapter = (inner) => inner,
) {
  const model = wrap(new ModelAdapter());
  await model.open();
  const result = await ingest({
    adapter: model,
    generator,
    batchPoints: 250,
    writers: 3,
    clock: realClock,
    latency: recorder(),
    intervals: new IngestIntervals(1_000),
    progress: () => undefined,
  });
  return { model, result };
}

/** Range pages whose first point has its value changed. */
export class WrongRangeValue extends ForwardingAdapter {
  constructor(inner: EngineAdapter) {
    super(inner, 'wrong-range-value');
  }

  protected override async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    const page = await this.inner.range(series, from, to, options);
    const points: Point[] = page.points.map((p, i) => (i === 0 ? [p[0], p[1] + 1] : p));
    return { points, next: page.next };
  }
}

/** Range pages that never end: the same first page, with a cursor, forever. */
export class EndlessPages extends ForwardingAdapter {
  constructor(inner: EngineAdapter) {
    super(inner, 'endless-pages');
  }

  protected override async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    const page = await this.inner.range(series, from, to, { limit: options.limit ?? 1 });
    return { points: page.points, next: page.points[0]?.[0] ?? 0n };
  }
}

/** Aggregates whose first bucket's sum is off by the smallest step of the generator's values. */
export class WrongSum extends ForwardingAdapter {
  constructor(inner: EngineAdapter) {
    super(inner, 'wrong-sum');
  }

  protected override async _aggregate(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    query: AggregateQuery,
  ): Promise<AggregateResult> {
    const result = await this.inner.aggregate(series, from, to, query);
    return { buckets: result.buckets.map((b, i) => (i === 0 ? { ...b, sum: (b.sum ?? 0) + 1 / 1024 } : b)) };
  }
}

/** A write that fails at the nth call. */
export class FailingWrite extends ForwardingAdapter {
  writes = 0;

  constructor(
    inner: EngineAdapter,
    private readonly failAt: number,
  ) {
    super(inner, 'failing-write');
  }

  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    this.writes++;
    if (this.writes === this.failAt) throw new Error('the disk is on fire');
    await this.inner.write(series, points);
  }
}

/**
 * A model engine that also has Prometheus metrics: its points-written counter (optionally
 * counting wrong), and recovery gauges that change at each restart. Optionally without
 * aggregates or restart, to take the scale shape's other paths.
 */
export class MetricsModel extends ForwardingAdapter {
  override readonly capabilities: Capabilities;
  private written = 0;
  private restarts = 0;

  constructor(
    private readonly options: {
      readonly undercount?: number;
      readonly aggregates?: boolean;
      readonly restartable?: boolean;
      /** Declares http too, so a resource probe takes it for a remote server. */
      readonly remote?: boolean;
    } = {},
  ) {
    super(new ModelAdapter(), 'metrics-model');
    this.capabilities = {
      ...this.inner.capabilities,
      metrics: true,
      aggregates: options.aggregates ?? true,
      restartable: options.restartable ?? true,
      http: options.remote ?? false,
    };
  }

  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    await this.inner.write(series, points);
    this.written += points.length;
  }

  protected override async _restart(): Promise<void> {
    await this.inner.restart();
    this.restarts++;
  }

  protected override async _metrics(): Promise<string> {
    const written = this.written - (this.options.undercount ?? 0);
    return [
      '# TYPE omendb_points_written_total counter',
      `omendb_points_written_total ${written}`,
      '# TYPE omendb_recovery_duration_seconds gauge',
      `omendb_recovery_duration_seconds ${this.restarts * 0.25}`,
      '# TYPE omendb_recovery_replayed_records gauge',
      `omendb_recovery_replayed_records ${this.restarts * 7}`,
      '',
    ].join('\n');
  }
}
