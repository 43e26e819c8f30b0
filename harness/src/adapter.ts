import type { AggregateFn, AggregateResult } from '@omendb/engine';
import { aggregateFns, keyMax, keyMin, limits, OmenDbError } from '@omendb/engine';

/**
 * The adapter contract: every engine the harness drives sits behind this one class. In the
 * style of abstract-level, each public method validates its arguments and state and then calls
 * the implementor's `_method`, which may trust its input. Scenarios and the conformance suite
 * use only the public methods, and skip by `capabilities`, never by adapter name.
 *
 * Keys are always bigints here (signed 64-bit), values finite float64s. Ranges include both
 * bounds; an omitted bound is the int64 extreme.
 */

export type Point = readonly [key: bigint, value: number];

export interface RangeOptions {
  /** Points per page, 1 to limits.rangeLimitMax (default limits.rangeLimitDefault). */
  readonly limit?: number;
  /** Resume after this key (the previous page's `next`). */
  readonly after?: bigint;
}

export interface RangePage {
  readonly points: Point[];
  /** The cursor for the next page, or null when the range is exhausted. */
  readonly next: bigint | null;
}

export interface AggregateQuery {
  /** Bucket width (a positive integer); buckets start at multiples of it, negative keys too. */
  readonly bucket?: bigint;
  readonly fns?: readonly AggregateFn[];
}

/** What an engine behind an adapter can do; scenarios and conformance tests skip by these. */
export interface Capabilities {
  /** Acknowledged writes survive close and reopen, and crashes of the kinds it declares. */
  readonly durable: boolean;
  /** restart(): close and reopen (in process) or stop and start (a process), data kept. */
  readonly restartable: boolean;
  /** kill(): SIGKILL of the engine's process. */
  readonly killable: boolean;
  /** pause() and resume(): SIGSTOP and SIGCONT of the engine's process. */
  readonly pausable: boolean;
  /** powerLoss(): the simulated file system loses, keeps or tears unsynced data. */
  readonly simulatedPowerLoss: boolean;
  readonly aggregates: boolean;
  /** Bulk writes and reads travel as Arrow IPC. */
  readonly arrow: boolean;
  /** The engine checks credentials (the http adapter against a server with auth on). */
  readonly auth: boolean;
  /** metrics(): Prometheus text from the engine. */
  readonly metrics: boolean;
  /** checkpoint(): flush to immutable storage. */
  readonly checkpoint: boolean;
  /** processInfo(): the engine runs in its own process. */
  readonly process: boolean;
  /** httpEndpoint(): the engine is an HTTP server the harness can also reach directly. */
  readonly http: boolean;
  /** dataDirectory(): the engine's files live under a directory of the real file system the harness can read. */
  readonly dataDirectory: boolean;
}

export type CapabilityName = keyof Capabilities;

const noCapabilities: Capabilities = {
  durable: false,
  restartable: false,
  killable: false,
  pausable: false,
  simulatedPowerLoss: false,
  aggregates: false,
  arrow: false,
  auth: false,
  metrics: false,
  checkpoint: false,
  process: false,
  http: false,
  dataDirectory: false,
};

/** A capability manifest that names only what the engine can do: everything else is false. */
export function declareCapabilities(can: Partial<Capabilities>): Capabilities {
  return Object.freeze({ ...noCapabilities, ...can });
}

export interface ProcessInfo {
  readonly pid: number;
}

/** How to reach an engine's HTTP server directly (the security scenario probes it black box). */
export interface HttpEndpoint {
  /** e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  /** The Authorization header value of an admin (Basic or Bearer). */
  readonly adminAuthorization: string;
  /** The CA certificate (PEM) to trust for https URLs. */
  readonly ca?: string;
  /**
   * The server's HS256 token secret, known when the harness started the server itself: the
   * security scenario then signs expired and future-dated tokens that differ from a valid one in
   * their times alone (without it, those forgeries are refused for their signature too).
   */
  readonly tokenSecret?: Uint8Array;
}

export interface EngineDescription {
  /** e.g. 'omendb', 'sqlite', 'model'. */
  readonly engine: string;
  readonly version: string;
  /** The adapter that drives it: 'embedded', 'http', 'sqlite', 'model', or a wrapper's name. */
  readonly adapter: string;
}

const seriesNamePattern = /^[A-Za-z0-9_.:-]{1,128}$/;

function fail(code: ConstructorParameters<typeof OmenDbError>[0], message: string): never {
  throw new OmenDbError(code, message);
}

