import { describe, expect, it } from 'vitest';
import { startOmenDb } from '../../bench/http-load/child-servers.ts';
import { postPass } from '../../bench/http-load/load.ts';
import { adminBearer, metricValue } from '../../bench/http-load/omendb-session.ts';
import { serverHeapGrowingPercent } from '../../src/limits.ts';
import { serverHeapFlag, tuneServerHeap } from '../../src/server/heap-tuning.ts';

describe('the heap flag omendb serve sets for itself', () => {
  it('is --heap-growing-percent at serverHeapGrowingPercent, unless node was given one', () => {
    expect(serverHeapFlag([])).toBe(`--heap-growing-percent=${serverHeapGrowingPercent}`);
    expect(serverHeapFlag(['--conditions=source'])).not.toBeNull();
    for (const own of ['--heap-growing-percent=0', '--heap_growing_percent=50', '--heap-growing-percent'])
      expect(serverHeapFlag([own])).toBeNull();
    const set: string[] = [];
    expect(tuneServerHeap([], (flag) => set.push(flag))).toBe(set[0]);
    expect(tuneServerHeap(['--heap-growing-percent=0'], (flag) => set.push(flag))).toBeNull();
    expect(set).toHaveLength(1);
  });
});

/** Seconds of POST load per server: about 5,000 POSTs here, against 4 to 8 major GCs per thousand untuned. */
const loadSeconds = 2;
/** Seconds of POST load before the measured ones. */
const warmUpSeconds = 1;

/** Major GCs per thousand answered POSTs of an `omendb serve` started with `nodeArgs`, from its own /metrics. */
async function majorGcsPerThousandPosts(nodeArgs: readonly string[]): Promise<number> {
  const server = await startOmenDb(nodeArgs);
  try {
    const target = {
      url: server.url,
      headers: { ...(await adminBearer(server)), 'content-type': 'application/json' },
    };
    // Not exposed until the first major GC: none so far.
    const majors = async () =>
      (await metricValue(server.url, target.headers, 'nodejs_gc_duration_seconds_count{kind="major"}')) ?? 0;
    // Unmeasured first: V8 grows its young generation under load, and the untuned server's
    // back-to-back marking starts once it has (a cold 2 s pass read 2 to 7 per thousand).
    const keys = { next: 1 };
    await postPass(target, '/v1/series/heap.tuning/points', keys, 1_000, 16, warmUpSeconds, 1_000);
    const before = await majors();
    const pass = await postPass(target, '/v1/series/heap.tuning/points', keys, 1_000, 16, loadSeconds, 2_000);
    expect(pass.failures).toBe(0);
    const posts = pass.opsPerS * loadSeconds;
    return ((await majors()) - before) / (posts / 1_000);
  } finally {
    await server.stop();
  }
}

describe('omendb serve under POST load', () => {
  it('runs far fewer major GCs than with V8 sizing its heap itself (--heap-growing-percent=0)', async () => {
    const tunedRate = await majorGcsPerThousandPosts([]);
    const untunedRate = await majorGcsPerThousandPosts(['--heap-growing-percent=0']);
    console.log(
      `major GCs per 1,000 POSTs: ${tunedRate.toFixed(2)} tuned, ${untunedRate.toFixed(2)} untuned`,
    );
    expect(untunedRate).toBeGreaterThan(0);
    expect(tunedRate).toBeLessThan(untunedRate / 2);
  }, 60_000);
});
