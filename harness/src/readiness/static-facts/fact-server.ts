import { OmenDbError } from '@omendb/engine';
import { HttpClient } from '../../adapters/http/http-client.ts';
import { SpawnedServer } from '../../adapters/http/spawned-server.ts';
import { httpRequestTimeoutMsDefault } from '../../limits.ts';

/**
 * A running OmenDB server for the facts that ask one (its OpenAPI document, its metrics, the users
 * file it wrote): started the public way (`omendb serve --port 0` on a temp directory, auth on,
 * an admin password made up for it), and stopped and removed after use. Facts take a
 * `WithServer` so that a test can lend one server to all of them instead of starting one each.
 */

export interface FactServer {
  /** The server's data directory (its users file is `server/users.json` inside). */
  readonly dataDir: string;
  /** GET `path` as the admin; the body of a 200, else OMENDB_ERR_HARNESS_UNAVAILABLE. */
  get(path: string): Promise<string>;
}

export type WithServer = <T>(use: (server: FactServer) => Promise<T>) => Promise<T>;

/** A FactServer over a SpawnedServer someone else owns (a test's, shared between facts). */
export function factServerOf(server: SpawnedServer, client: HttpClient): FactServer {
  return {
    dataDir: server.dataDir,
    async get(path: string): Promise<string> {
      const authorization = await server.session.authorization(client);
      const response = await client.send({
        method: 'GET',
        path,
        headers: authorization === undefined ? {} : { authorization },
      });
      if (response.status !== 200)
        throw new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', `GET ${path} answered ${response.status}`, {
          status: response.status,
        });
      return response.body.toString('utf8');
    },
  };
}

/** Starts a server for one use and always stops it (and removes its directory) afterwards. */
export const withSpawnedServer: WithServer = async (use) => {
  const server = await SpawnedServer.start();
  const client = new HttpClient({ url: server.url, timeoutMs: httpRequestTimeoutMsDefault });
  try {
    return await use(factServerOf(server, client));
  } finally {
    client.close();
    await server.dispose();
  }
};

/**
 * One server for all the facts of one report: started at the first fact that asks, lent to the
 * others, and stopped by `dispose` once every fact ran (three facts ask; one server serves them).
 */
export function sharedFactServer(): { readonly withServer: WithServer; dispose(): Promise<void> } {
  let started: Promise<{ server: SpawnedServer; client: HttpClient }> | undefined;
  const start = async () => {
    const server = await SpawnedServer.start();
    return { server, client: new HttpClient({ url: server.url, timeoutMs: httpRequestTimeoutMsDefault }) };
  };
  return {
    withServer: async (use) => {
      started ??= start();
      const { server, client } = await started;
      return use(factServerOf(server, client));
    },
    async dispose() {
      if (started === undefined) return;
      const { server, client } = await started;
      client.close();
      await server.dispose();
    },
  };
}
