import type { AggregateResult, Engine, EngineLogger, EngineOptions } from '@omendb/engine';
import { createPrng, OmenDbError, openEngine, SimFileSystem, stderrLogger } from '@omendb/engine';
import type {
  AggregateQuery,
  Capabilities,
  EngineDescription,
  Point,
  RangeOptions,
  RangePage,
} from '../../adapter.ts';
import { EngineAdapter } from '../../adapter.ts';
import { embeddedColumnarBatchPointsMin } from '../../limits.ts';
import { engineBin } from '../http/engine-bin.ts';
import { MadeDir } from '../temp-dir.ts';
import type { EmbeddedAdapterOptions, ResolvedEmbeddedOptions } from './options.ts';
import { resolveEmbeddedOptions, simulatedDirDefault } from './options.ts';

/**
 * OmenDB in process, through its public API (openEngine). Optionally over the engine's simulated
 * file system, where powerLoss(seed) cuts the power at any moment and reopens over what the
 * simulated disk kept: the in-process counterpart of kill -9.
 */
export class EmbeddedAdapter extends EngineAdapter {
  readonly capabilities: Capabilities;
  private readonly options: ResolvedEmbeddedOptions;
  private engine: Engine | undefined;
  /** The simulated machine's file system; replaced by the survivor at each power loss. */
  private fs: SimFileSystem | undefined;
  /** A temporary directory this adapter made (and removes at close). */
  private readonly madeDir = new MadeDir('omendb-embedded-');
  /** Bumped when an engine dies with its machine: what a dead engine logs while it closes is noise. */
  private generation = 0;

  constructor(options: EmbeddedAdapterOptions = {}) {
    super();
    this.options = resolveEmbeddedOptions(options);
    const { simulated, sync } = this.options;
    // Made now rather than at open(), so a scenario can arm a fault that fires inside open().
    if (simulated) this.fs = new SimFileSystem();
    this.capabilities = {
      // A power loss may take acknowledged writes under 'interval' or 'none': only 'commit' keeps them.
      durable: !simulated || sync === 'commit',
      restartable: true,
      killable: false,
      pausable: false,
      simulatedPowerLoss: simulated,
      aggregates: true,
      arrow: true,
      auth: false,
      metrics: false,
      checkpoint: true,
      process: false,
      http: false,
      dataDirectory: !simulated,
    };
  }

  /**
   * The data directory in use (a path inside the simulated file system when simulated), or
   * undefined while an adapter-made directory does not exist. Scenarios that damage files read it.
   */
  get dir(): string | undefined {
    if (this.options.simulated) return this.options.dir ?? simulatedDirDefault;
    return this.options.dir ?? this.madeDir.path;
  }

  /** The simulated file system of the running machine (failAtOp, injectError); a new one after powerLoss. */
  simFileSystem(): SimFileSystem {
    this.needs('simulatedPowerLoss');
    return this.fs!;
  }

  /** Merges the engine's segments now (beyond the contract: scenarios that crash inside compaction). */
  async compact(): Promise<void> {
    await this.requireEngine().compact();
  }

  protected async _open(): Promise<void> {
    if (this.options.dir === undefined && !this.options.simulated) {
      await this.madeDir.make();
    }
    try {
      this.engine = await openEngine(this.engineOptions());
    } catch (error) {
      await this.madeDir.remove();
      throw error;
    }
  }

  protected async _close(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    try {
      await engine?.close();
    } finally {
      await this.madeDir.remove();
    }
  }

  protected override async _restart(): Promise<void> {
    const engine = this.requireEngine();
    this.engine = undefined;
    await engine.close();
    this.engine = await openEngine(this.engineOptions());
  }

  /**
   * The machine loses power: the file system keeps what a disk could hold (unsynced data lost,
   * kept or torn, chosen by the seed), the old engine dies with the old machine, and an open
   * adapter reopens the engine over the survivor (recovery runs as after a real crash).
   */
  protected override async _powerLoss(seed: number): Promise<void> {
    const survivor = this.fs!.crash(createPrng(seed));
    const dead = this.engine;
    this.engine = undefined;
    this.fs = survivor;
    this.generation++;
    // The dead machine refuses every call, so nothing this close does can reach the survivor.
    await dead?.close().catch(() => undefined);
    if (this.isOpen) this.engine = await openEngine(this.engineOptions());
  }

  protected async _describe(): Promise<EngineDescription> {
    return { engine: 'omendb', version: engineBin().version, adapter: 'embedded' };
  }

  protected async _write(series: string, points: readonly Point[]): Promise<void> {
    const engine = this.requireEngine();
    if (points.length < embeddedColumnarBatchPointsMin) {
      await engine.write(series, points);
      return;
    }
    const keys = new BigInt64Array(points.length);
    const values = new Float64Array(points.length);
    for (let i = 0; i < points.length; i++) {
      const [key, value] = points[i]!;
      keys[i] = key;
      values[i] = value;
    }
    await engine.writeColumns(series, keys, values);
  }

  protected async _get(series: string, key: bigint): Promise<number | undefined> {
    return this.requireEngine().get(series, key);
  }

  protected async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    return this.requireEngine().range(series, from, to, options);
  }

  protected override async _aggregate(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    query: AggregateQuery,
  ): Promise<AggregateResult> {
    return this.requireEngine().aggregate(series, from, to, query);
  }

  protected async _deleteRange(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
  ): Promise<void> {
    await this.requireEngine().deleteRange(series, from, to);
  }

  protected async _listSeries(): Promise<string[]> {
    return this.requireEngine().listSeries();
  }

  protected async _dropSeries(series: string): Promise<void> {
    await this.requireEngine().dropSeries(series);
  }

  protected override _dataDirectory(): string {
    const dir = this.dir;
    if (dir === undefined)
      throw new Error('OmenDB harness invariant violated: an open adapter has a directory');
    return dir;
  }

  protected override async _checkpoint(): Promise<void> {
    await this.requireEngine().checkpoint();
  }

  private engineOptions(): EngineOptions {
    const { options } = this;
    return {
      dir: this.dir!,
      sync: options.sync,
      syncIntervalMs: options.syncIntervalMs,
      memtableBytesMax: options.memtableBytesMax,
      compactionSegmentsTrigger: options.compactionSegmentsTrigger,
      autoMaintenance: options.autoMaintenance,
      logger: this.logger(),
      fs: this.fs,
    };
  }

  /** The configured logger, silenced once the engine it is given to has died in a power loss. */
  private logger(): EngineLogger {
    const target = this.options.logger ?? stderrLogger;
    const generation = this.generation;
    const live = () => generation === this.generation;
    return {
      info(fields, message) {
        if (live()) target.info(fields, message);
      },
      warn(fields, message) {
        if (live()) target.warn(fields, message);
      },
      error(fields, message) {
        if (live()) target.error(fields, message);
      },
    };
  }

  /** The engine, or an error when a restart or power loss failed to reopen it (or it is not open). */
  private requireEngine(): Engine {
    if (this.engine === undefined)
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_ADAPTER_STATE',
        'the engine is not open (did a reopen fail?)',
      );
    return this.engine;
  }
}
