import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canaryPoints,
  expectedCanary,
  readStoredState,
  sameState,
  withoutSeries,
  writeCanary,
} from '../../src/security/stored-state.ts';
import { json, registryError, type ScriptedServer, startScripted } from './scripted-server.ts';

let server: ScriptedServer;

beforeAll(async () => {
  server = await startScripted();
});

afterAll(async () => {
  await server?.close();
});

describe('the stored state', () => {
  it('writes the canary with int64 extremes as strings, and reads it with the sorted series list', async () => {
    server.script((seen, response) => {
      if (seen.method === 'POST') return json(response, 200, { written: canaryPoints.length });
      if (seen.path === '/v1/series') return json(response, 200, { series: ['b', 'a'] });
      json(response, 200, expectedCanary());
    });
    await writeCanary(server.client, 'Bearer w', 'can');
    const posted = JSON.parse(server.seen.at(-1)!.body.toString());
    expect(posted.points[0]).toEqual(['-9223372036854775808', -1.5]);
    expect(server.seen.at(-1)!.headers.authorization).toBe('Bearer w');
    const state = await readStoredState(server.client, 'Bearer r', 'can');
    expect(state).toEqual({ canary: expectedCanary(), series: ['a', 'b'] });
    expect(sameState(state, { canary: expectedCanary(), series: ['a', 'b'] })).toBe(true);
    expect(withoutSeries(state, new Set(['a']))).toEqual({ canary: expectedCanary(), series: ['b'] });
  });

  it('makes a failed read a state of its own, never equal to a good one', async () => {
    server.script((seen, response) => {
      if (seen.path === '/v1/series') return json(response, 200, { series: [1, 2] });
      json(response, 503, registryError('OMENDB_ERR_HTTP_NOT_READY'));
    });
    const state = await readStoredState(server.client, 'Bearer r', 'can');
    expect(state).toEqual({ canary: { unreadable: 503 }, series: { unreadable: 200 } });
    expect(withoutSeries(state, new Set(['a']))).toBe(state);
    server.script((_seen, response) => response.socket?.destroy());
    expect(await readStoredState(server.client, 'Bearer r', 'can')).toEqual({
      canary: { unreadable: 'no answer' },
      series: { unreadable: 'no answer' },
    });
  });

  it('stops the scenario when the canary cannot be written', async () => {
    server.script((_seen, response) => json(response, 403, registryError('OMENDB_ERR_AUTH_FORBIDDEN')));
    await expect(writeCanary(server.client, 'Bearer r', 'can')).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_UNAVAILABLE',
      details: { status: 403 },
    });
    server.script((_seen, response) => response.socket?.destroy());
    await expect(writeCanary(server.client, 'Bearer r', 'can')).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_UNAVAILABLE',
      details: {},
    });
    expect(await server.client.ready()).toBe(false);
  });
});
