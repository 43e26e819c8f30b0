import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpAdapter } from '../../src/adapters/http/adapter.ts';
import { arrowStreamType, pointsToArrowStream } from '../../src/adapters/http/arrow-codec.ts';
import { createFloorServer } from '../../src/baselines/floor-server.ts';

const server = createFloorServer();
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function errorCode(response: Response): Promise<unknown> {
  return ((await response.json()) as { error?: { code?: unknown } }).error?.code;
}

describe('the floor server', () => {
  it('counts the points of an Arrow or a JSON write and stores none of them', async () => {
    const arrow = await fetch(`${url}/v1/series/a/points`, {
      method: 'POST',
      headers: { 'content-type': arrowStreamType },
      body: pointsToArrowStream([
        [1n, 1.5],
        [2n, 2.5],
        [3n, 3.5],
      ]),
    });
    expect(await arrow.json()).toEqual({ written: 3 });
    const json = await fetch(`${url}/v1/series/a/points`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"points":[[1,2],[3,4]]}',
    });
    expect(await json.json()).toEqual({ written: 2 });
    const read = await fetch(`${url}/v1/series/a/points/1`);
    expect(read.status).toBe(404);
    expect(await errorCode(read)).toBe('OMENDB_ERR_HTTP_NOT_FOUND');
  });

  it('refuses a body that is not a write with a registry code', async () => {
    const response = await fetch(`${url}/v1/series/a/points`, {
      method: 'POST',
      headers: { 'content-type': arrowStreamType },
      body: 'not arrow',
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('OMENDB_ERR_HTTP_BAD_REQUEST');
    const unknown = await fetch(`${url}/v1/elsewhere`);
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe('OMENDB_ERR_HTTP_NOT_FOUND');
  });

  it('exports the figures the resource probe reads, the event-loop histogram starting over at each scrape', async () => {
    const scrape = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      return {
        p99: gauge('nodejs_eventloop_lag_p99_seconds'),
        max: gauge('nodejs_eventloop_lag_max_seconds'),
        rss: gauge('process_resident_memory_bytes'),
      };
    };
    await new Promise((resolve) => setTimeout(resolve, 50));
    const idle = await scrape();
    expect(idle.p99).toBeGreaterThan(0);
    expect(idle.rss).toBeGreaterThan(0);
    // Node's monitor drops the first interval after a reset (it has no previous tick to measure
    // from): a block right after the scrape would go unseen, so let the monitor tick first.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const blockedMs = 120;
    const until = Date.now() + blockedMs;
    while (Date.now() < until) {
      // A blocked event loop: the next scrape's max must show it. (Its p99 need not: one long
      // delay among many short samples can be past the 99th percentile.)
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    const afterBlock = await scrape();
    expect(afterBlock.max).toBeGreaterThan((blockedMs * 0.8) / 1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await scrape()).max).toBeLessThan(afterBlock.max);
  });

  it('speaks the protocol of the http adapter, which writes to it and reads nothing back', async () => {
    const adapter = new HttpAdapter({ url, arrow: true, env: {} });
    await adapter.open();
    try {
      const points = Array.from({ length: 1000 }, (_, i) => [BigInt(i), i / 2] as const);
      await adapter.write('floor.series', points);
      expect(await adapter.get('floor.series', 10n)).toBeUndefined();
      await adapter.deleteRange('floor.series', 0n, 5n);
      expect(await adapter.listSeries()).toEqual([]);
    } finally {
      await adapter.close();
    }
  });
});
