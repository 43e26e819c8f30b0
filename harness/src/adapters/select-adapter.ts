import { OmenDbError } from '@omendb/engine';
import type { AdapterFactory, EngineAdapter } from '../adapter.ts';
import { AckBeforeFsync } from '../broken/ack-before-fsync.ts';
import { DropEveryNthWrite } from '../broken/drop-every-nth-write.ts';
import { GrantEverything } from '../broken/grant-everything.ts';
import { StaleAfterRestart } from '../broken/stale-after-restart.ts';
import { ZeroForAbsent } from '../broken/zero-for-absent.ts';
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
type EngineName = (typeof engineNames)[number];

/** The simulated-file-system options of embedded-sim, shared with the broken engine built on it. */
const simOptions = {
  simulated: true,
  memtableBytesMax: simEngineMemtableBytes,
  compactionSegmentsTrigger: simEngineCompactionSegmentsTrigger,
  logger: { info() {}, warn() {}, error() {} },
} as const;

interface BrokenEngine {
  /** The honest engine it wraps: a readiness run puts it in that engine's place. */
  readonly wraps: EngineName;
  readonly build: (env: NodeJS.ProcessEnv) => EngineAdapter;
}

/**
 * `--engine broken:NAME`: engines broken on purpose (canaries), each the honest adapter behind a
 * wrapper with one defect. A scenario, or a whole readiness run, against one must fail in the
 * check or category that exists to find that defect.
 */
export const brokenEngines: Readonly<Record<string, BrokenEngine>> = {
  'drop-every-nth-write': { wraps: 'embedded', build: () => new DropEveryNthWrite(new EmbeddedAdapter()) },
  'zero-for-absent': { wraps: 'embedded', build: () => new ZeroForAbsent(new EmbeddedAdapter()) },
  'stale-after-restart': { wraps: 'embedded', build: () => new StaleAfterRestart(new EmbeddedAdapter()) },
  'ack-before-fsync': { wraps: 'embedded-sim', build: () => new AckBeforeFsync(simOptions) },
  'grant-everything': { wraps: 'http', build: (env) => new GrantEverything(new HttpAdapter({ env })) },
};

export const brokenEnginePrefix = 'broken:';

export function selectAdapter(engine: string, env: NodeJS.ProcessEnv): AdapterFactory {
  switch (engine) {
    case 'embedded':
      return () => new EmbeddedAdapter();
    case 'embedded-sim':
      // Over the simulated file system (power loss, injected I/O faults), with flushes and
      // compactions in every small workload; recovery warnings are expected there, so no logger.
      return () => new EmbeddedAdapter(simOptions);
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
  if (engine.startsWith(brokenEnginePrefix)) {
    const name = engine.slice(brokenEnginePrefix.length);
    // Own keys only: `broken:constructor` is a usage error, not Object.prototype's constructor.
    const broken = Object.hasOwn(brokenEngines, name) ? brokenEngines[name] : undefined;
    if (broken !== undefined) return () => broken.build(env);
  }
  if (/^https?:\/\//i.test(engine)) {
    // Built once now so that a bad URL or incomplete credentials are a usage error before any run.
    new HttpAdapter({ url: engine, env });
    return () => new HttpAdapter({ url: engine, env });
  }
  throw new OmenDbError(
    'OMENDB_ERR_HARNESS_USAGE',
    `unknown engine ${engine}: one of ${engineNames.join(', ')}, an http:// or https:// URL, or a canary: ${Object.keys(
      brokenEngines,
    )
      .map((name) => brokenEnginePrefix + name)
      .join(', ')}`,
  );
}
