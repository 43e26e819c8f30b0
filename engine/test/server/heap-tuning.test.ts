import { describe, expect, it } from 'vitest';
import { type ChildServer, startOmenDb } from '../../bench/http-load/child-servers.ts';
import { postPass } from '../../bench/http-load/load.ts';
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

/** Major GCs of the server per thousand answered POSTs, from its own /metrics. */
async function majorGcsPerThousandPosts(server: ChildServer & { password: string }): Promise<number> {
  const basic = `Basic ${Buffer.from(`admin:${server.password}`).toString('base64')}`;
  const tokenResponse = await fetch(`${server.url}/v1/auth/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: '{}',
  });
  const { token } = (await tokenResponse.json()) as { token: string };
  const target = {
    url: server.url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  };
  const majors = async () => {
    const text = await (await fetch(`${server.url}/metrics`, { headers: target.headers })).text();
    const line = /^nodejs_gc_duration_seconds_count\{kind="major"\} (\d+)$/m.exec(text);
    return line === null ? 0 : Number(line[1]);
  };
  const before = await majors();
  const pass = await postPass(
    target,
    '/v1/series/heap.tuning/points',
    { next: 1 },
    1_000,
    16,
    loadSeconds,
    2_000,
  );
  expect(pass.failures).toBe(0);
  const posts = pass.opsPerS * loadSeconds;
  return ((await majors()) - before) / (posts / 1_000);
}

describe('omendb serve under POST load', () => {
  it('runs far fewer major GCs than with V8 sizing its heap itself (--heap-growing-percent=0)', async () => {
    const tuned = await startOmenDb();
    let tunedRate: number;
    try {
      tunedRate = await majorGcsPerThousandPosts(tuned);
    } finally {
      await tuned.stop();
    }
    const untuned = await startOmenDb(['--heap-growing-percent=0']);
    let untunedRate: number;
    try {
      untunedRate = await majorGcsPerThousandPosts(untuned);
    } finally {
      await untuned.stop();
    }
    console.log(
      `major GCs per 1,000 POSTs: ${tunedRate.toFixed(2)} tuned, ${untunedRate.toFixed(2)} untuned`,
    );
    expect(untunedRate).toBeGreaterThan(0);
    expect(tunedRate).toBeLessThan(untunedRate / 2);
  }, 60_000);
});
