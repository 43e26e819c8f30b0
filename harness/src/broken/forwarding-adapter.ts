import type { AggregateResult } from '@omendb/engine';
import type {
  AggregateQuery,
  Capabilities,
  EngineAdapter as EngineAdapterType,
  EngineDescription,
  HttpEndpoint,
  Point,
  ProcessInfo,
  RangeOptions,
  RangePage,
} from '../adapter.ts';
import { EngineAdapter } from '../adapter.ts';

/**
 * An adapter that forwards every operation to another one, with its capabilities: the base of
 * the deliberately broken engines, each of which overrides only the operation it breaks. They
 * exist to prove that a scenario catches the defect it is meant to find.
 */
export abstract class ForwardingAdapter extends EngineAdapter {
  readonly capabilities: Capabilities;

  constructor(
    protected readonly inner: EngineAdapterType,
    /** The wrapper's name in describe(): `name(inner adapter)`. */
    private readonly wrapperName: string,
  ) {
    super();
    this.capabilities = { ...inner.capabilities };
  }

  protected _open(): Promise<void> {
    return this.inner.open();
  }

  protected _close(): Promise<void> {
    return this.inner.close();
  }

  protected async _describe(): Promise<EngineDescription> {
    const description = await this.inner.describe();
    return { ...description, adapter: `${this.wrapperName}(${description.adapter})` };
  }

  /**
   * Runs before every data operation (write, get, range, aggregate, deleteRange): where a wrapper
   * that adds a cost to each operation (a leak, a slowdown) puts it, instead of overriding all five.
   */
  protected beforeDataOperation(): void | Promise<void> {}

  /**
   * `operation` after the hook. A hook that returns nothing runs the operation in the same turn,
   * as a plain forward would: an extra await would move every forwarded call by a microtask and
   * change how operations interleave with a simulated crash.
   */
  private afterHook<T>(operation: () => Promise<T>): Promise<T> {
    const before = this.beforeDataOperation();
    return before === undefined ? operation() : before.then(operation);
  }

  protected _write(series: string, points: readonly Point[]): Promise<void> {
    return this.afterHook(() => this.inner.write(series, points));
  }

  protected _get(series: string, key: bigint): Promise<number | undefined> {
    return this.afterHook(() => this.inner.get(series, key));
  }

  protected _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    return this.afterHook(() => this.inner.range(series, from, to, options));
  }

  protected override _aggregate(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    query: AggregateQuery,
  ): Promise<AggregateResult> {
    return this.afterHook(() => this.inner.aggregate(series, from, to, query));
  }

  protected _deleteRange(series: string, from: bigint | undefined, to: bigint | undefined): Promise<void> {
    return this.afterHook(() => this.inner.deleteRange(series, from, to));
  }

  protected _listSeries(): Promise<string[]> {
    return this.inner.listSeries();
  }

  protected _dropSeries(series: string): Promise<void> {
    return this.inner.dropSeries(series);
  }

  protected override _checkpoint(): Promise<void> {
    return this.inner.checkpoint();
  }

  protected override _restart(): Promise<void> {
    return this.inner.restart();
  }

  protected override _kill(): Promise<void> {
    return this.inner.kill();
  }

  protected override _pause(): Promise<void> {
    return this.inner.pause();
  }

  protected override _resume(): Promise<void> {
    return this.inner.resume();
  }

  protected override _powerLoss(seed: number): Promise<void> {
    return this.inner.powerLoss(seed);
  }

  protected override _processInfo(): ProcessInfo {
    return this.inner.processInfo();
  }

  protected override _httpEndpoint(): HttpEndpoint {
    return this.inner.httpEndpoint();
  }

  protected override _metrics(): Promise<string> {
    return this.inner.metrics();
  }

  protected override _dataDirectory(): string {
    return this.inner.dataDirectory();
  }
}
