import { HttpClient } from '../../../src/adapters/http/http-client.ts';
import { SpawnedServer } from '../../../src/adapters/http/spawned-server.ts';
import { httpRequestTimeoutMsDefault } from '../../../src/limits.ts';
import { factServerOf, type WithServer } from '../../../src/readiness/static-facts/fact-server.ts';

/** One server per test file, lent to every fact the file evaluates. */
export interface SharedServer {
  readonly withServer: WithServer;
  dispose(): Promise<void>;
}

export async function startSharedServer(): Promise<SharedServer> {
  const server = await SpawnedServer.start();
  const client = new HttpClient({ url: server.url, timeoutMs: httpRequestTimeoutMsDefault });
  const lent = factServerOf(server, client);
  return {
    withServer: (use) => use(lent),
    async dispose() {
      client.close();
      await server.dispose();
    },
  };
}