function checkSeries(series: unknown): asserts series is string {
  if (typeof series !== 'string' || !seriesNamePattern.test(series))
    fail('OMENDB_ERR_INPUT_SERIES_NAME', 'series name must be 1 to 128 characters of [A-Za-z0-9_.:-]');
}

function checkKey(key: unknown, what: string): asserts key is bigint {
  if (typeof key !== 'bigint' || key < keyMin || key > keyMax)
    fail('OMENDB_ERR_INPUT_KEY', `${what} must be a bigint in the int64 range`);
}

function checkPoints(points: unknown): asserts points is readonly Point[] {
  if (!Array.isArray(points)) fail('OMENDB_ERR_INPUT_POINTS', 'points must be an array of [key, value]');
  if (points.length > limits.writeBatchPointsMax)
    fail('OMENDB_ERR_LIMIT_BATCH_POINTS', `at most ${limits.writeBatchPointsMax} points per batch`);
  for (const point of points) {
    if (!Array.isArray(point) || point.length !== 2)
      fail('OMENDB_ERR_INPUT_POINTS', 'each point must be [key, value]');
    checkKey(point[0], 'key');
    if (typeof point[1] !== 'number' || !Number.isFinite(point[1]))
      fail('OMENDB_ERR_INPUT_VALUE', 'value must be a finite number');
  }
}

function checkRange(from: bigint | undefined, to: bigint | undefined): void {
  if (from !== undefined) checkKey(from, 'from');
  if (to !== undefined) checkKey(to, 'to');
  if (from !== undefined && to !== undefined && from > to) fail('OMENDB_ERR_INPUT_RANGE', 'from > to');
}

function checkRangeOptions(options: RangeOptions): void {
  const { limit, after } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > limits.rangeLimitMax))
    fail('OMENDB_ERR_INPUT_RANGE', `limit must be an integer from 1 to ${limits.rangeLimitMax}`);
  if (after !== undefined) checkKey(after, 'after');
}

function checkAggregate(query: AggregateQuery): void {
  const { bucket, fns } = query;
  if (bucket !== undefined && (typeof bucket !== 'bigint' || bucket < 1n || bucket > keyMax))
    fail('OMENDB_ERR_INPUT_AGGREGATE', 'bucket must be a positive bigint up to 2^63-1');
  if (fns !== undefined && !Array.isArray(fns)) fail('OMENDB_ERR_INPUT_AGGREGATE', 'fns must be an array');
  // Checked here so that every adapter refuses an unknown name as the engine does.
  for (const fn of fns ?? []) {
    if (!(aggregateFns as readonly unknown[]).includes(fn))
      fail(
        'OMENDB_ERR_INPUT_AGGREGATE',
        `unknown aggregate ${String(fn)}; known: ${aggregateFns.join(', ')}`,
      );
  }
}

type AdapterState = 'new' | 'open' | 'closed';

export abstract class EngineAdapter {
  abstract readonly capabilities: Capabilities;
  private state: AdapterState = 'new';

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Opens (or, for a process, starts and connects to) the engine. */
  async open(): Promise<void> {
    if (this.state === 'open') fail('OMENDB_ERR_HARNESS_ADAPTER_STATE', 'already open');
    await this._open();
    this.state = 'open';
  }

  /** Closes the engine (a spawned process is stopped gracefully). Idempotent. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    await this._close();
  }

  async describe(): Promise<EngineDescription> {
    return this._describe();
  }

  /** Resolves once the batch is acknowledged (durable under the engine's sync mode); atomic. */
  async write(series: string, points: readonly Point[]): Promise<void> {
    this.checkOpen();
    checkSeries(series);
    checkPoints(points);
    await this._write(series, points);
  }

  /** The value at the key, or undefined when there is none (never a placeholder such as 0). */
  async get(series: string, key: bigint): Promise<number | undefined> {
    this.checkOpen();
    checkSeries(series);
    checkKey(key, 'key');
    return this._get(series, key);
  }

  async range(series: string, from?: bigint, to?: bigint, options: RangeOptions = {}): Promise<RangePage> {
    this.checkOpen();
    checkSeries(series);
    checkRange(from, to);
    checkRangeOptions(options);
    return this._range(series, from, to, options);
  }

  async aggregate(
    series: string,
    from?: bigint,
    to?: bigint,
    query: AggregateQuery = {},
  ): Promise<AggregateResult> {
    this.needs('aggregates');
    this.checkOpen();
    checkSeries(series);
    checkRange(from, to);
    checkAggregate(query);
    return this._aggregate(series, from, to, query);
  }

