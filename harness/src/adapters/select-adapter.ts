import { OmenDbError } from '@omendb/engine';
import type { AdapterFactory } from '../adapter.ts';
import { simEngineCompactionSegmentsTrigger, simEngineMemtableBytes } from '../limits.ts';
import { EmbeddedAdapter } from './embedded/adapter.ts';
import { HttpAdapter } from './http/adapter.ts';
import { ModelAdapter } from './model/adapter.ts';
import { SqliteAdapter } from './sqlite/adapter.ts';

/**
 * `--engine` to an adapter factory. Each call of the factory builds a fresh adapter over fresh
 * storage (a temporary directory, a server spawned on one). A URL names a server that is already
 * running: its credentials and CA come from the environment (OMENDB_HARNESS_USER and
 * OMENDB_HARNESS_PASSWORD, or OMENDB_HARNESS_TOKEN; OMENDB_HARNESS_CA), never from argv.
 */

export const engineNames = ['embedded', 'embedded-sim', 'http', 'http-arrow', 'sqlite', 'model'] as const;

export function selectAdapter(engine: string, env: NodeJS.ProcessEnv): AdapterFactory {
  switch (engine) {
    case 'embedded':
      return () => new EmbeddedAdapter();
    case 'embedded-sim':
      // Over the simulated file system (power loss, injected I/O faults), with flushes and
      // compactions in every small workload; recovery warnings are expected there, so no logger.
      return () =>
        new EmbeddedAdapter({
          simulated: true,
          memtableBytesMax: simEngineMemtableBytes,
          compactionSegmentsTrigger: simEngineCompactionSegmentsTrigger,
          logger: { info() {}, warn() {}, error() {} },
        });
    case 'http':
      return () => new HttpAdapter({ env });
    case 'http-arrow':
      // The bulk path a real ingester takes: bodies and range pages as Arrow IPC streams.
      return () => new HttpAdapter({ env, arrow: true });
    case 'sqlite':
      return () => new SqliteAdapter();
    case 'model':
      return () => new ModelAdapter();
  }
  if (/^https?:\/\//i.test(engine)) {
    // Built once now so that a bad URL or incomplete credentials are a usage error before any run.
    new HttpAdapter({ url: engine, env });
    return () => new HttpAdapter({ url: engine, env });
  }
  throw new OmenDbError(
    'OMENDB_ERR_HARNESS_USAGE',
    `unknown engine ${engine}: one of ${engineNames.join(', ')}, or an http:// or https:// URL`,
  );
}
