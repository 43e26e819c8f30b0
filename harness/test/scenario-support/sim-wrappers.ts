import { type EngineLogger, SimFileSystem } from '@omendb/engine';
import type { EngineAdapter, Point } from '../../src/adapter.ts';
import { EmbeddedAdapter } from '../../src/adapters/embedded/adapter.ts';
import { ForwardingAdapter } from '../../src/broken/forwarding-adapter.ts';

/**
 * Adapters over the simulated file system for the crash-power-loss helpers' tests: the honest
 * embedded engine, and wrappers that break one thing each, so that every violation the helpers
 * name is shown to be found.
 */

export const quietLogger: EngineLogger = { info() {}, warn() {}, error() {} };

export function simEngine(): EmbeddedAdapter {
  return new EmbeddedAdapter({
    simulated: true,
    memtableBytesMax: 2048,
    compactionSegmentsTrigger: 3,
    logger: quietLogger,
  });
}

export async function openSimEngine(): Promise<EmbeddedAdapter> {
  const adapter = simEngine();
  await adapter.open();
  return adapter;
}

/** Forwards everything, simFileSystem() included; subclasses break one operation. */
export class SimWrapper extends ForwardingAdapter {
  readonly embedded: EmbeddedAdapter;

  constructor(inner: EmbeddedAdapter = simEngine()) {
    super(inner, 'test-wrapper');
    this.embedded = inner;
  }

  simFileSystem(): SimFileSystem {
    return this.embedded.simFileSystem();
  }
}

/** After every power loss, a point nobody wrote appears. */
export class InventsAfterPowerLoss extends SimWrapper {
  protected override async _powerLoss(seed: number): Promise<void> {
    await this.inner.powerLoss(seed);
    await this.inner.write('cpu', [[123_456n, 0.125]]);
  }
}

/** Power loss never comes back. */
export class PowerLossFails extends SimWrapper {
  protected override async _powerLoss(): Promise<void> {
    throw new Error('the disk is gone');
  }
}

/** Reads fail once the power was lost. */
export class ReadsFailAfterPowerLoss extends SimWrapper {
  private lost = false;
  protected override async _powerLoss(seed: number): Promise<void> {
    await this.inner.powerLoss(seed);
    this.lost = true;
  }
  protected override async _listSeries(): Promise<string[]> {
    if (this.lost) throw new Error('unreadable');
    return this.inner.listSeries();
  }
}

/** A restart refuses at once, before any I/O. */
export class RestartFails extends SimWrapper {
  protected override async _restart(): Promise<void> {
    throw new Error('will not restart');
  }
  protected override async _powerLoss(): Promise<void> {
    throw new Error('will not come back either');
  }
}

/** A restart adds a point. */
export class RestartInvents extends SimWrapper {
  protected override async _restart(): Promise<void> {
    await this.inner.restart();
    await this.inner.write('cpu', [[654_321n, 0.5]]);
  }
}

/** Coming back (restart or power loss), it has forgotten every series. */
export class ForgetsOnReopen extends SimWrapper {
  protected override async _restart(): Promise<void> {
    await this.inner.restart();
    await this.forget();
  }
  protected override async _powerLoss(seed: number): Promise<void> {
    await this.inner.powerLoss(seed);
    await this.forget();
  }
  private async forget(): Promise<void> {
    for (const series of await this.inner.listSeries()) await this.inner.dropSeries(series);
  }
}

/** Coming back (restart or power loss), it holds a point nobody wrote. */
export class InventsOnReopen extends SimWrapper {
  protected override async _restart(): Promise<void> {
    await this.inner.restart();
    await this.inner.write('cpu', [[777n, 0.75]]);
  }
  protected override async _powerLoss(seed: number): Promise<void> {
    await this.inner.powerLoss(seed);
    await this.inner.write('cpu', [[777n, 0.75]]);
  }
}

/** Every write is acknowledged, whatever the engine said. */
export class SwallowsWriteErrors extends SimWrapper {
  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    await this.inner.write(series, points).catch(() => undefined);
  }
}

/** Refusals lose their registry code. */
export class PlainErrors extends SimWrapper {
  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    await this.inner.write(series, points).catch(() => {
      throw new Error('something failed');
    });
  }
}

/** Claims a simulated file system that is not the one its engine runs on. */
export class WrongSimFileSystem extends SimWrapper {
  private readonly other = new SimFileSystem();
  override simFileSystem(): SimFileSystem {
    return this.other;
  }
}

export async function opened<T extends EngineAdapter>(adapter: T): Promise<T> {
  await adapter.open();
  return adapter;
}
