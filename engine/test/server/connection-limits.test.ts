import { createServer, type Server, type Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  httpConnectionDropLogIntervalMs,
  httpHeaderBytesMax,
  httpTimeoutCheckIntervalMsMax,
  httpTimeoutCheckIntervalMsMin,
} from '../../src/limits.ts';
import {
  capConnections,
  connectionOptions,
  timeoutCheckIntervalMs,
} from '../../src/server/connection-limits.ts';
import { configDefaults } from '../../src/server/server-config.ts';
import { openRaw, type RawConnection } from '../../src/testing/raw-http.ts';

/** The options that bound one connection, and the connection cap on a real loopback listener. */

describe('connectionOptions', () => {
  it('passes the configured timeouts, the header limit, and leaves the Host check to the hook', () => {
    const config = {
      ...configDefaults,
      data: '/d',
      requestTimeoutMs: 7_000,
      headersTimeoutMs: 2_000,
      keepAliveTimeoutMs: 3_000,
    };
    expect(connectionOptions(config)).toEqual({
      requestTimeout: 7_000,
      headersTimeout: 2_000,
      keepAliveTimeout: 3_000,
      connectionsCheckingInterval: 500,
      maxHeaderSize: httpHeaderBytesMax,
      requireHostHeader: false,
    });
  });

  it('checks the timers at a quarter of the headers timeout, within bounds', () => {
    expect(timeoutCheckIntervalMs(2_000)).toBe(500);
    expect(timeoutCheckIntervalMs(100)).toBe(httpTimeoutCheckIntervalMsMin);
    expect(timeoutCheckIntervalMs(60_000)).toBe(httpTimeoutCheckIntervalMsMax);
  });
});

describe('capConnections', () => {
  let server: Server | undefined;
  const clients: RawConnection[] = [];
  const accepted: Socket[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    for (const socket of accepted.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  function fakeLog(): { log: FastifyBaseLogger; warnings: unknown[][] } {
    const warnings: unknown[][] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as FastifyBaseLogger;
    return { log, warnings };
  }

  it('closes connections past the cap, keeps the open ones, and warns once per interval', async () => {
    let now = 1_000_000;
    const { log, warnings } = fakeLog();
    server = createServer((socket) => {
      accepted.push(socket);
      socket.on('data', (data) => socket.write(data));
    });
    capConnections(server, 2, log, () => now);
    expect(server.maxConnections).toBe(2);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;

    for (let i = 0; i < 2; i++) clients.push(await openRaw(port));
    const over = [await openRaw(port), await openRaw(port)];
    clients.push(...over);
    for (const client of over) await client.closed(3_000);
    expect(over.map((client) => client.received())).toEqual(['', '']);
    // Only the first drop of the interval is logged.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]![0]).toEqual({ connectionsMax: 2, dropped: 1 });

    // The open connections are served.
    clients[0]!.write('ping');
    await expect.poll(() => clients[0]!.received(), { timeout: 3_000 }).toBe('ping');

    // After the interval, the next drop is logged with the count since the last warning.
    now += httpConnectionDropLogIntervalMs;
    const later = await openRaw(port);
    clients.push(later);
    await later.closed(3_000);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]![0]).toEqual({ connectionsMax: 2, dropped: 2 });
  });
});
