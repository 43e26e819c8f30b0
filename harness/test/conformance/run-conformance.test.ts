import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Capabilities, EngineAdapter, HttpEndpoint, Point, ProcessInfo } from '../../src/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import {
  conformanceCases,
  conformanceCounts,
  missingCapabilities,
  runConformance,
} from '../../src/conformance/run-conformance.ts';
import { collectingApi, failedNames } from './collecting-api.ts';

class NoAggregates extends ModelAdapter {
  override readonly capabilities: Capabilities = { ...new ModelAdapter().capabilities, aggregates: false };
}

/** Writes never finish: a case stuck in one keeps its adapter open. */
class HangingWrite extends ModelAdapter {
  protected override _write(_series: string, _points: readonly Point[]): Promise<void> {
    return new Promise(() => {});
  }
}

class FailingClose extends ModelAdapter {
  protected override async _close(): Promise<void> {
    throw new Error('close failed');
  }
}

class FailingCloseAndGet extends FailingClose {
  protected override async _get(): Promise<number | undefined> {
    return 0;
  }
}

const allCapabilities = Object.fromEntries(
  Object.keys(new ModelAdapter().capabilities).map((name) => [name, true]),
) as unknown as Capabilities;
const noCapabilities = Object.fromEntries(
  Object.keys(allCapabilities).map((name) => [name, false]),
) as unknown as Capabilities;

/** The model declaring nothing: every capability's method must then be refused. */
class Bare extends ModelAdapter {
  override readonly capabilities = noCapabilities;
}

/**
 * The model declaring everything, as if it were a process: kill and power loss lose nothing (it
 * is durable), pause does nothing. Every case runs, none skipped.
 */
class Everything extends ModelAdapter {
  override readonly capabilities = allCapabilities;
  protected override async _kill(): Promise<void> {}
  protected override async _pause(): Promise<void> {}
  protected override async _resume(): Promise<void> {}
  protected override async _powerLoss(): Promise<void> {}
  protected override _processInfo(): ProcessInfo {
    return { pid: process.pid };
  }
  protected override _httpEndpoint(): HttpEndpoint {
    return { url: 'http://127.0.0.1:1', adminAuthorization: 'Bearer x' };
  }
  protected override async _metrics(): Promise<string> {
    return '';
  }
  protected override _dataDirectory(): string {
    // A directory with data in it: the model keeps its own in memory.
    return fileURLToPath(new URL('.', import.meta.url));
  }
}

const aggregateCaseCount = conformanceCases.filter((c) => c.requires?.includes('aggregates')).length;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runConformance', () => {
  it('registers every case, and visibly skips by capability the ones the adapter cannot run', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const collecting = collectingApi();
    runConformance('no-aggregates', () => new NoAggregates(), collecting.api);
    const cases = await collecting.collected();
    expect(cases).toHaveLength(conformanceCases.length);
    const skipped = cases.filter((c) => c.skipped);
    // The model has no kill or power loss either: those cases are skipped too.
    const { skipped: expectedSkipped } = conformanceCounts(new NoAggregates().capabilities);
    expect(skipped).toHaveLength(expectedSkipped);
    expect(skipped.filter((c) => c.name.includes('lacks aggregates'))).toHaveLength(aggregateCaseCount);
    expect(log).toHaveBeenCalledWith(
      `conformance no-aggregates: ${conformanceCases.length} cases (${expectedSkipped} skipped)`,
    );
    const results = await collecting.run();
    expect(failedNames(results)).toEqual([]);
    expect(results.filter((r) => r.status === 'skipped')).toHaveLength(expectedSkipped);
  });

  it('runs every case on an adapter with every capability, and passes the model through all of them', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const collecting = collectingApi();
    runConformance('everything', () => new Everything(), collecting.api);
    const results = await collecting.run();
    expect(results.filter((r) => r.status === 'passed')).toHaveLength(conformanceCases.length);
    expect(log).toHaveBeenCalledWith(`conformance everything: ${conformanceCases.length} cases (0 skipped)`);
  });

  it('skips every case that needs a capability on an adapter without any, and passes the rest', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const collecting = collectingApi();
    runConformance('bare', () => new Bare(), collecting.api);
    const results = await collecting.run();
    expect(failedNames(results)).toEqual([]);
    expect(results.filter((r) => r.status === 'skipped')).toHaveLength(
      conformanceCounts(noCapabilities).skipped,
    );
  });

  it('without it.skip, a skipped case runs as a note that says so', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const collecting = collectingApi({ withSkip: false, withAfterEach: false });
    runConformance('model', () => new ModelAdapter(), collecting.api);
    const cases = await collecting.collected();
    expect(cases.every((c) => !c.skipped)).toBe(true);
    const note = cases.find((c) => c.name.includes('(skipped: model lacks killable)'));
    expect(note).toBeDefined();
    await note!.body();
    expect(log).toHaveBeenCalledWith(expect.stringContaining('conformance model: skipped'));
  });

  it('afterEach closes the adapter of a case that never finished', async () => {
    const made: EngineAdapter[] = [];
    const collecting = collectingApi();
    vi.spyOn(console, 'log').mockImplementation(() => {});
    runConformance(
      'hanging',
      () => {
        const adapter = new HangingWrite();
        made.push(adapter);
        return adapter;
      },
      collecting.api,
    );
    const [first] = await collecting.collected();
    void first!.body();
    // Let the case open its adapter and get stuck in its first write.
    for (let i = 0; i < 10 && !made.at(-1)?.isOpen; i++)
      await new Promise((resolve) => setImmediate(resolve));
    const stuck = made.at(-1)!;
    expect(stuck.isOpen).toBe(true);
    await collecting.afterEach();
    expect(stuck.isOpen).toBe(false);
  });

  it('a close that fails fails a passing case, and never hides a failing case', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const closing = collectingApi();
    runConformance('failing-close', () => new FailingClose(), closing.api);
    const results = await closing.run();
    const listCase = results.find((r) => r.name === 'listSeries: a fresh engine has none')!;
    expect(listCase.status).toBe('failed');
    expect(String(listCase.error)).toContain('close failed');

    const both = collectingApi();
    runConformance('failing-close-and-get', () => new FailingCloseAndGet(), both.api);
    const absent = (await both.run()).find((r) => r.name === 'get: an absent key is undefined, never 0')!;
    expect(absent.status).toBe('failed');
    expect((absent.error as Error).name).toBe('AssertionError');
  });

  it('counts the cases an adapter skips from its capabilities alone', () => {
    const all = new ModelAdapter().capabilities;
    expect(conformanceCounts(noCapabilities).skipped).toBe(
      conformanceCases.filter((c) => (c.requires ?? []).length > 0).length,
    );
    const kill = conformanceCases.find((c) => c.name.startsWith('durability: kill'))!;
    expect(missingCapabilities(kill, all)).toEqual(['killable']);
    expect(missingCapabilities(kill, { ...all, killable: true })).toEqual([]);
  });

  it('names every case uniquely', () => {
    const names = conformanceCases.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
