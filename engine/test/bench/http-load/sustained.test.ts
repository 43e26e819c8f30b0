import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sustainedPass } from '../../../bench/http-load/sustained.ts';
import { createPrng } from '../../../src/util/prng.ts';

/** A loopback server answering 200 to everything; `onFirst` runs in its handler once. */
async function withServer<T>(onFirst: () => void, run: (url: string) => Promise<T>): Promise<T> {
  let first = true;
  const server = createServer((request, response) => {
    if (first) {
      first = false;
      onFirst();
    }
    request.resume();
    request.on('end', () => response.end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const pass = (url: string) =>
  sustainedPass(
    { url, headers: {} },
    { post: '/post', get: (key) => `/get/${key}` },
    [1, 2, 3],
    createPrng(1),
    { next: 0 },
    10,
    { postsPerS: 100, getsPerS: 50 },
    1,
  );

describe('sustainedPass', () => {
  it('sends every request of the pass at its rate, each answered', async () => {
    const result = await withServer(() => undefined, pass);
    expect(result.post).toMatchObject({ opsPerS: 100, failures: 0 });
    expect(result.get).toMatchObject({ opsPerS: 50, failures: 0 });
    expect(result.post.p99Ns).toBeLessThan(200e6);
  });

  it('counts a stall from the intended send time: requests that could not be sent meanwhile wait in the figure', async () => {
    const stallMs = 300;
    // The handler blocks this process's event loop, the sender's included: the requests due
    // during the stall go out late, and their latency must include the wait.
    const result = await withServer(() => {
      const until = Date.now() + stallMs;
      while (Date.now() < until) {
        // blocked
      }
    }, pass);
    expect(result.post.failures).toBe(0);
    // About 30 of the 100 POSTs were due during the stall: well over 1%.
    expect(result.post.p99Ns).toBeGreaterThan(stallMs * 0.6 * 1e6);
    expect(result.get.p99Ns).toBeGreaterThan(stallMs * 0.6 * 1e6);
  });

  it('counts the requests a dead server never answers as failures', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve));
    const result = await pass(url);
    expect(result.post.failures).toBe(100);
    expect(result.get.failures).toBe(50);
  });
});
