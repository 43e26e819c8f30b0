import { describe, expect, it } from 'vitest';
import { HttpAdapter } from '../../src/adapters/http/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { GrantEverything } from '../../src/broken/grant-everything.ts';

describe('GrantEverything', () => {
  it('wraps only an adapter that serves HTTP', () => {
    expect(() => new GrantEverything(new ModelAdapter())).toThrow(TypeError);
  });

  it('lets a caller with no or wrong credentials act as the admin, across a restart of the server', async () => {
    const inner = new HttpAdapter();
    const adapter = new GrantEverything(inner);
    await adapter.open();
    const proxied = adapter.httpEndpoint();
    try {
      const direct = inner.httpEndpoint();
      expect(proxied.url).not.toBe(direct.url);
      expect(proxied.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(proxied.adminAuthorization).toBe(direct.adminAuthorization);
      expect((await adapter.describe()).adapter).toBe('grant-everything(http)');
      // The honest server refuses the anonymous caller; through the proxy the same call succeeds.
      expect((await fetch(`${direct.url}/v1/series`)).status).toBe(401);
      const body = JSON.stringify({ points: [[1, 2.5]] });
      const headers = { 'content-type': 'application/json', authorization: 'Basic bm9ib2R5Ondyb25n' };
      const write = await fetch(`${proxied.url}/v1/series/granted/points`, { method: 'POST', headers, body });
      expect(write.status).toBeLessThan(300);
      expect(await adapter.get('granted', 1n)).toBe(2.5);
      await adapter.restart();
      const listed = await fetch(`${proxied.url}/v1/series`);
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { series: string[] }).series).toEqual(['granted']);
      // With the server gone, the proxy answers 502 rather than hanging or crashing.
      await adapter.kill();
      expect((await fetch(`${proxied.url}/v1/series`)).status).toBe(502);
    } finally {
      await adapter.close();
    }
    // Closed with the adapter: nothing listens on its port any more.
    await expect(fetch(`${proxied.url}/v1/series`)).rejects.toThrow();
  }, 60_000);
});
