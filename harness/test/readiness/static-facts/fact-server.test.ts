import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { sharedFactServer, withSpawnedServer } from '../../../src/readiness/static-facts/fact-server.ts';

describe('withSpawnedServer', () => {
  it('lends a running server with auth on, and stops it and removes its directory even when the use throws', async () => {
    let dataDir = '';
    let metrics = '';
    // One server for the whole file: the return path is covered by the facts' own tests
    // (openapi-documented.test.ts evaluates through withSpawnedServer).
    await expect(
      withSpawnedServer(async (server) => {
        dataDir = server.dataDir;
        expect((await stat(dataDir)).isDirectory()).toBe(true);
        await expect(server.get('/v1/no-such-route')).rejects.toMatchObject({
          code: 'OMENDB_ERR_HARNESS_UNAVAILABLE',
          details: { status: 404 },
        });
        // /metrics needs the monitor or admin role: the admin's token is sent.
        metrics = await server.get('/metrics');
        throw new Error('use failed');
      }),
    ).rejects.toThrow('use failed');
    expect(metrics).toContain('# TYPE omendb_points_written_total counter');
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('sharedFactServer', () => {
  it('starts one server at the first use, lends it to every later one, and stops it at dispose', async () => {
    const shared = sharedFactServer();
    const first = await shared.withServer(async (server) => server.dataDir);
    const second = await shared.withServer(async (server) => {
      expect(await server.get('/openapi.json')).toMatch(/"openapi"/);
      return server.dataDir;
    });
    expect(second).toBe(first);
    expect((await stat(first)).isDirectory()).toBe(true);
    await shared.dispose();
    await expect(stat(first)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('starts nothing when no fact asks', async () => {
    await sharedFactServer().dispose();
  });
});
