import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capabilities } from '../../src/adapter.ts';
import { EmbeddedAdapter } from '../../src/adapters/embedded/adapter.ts';
import { HttpAdapter } from '../../src/adapters/http/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { SqliteAdapter } from '../../src/adapters/sqlite/adapter.ts';
import { isWalPath, procStatus, ResourceProbe, walkDisk } from '../../src/scenario-support/resource-probe.ts';

const points = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => [BigInt(from + i), i / 7] as const);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-probe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A server known only by its metrics: what a probe of a remote engine sees. */
class RemoteLike extends ModelAdapter {
  override readonly capabilities: Capabilities = {
    ...new ModelAdapter().capabilities,
    metrics: true,
    http: true,
  };
  constructor(private readonly text: string) {
    super();
  }
  protected override async _metrics(): Promise<string> {
    return this.text;
  }
}

describe('walkDisk and isWalPath', () => {
  it('splits WAL bytes from data bytes by name, OmenDB and SQLite alike', async () => {
    const root = join(dir, 'walk');
    await mkdir(join(root, 'wal'), { recursive: true });
    await mkdir(join(root, 'segments'), { recursive: true });
    await writeFile(join(root, 'wal', '000001.log'), Buffer.alloc(100));
    await writeFile(join(root, 'segments', 'a.arrow'), Buffer.alloc(30));
    await writeFile(join(root, 'db.sqlite-wal'), Buffer.alloc(7));
    await writeFile(join(root, 'db.sqlite'), Buffer.alloc(5));
    expect(await walkDisk(root)).toEqual({ walBytes: 107, dataBytes: 35, files: 4 });
    expect(isWalPath('/wal/x')).toBe(true);
    expect(isWalPath('/db-wal')).toBe(true);
    expect(isWalPath('/x.WAL')).toBe(true);
    expect(isWalPath('/walrus/x')).toBe(false);
    expect(isWalPath('/wal')).toBe(false);
  });
});

describe('procStatus', () => {
  it('reads VmRSS and VmHWM of a live process, and null for one that does not exist', async () => {
    const status = await procStatus('self');
    expect(status?.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(status?.peakRssBytes).toBeGreaterThanOrEqual(status?.rssBytes ?? Number.POSITIVE_INFINITY);
    expect(await procStatus(2 ** 22 + 1)).toBeNull();
  });
});

describe('ResourceProbe in process', () => {
  it('measures the process, forces a GC when asked, and walks the data directory', async () => {
    const adapter = new EmbeddedAdapter();
    await adapter.open();
    const probe = new ResourceProbe(adapter);
    try {
      expect(probe.where).toBe('in-process');
      expect(await probe.diskUsage()).toMatchObject({ files: expect.any(Number) });
      await adapter.write('probe', points(5_000));
      await adapter.checkpoint();
      const disk = await probe.diskUsage();
      expect(disk?.dataBytes).toBeGreaterThan(5_000 * 8);
      // Held on purpose across the GC, so the heap after it still has it.
      const retained = Array.from({ length: 20_000 }, (_, i) => ({ i }));
      const busyUntil = performance.now() + 60;
      while (performance.now() < busyUntil) {
        // Block the event loop so the monitor sees a delay.
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      const sample = await probe.sample({ gc: true });
      expect(retained.length).toBe(20_000);
      expect(sample.heapAfterGc).toBe(true);
      expect(sample.rssBytes).toBeGreaterThan(0);
      expect(sample.peakRssBytes).toBeGreaterThanOrEqual(sample.rssBytes ?? Number.POSITIVE_INFINITY);
      expect(sample.heapUsedBytes).toBeGreaterThan(0);
      expect(sample.openFds).toBeGreaterThan(3);
      expect(sample.eventLoopDelayP99Ms).toBeGreaterThan(40);
      const plain = await probe.sample();
      expect(plain.heapAfterGc).toBe(false);
      expect(await probe.crossCheckRss()).toBeNull();
    } finally {
      probe.close();
      await adapter.close();
    }
    expect(await probe.diskUsage()).toBeNull();
  });

  it('has no disk figures for an engine without a data directory', async () => {
    const adapter = new ModelAdapter();
    await adapter.open();
    const probe = new ResourceProbe(adapter);
    expect(await probe.diskUsage()).toBeNull();
    probe.close();
    await adapter.close();
  });

  it('finds the SQLite WAL beside its database', async () => {
    const adapter = new SqliteAdapter();
    await adapter.open();
    const probe = new ResourceProbe(adapter);
    try {
      await adapter.write('probe', points(2_000));
      const disk = await probe.diskUsage();
      expect(disk?.walBytes).toBeGreaterThan(0);
      expect(disk?.dataBytes).toBeGreaterThan(0);
    } finally {
      probe.close();
      await adapter.close();
    }
  });
});

describe('ResourceProbe of a remote server', () => {
  it('reads what the server says of itself, and nulls for what it does not say', async () => {
    const adapter = new RemoteLike(
      [
        'process_resident_memory_bytes 2000000',
        'nodejs_heap_size_used_bytes 1000000',
        'process_open_fds 12',
        'nodejs_eventloop_lag_p99_seconds 0.004',
        '',
      ].join('\n'),
    );
    await adapter.open();
    const probe = new ResourceProbe(adapter);
    expect(probe.where).toBe('remote');
    expect(await probe.sample()).toEqual({
      rssBytes: 2_000_000,
      peakRssBytes: null,
      heapUsedBytes: 1_000_000,
      heapAfterGc: false,
      openFds: 12,
      eventLoopDelayP99Ms: 4,
    });
    expect(await probe.crossCheckRss()).toBeNull();
    await adapter.close();
    // Closed: no scrape, every figure unknown rather than made up.
    expect(await probe.sample()).toMatchObject({ rssBytes: null, heapUsedBytes: null, openFds: null });
  });
});

describe('ResourceProbe of a spawned server', () => {
  it('reads /proc of the server and its metrics, and cross-checks the two RSS figures', async () => {
    const adapter = new HttpAdapter();
    await adapter.open();
    const probe = new ResourceProbe(adapter);
    try {
      expect(probe.where).toBe('spawned-process');
      await adapter.write('probe', points(3_000));
      const sample = await probe.sample();
      expect(sample.rssBytes).toBeGreaterThan(20 * 1024 * 1024);
      expect(sample.peakRssBytes).toBeGreaterThanOrEqual(sample.rssBytes ?? Number.POSITIVE_INFINITY);
      expect(sample.heapUsedBytes).toBeGreaterThan(1024 * 1024);
      expect(sample.openFds).toBeGreaterThan(5);
      expect(sample.eventLoopDelayP99Ms).toBeGreaterThan(0);
      const cross = await probe.crossCheckRss();
      console.log(`rss cross-check of a spawned server: ${JSON.stringify(cross)}`);
      expect(cross?.differenceShare).toBeLessThan(0.1);
      expect(cross?.metricRssBytes).toBeGreaterThan(0);
      const disk = await probe.diskUsage();
      expect(disk?.walBytes).toBeGreaterThan(3_000 * 8);
      await adapter.kill();
      // Between a kill and a restart there is no process to measure: nulls, not a crash.
      expect(await probe.sample()).toMatchObject({ rssBytes: null, openFds: null });
      expect(await probe.crossCheckRss()).toBeNull();
    } finally {
      probe.close();
      await adapter.close();
    }
  });
});
