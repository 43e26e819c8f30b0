import { afterAll, afterEach, describe, it } from 'vitest';
import { HttpAdapter } from '../../src/adapters/http/adapter.ts';
import { SpawnedServer, type SpawnOptions } from '../../src/adapters/http/spawned-server.ts';
import { runConformance } from '../../src/conformance/run-conformance.ts';

/**
 * The conformance suite against a spawned `omendb serve`. Spawning one costs a second or two
 * (tsx start-up, recovery, one password hash for the admin's token), and the suite builds a
 * fresh adapter per case, so each variant shares one server process between its cases: every
 * adapter opens over it with `server`, and open() drops every series the server lists.
 *
 * Why that is as good as a fresh server for the contract: an adapter observes an engine only
 * through the contract's operations, and after the drops listSeries() is empty and every get,
 * range and aggregate finds nothing, exactly as over a new data directory (a series with no
 * visible point is not listed, and reads nothing either). The server keeps its process, token
 * and files, which is harder, not easier, for the engine: each case runs over a WAL and
 * segments that already saw the earlier ones. Kill, pause and restart cases act on that very
 * process (SIGKILL, SIGSTOP, SIGTERM and start again), and the next adapter's open() brings it
 * back if a case left it down or paused.
 */

const servers = new Map<string, Promise<SpawnedServer>>();

function sharedServer(name: string, options: SpawnOptions): Promise<SpawnedServer> {
  let server = servers.get(name);
  if (server === undefined) {
    server = SpawnedServer.start(options);
    servers.set(name, server);
  }
  return server;
}

afterAll(async () => {
  for (const server of servers.values()) await (await server).dispose();
});

runConformance('http', async () => new HttpAdapter({ server: await sharedServer('json', {}) }), {
  describe,
  it,
  afterEach,
});

// HTTPS with a certificate made at run time, and Arrow IPC bodies for writes and range pages.
runConformance(
  'http-tls-arrow',
  async () => new HttpAdapter({ server: await sharedServer('tls-arrow', { tls: true }), arrow: true }),
  { describe, it, afterEach },
);
