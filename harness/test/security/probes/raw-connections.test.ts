import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityTarget, sourceSlots } from '../../../src/security/loopback.ts';
import { destroyAll, openConnections } from '../../../src/security/probes/raw-connections.ts';
import { type ScriptedServer, startScripted } from '../scripted-server.ts';

let tls: ScriptedServer;

beforeAll(async () => {
  tls = await startScripted({ tls: true });
});

afterAll(async () => {
  await tls?.close();
});

describe('raw connections for the probes', () => {
  it('opens them from the slot, over TLS with the CA, each prepared once', async () => {
    const prepared: number[] = [];
    const { connections, failed } = await openConnections(
      tls.target,
      5,
      sourceSlots.idleConnections,
      (_c, index) => prepared.push(index),
    );
    expect(failed).toBe(0);
    expect(connections).toHaveLength(5);
    expect(prepared.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(connections.every((connection) => connection.socket.localAddress === '127.0.0.7')).toBe(true);
    destroyAll(connections);
    await Promise.all(connections.map((connection) => connection.closed(2_000)));
  });

  it('counts connections that cannot be opened instead of throwing', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const { connections, failed } = await openConnections(
      securityTarget(`http://127.0.0.1:${port}`),
      3,
      sourceSlots.idleConnections,
      () => undefined,
    );
    expect(connections).toEqual([]);
    expect(failed).toBe(3);
  });
});
