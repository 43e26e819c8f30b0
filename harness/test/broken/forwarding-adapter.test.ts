import { describe, expect, it } from 'vitest';
import { ForwardingAdapter } from '../../src/broken/forwarding-adapter.ts';
import { RecordingAdapter } from './recording-adapter.ts';

class Plain extends ForwardingAdapter {
  constructor(inner: RecordingAdapter) {
    super(inner, 'plain');
  }
}

describe('ForwardingAdapter', () => {
  it('copies the capabilities and forwards every operation to the inner adapter', async () => {
    const inner = new RecordingAdapter();
    const adapter = new Plain(inner);
    expect(adapter.capabilities).toEqual(inner.capabilities);
    await adapter.open();
    expect(inner.isOpen).toBe(true);
    expect((await adapter.describe()).adapter).toBe('plain(model)');

    await adapter.write('s', [
      [1n, 1],
      [5n, 5],
    ]);
    expect(await adapter.get('s', 1n)).toBe(1);
    expect(await inner.get('s', 5n)).toBe(5);
    expect((await adapter.range('s', 0n, 10n)).points).toEqual([
      [1n, 1],
      [5n, 5],
    ]);
    expect((await adapter.aggregate('s', undefined, undefined, { fns: ['sum'] })).buckets[0]?.sum).toBe(6);
    await adapter.deleteRange('s', 5n, 5n);
    expect(await inner.get('s', 5n)).toBeUndefined();
    expect(await adapter.listSeries()).toEqual(['s']);
    await adapter.checkpoint();
    await adapter.restart();
    expect(await adapter.get('s', 1n)).toBe(1);
    await adapter.dropSeries('s');
    expect(await inner.listSeries()).toEqual([]);

    await adapter.kill();
    await adapter.pause();
    await adapter.resume();
    await adapter.powerLoss(7);
    expect(inner.calls).toEqual(['kill', 'pause', 'resume', 'powerLoss 7']);
    expect(adapter.processInfo()).toEqual({ pid: 4242 });
    expect(adapter.httpEndpoint().url).toBe('http://127.0.0.1:1');
    expect(adapter.dataDirectory()).toBe('/data/recorded');
    expect(await adapter.metrics()).toBe('omendb_up 1\n');

    await adapter.close();
    expect(inner.isOpen).toBe(false);
  });
});
