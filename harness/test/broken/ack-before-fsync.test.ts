import type { EngineLogger } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { EngineAdapter } from '../../src/adapter.ts';
import { EmbeddedAdapter } from '../../src/adapters/embedded/adapter.ts';
import { AckBeforeFsync } from '../../src/broken/ack-before-fsync.ts';

// The dead engine logs its failed close after a power loss; nothing here needs to see that.
const logger: EngineLogger = { info() {}, warn() {}, error() {} };
const seeds = [1, 2, 3, 4, 5];

/** Acknowledged points still present after a power loss, per seed. */
async function survivors(make: () => EngineAdapter): Promise<number[]> {
  const counts: number[] = [];
  for (const seed of seeds) {
    const adapter = make();
    await adapter.open();
    for (let i = 0; i < 20; i++) await adapter.write('s', [[BigInt(i), i]]);
    await adapter.powerLoss(seed);
    counts.push((await adapter.range('s')).points.length);
    await adapter.close();
  }
  return counts;
}

describe('AckBeforeFsync', () => {
  it('claims durability over the simulated file system, yet a power loss takes acknowledged writes', async () => {
    const adapter = new AckBeforeFsync({ logger });
    expect(adapter.capabilities.durable).toBe(true);
    expect(adapter.capabilities.simulatedPowerLoss).toBe(true);
    expect(adapter.simFileSystem()).toBeDefined();
    const lost = await survivors(() => new AckBeforeFsync({ logger }));
    expect(lost.every((count) => count < 20)).toBe(true);
    // The honest engine over the same file system keeps every acknowledged write.
    const kept = await survivors(() => new EmbeddedAdapter({ simulated: true, logger }));
    expect(kept).toEqual(seeds.map(() => 20));
  });

  it('forwards compact() to the engine and names itself', async () => {
    const adapter = new AckBeforeFsync({ logger });
    await adapter.open();
    await adapter.write('s', [[1n, 1]]);
    await adapter.checkpoint();
    await adapter.write('s', [[1n, 2]]);
    await adapter.checkpoint();
    await adapter.compact();
    expect(await adapter.get('s', 1n)).toBe(2);
    expect((await adapter.describe()).adapter).toBe('ack-before-fsync(embedded)');
    await adapter.close();
  });
});