  async deleteRange(series: string, from?: bigint, to?: bigint): Promise<void> {
    this.checkOpen();
    checkSeries(series);
    checkRange(from, to);
    await this._deleteRange(series, from, to);
  }

  /** Series with at least one point, sorted. */
  async listSeries(): Promise<string[]> {
    this.checkOpen();
    return this._listSeries();
  }

  async dropSeries(series: string): Promise<void> {
    this.checkOpen();
    checkSeries(series);
    await this._dropSeries(series);
  }

  async checkpoint(): Promise<void> {
    this.needs('checkpoint');
    this.checkOpen();
    await this._checkpoint();
  }

  /** Close and reopen, or stop and start the process; data kept. */
  async restart(): Promise<void> {
    this.needs('restartable');
    this.checkOpen();
    await this._restart();
  }

  /** SIGKILL of the engine's process; restart() brings it back. */
  async kill(): Promise<void> {
    this.needs('killable');
    await this._kill();
  }

  /** SIGSTOP: requests hang until resume(). */
  async pause(): Promise<void> {
    this.needs('pausable');
    await this._pause();
  }

  async resume(): Promise<void> {
    this.needs('pausable');
    await this._resume();
  }

  /** Simulated power loss of the file system, then reopen over what a disk could hold. */
  async powerLoss(seed: number): Promise<void> {
    this.needs('simulatedPowerLoss');
    await this._powerLoss(seed);
  }

  processInfo(): ProcessInfo {
    this.needs('process');
    return this._processInfo();
  }

  httpEndpoint(): HttpEndpoint {
    this.needs('http');
    return this._httpEndpoint();
  }

  /**
   * The directory of the real file system that holds every file of the engine's data, for
   * disk-usage figures (bytes per point, WAL and data bytes). Only read, never written.
   */
  dataDirectory(): string {
    this.needs('dataDirectory');
    this.checkOpen();
    return this._dataDirectory();
  }

  /** Prometheus text exposition from the engine. */
  async metrics(): Promise<string> {
    this.needs('metrics');
    this.checkOpen();
    return this._metrics();
  }

  protected needs(capability: CapabilityName): void {
    if (!this.capabilities[capability])
      fail('OMENDB_ERR_HARNESS_CAPABILITY', `this adapter does not declare ${capability}`);
  }

  private checkOpen(): void {
    if (this.state !== 'open') fail('OMENDB_ERR_HARNESS_ADAPTER_STATE', `adapter is ${this.state}, not open`);
  }

  // The implementor's side: arguments are already validated.
  protected abstract _open(): Promise<void>;
  protected abstract _close(): Promise<void>;
  protected abstract _describe(): Promise<EngineDescription>;
  protected abstract _write(series: string, points: readonly Point[]): Promise<void>;
  protected abstract _get(series: string, key: bigint): Promise<number | undefined>;
  protected abstract _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage>;
  protected abstract _deleteRange(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
  ): Promise<void>;
  protected abstract _listSeries(): Promise<string[]>;
  protected abstract _dropSeries(series: string): Promise<void>;

  // Optional operations: an adapter that declares the capability overrides them.
  protected _aggregate(
    _series: string,
    _from: bigint | undefined,
    _to: bigint | undefined,
    _query: AggregateQuery,
  ): Promise<AggregateResult> {
    return unsupported('aggregates');
  }
  protected _checkpoint(): Promise<void> {
    return unsupported('checkpoint');
  }
  protected _restart(): Promise<void> {
    return unsupported('restartable');
  }
  protected _kill(): Promise<void> {
    return unsupported('killable');
  }
  protected _pause(): Promise<void> {
    return unsupported('pausable');
  }
  protected _resume(): Promise<void> {
    return unsupported('pausable');
  }
  protected _powerLoss(_seed: number): Promise<void> {
    return unsupported('simulatedPowerLoss');
  }
  protected _processInfo(): ProcessInfo {
    return unsupported('process');
  }
  protected _metrics(): Promise<string> {
    return unsupported('metrics');
  }
  protected _httpEndpoint(): HttpEndpoint {
    return unsupported('http');
  }
  protected _dataDirectory(): string {
    return unsupported('dataDirectory');
  }
}

function unsupported(capability: CapabilityName): never {
  // Reached only when an adapter declares a capability without implementing it: a bug in it.
  throw new Error(`OmenDB harness invariant violated: capability ${capability} declared but not implemented`);
}

/** Builds a fresh adapter over fresh storage; the conformance suite and scenarios call it per case. */
export type AdapterFactory = () => Promise<EngineAdapter> | EngineAdapter;
