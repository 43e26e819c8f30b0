import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedAnswer, identitySpecs } from '@omendb/engine';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Capabilities,
  EngineAdapter,
  type EngineDescription,
  type HttpEndpoint,
  type RangePage,
} from '../../harness/src/adapter.ts';
import { HttpAdapter } from '../../harness/src/adapters/http/adapter.ts';
import { GrantEverything } from '../../harness/src/broken/grant-everything.ts';
import { type RunScenarioReport, runScenario } from '../../harness/src/runner/run-scenario.ts';
import { routesFromOpenApi } from '../../harness/src/security/openapi-routes.ts';
import { security } from '../security.ts';
import { expectCaught, expectPassed, readinessOf } from './readiness-of.ts';

/**
 * The security scenario against the real server (omendb serve, spawned by the http adapter, ci
 * profile: every check passes) and against a fastify app that grants every request whatever its
 * credentials (it must fail, the authorization matrix named in the result; the same seed fails
 * the same way again), and against the real server behind a proxy that lets every caller act as
 * the admin (the readiness report's Security category falls below its required score and the gate
 * fails, where the real server's run scores the same checks in full).
 */

/** The Security checks of the readiness policy that read this scenario. */
const securityChecks = [
  'security-status',
  'authorization-matrix',
  'refused-changed-nothing',
  'login-flood-refused',
  'stored-data-unchanged',
];

const seed = Number(process.env.OMENDB_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`seed ${seed} (replay: OMENDB_SEED=${seed})`);

/**
 * The spawned servers hash at the suite's cheaper password cost (vitest.config.ts sets
 * OMENDB_PASSWORD_HASH_COST; the harness passes no OMENDB_* variable on unless asked): this
 * scenario makes users, logs in, and tries wrong passwords over a hundred times. The readiness
 * run's security scenario runs at the engine's own cost.
 */
const hashCost = process.env.OMENDB_PASSWORD_HASH_COST;
const spawn = hashCost === undefined ? {} : { env: { OMENDB_PASSWORD_HASH_COST: hashCost } };

/** A test-only adapter: an HTTP endpoint and nothing else (the scenario needs only httpEndpoint()). */
class EndpointAdapter extends EngineAdapter {
  readonly capabilities: Capabilities = {
    durable: false,
    restartable: false,
    killable: false,
    pausable: false,
    simulatedPowerLoss: false,
    aggregates: false,
    arrow: false,
    auth: true,
    metrics: false,
    checkpoint: false,
    process: false,
    http: true,
    dataDirectory: false,
  };

  constructor(private readonly endpoint: HttpEndpoint) {
    super();
  }

  protected async _open(): Promise<void> {}
  protected async _close(): Promise<void> {}
  protected async _describe(): Promise<EngineDescription> {
    return { engine: 'permissive-fastify', version: '0.0.0', adapter: 'endpoint' };
  }
  protected override _httpEndpoint(): HttpEndpoint {
    return this.endpoint;
  }
  private unused(): never {
    throw new Error('OmenDB harness invariant violated: the security scenario uses httpEndpoint() only');
  }
  protected async _write(): Promise<void> {
    this.unused();
  }
  protected async _get(): Promise<number | undefined> {
    this.unused();
  }
  protected async _range(): Promise<RangePage> {
    this.unused();
  }
  protected async _deleteRange(): Promise<void> {
    this.unused();
  }
  protected async _listSeries(): Promise<string[]> {
    this.unused();
  }
  protected async _dropSeries(): Promise<void> {
    this.unused();
  }
}

/** Grants everything: 200 to every method and path, any body; /openapi.json is the real server's. */
async function permissiveApp(openApi: unknown): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.get('/openapi.json', async () => openApi);
  app.all('*', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

/** Small sizes for the permissive app: it is the authorization matrix that must catch it. */
const permissiveParams = {
  fuzzCases: 3,
  chunkedBodyBytes: 0,
  deltaDictionaryBatches: 10,
  loginFloodRequests: 5,
  slowBodies: 4,
  idleConnections: 4,
  probeHoldMs: 200,
};

let out: string;
let openApi: unknown;
let real: RunScenarioReport;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'omendb-security-'));
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('security against omendb serve (ci profile)', () => {
  it('passes every check: 30 routes x 20 identities, the hostile corpus, the fuzz and every probe', async () => {
    let endpoint: HttpEndpoint | undefined;
    let leftUsers: string[] | undefined;
    let leftSeries: string[] | undefined;
    real = await runScenario(security, {
      adapterFactory: () =>
        new (class extends HttpAdapter {
          // Keeps the OpenAPI document for the permissive app below, while the server is up.
          protected override async _open(): Promise<void> {
            await super._open();
            endpoint = this.httpEndpoint();
            openApi = await (await fetch(`${endpoint.url}/openapi.json`)).json();
          }
          // What the run left on the server, read just before it stops.
          protected override async _close(): Promise<void> {
            const headers = { authorization: endpoint!.adminAuthorization };
            leftUsers = (
              (await (await fetch(`${endpoint!.url}/v1/users`, { headers })).json()) as {
                users: { name: string }[];
              }
            ).users.map((user) => user.name);
            leftSeries = (
              (await (await fetch(`${endpoint!.url}/v1/series`, { headers })).json()) as {
                series: string[];
              }
            ).series;
            await super._close();
          }
        })({ spawn }),
      outDir: join(out, 'real'),
      seed,
      profile: 'ci',
      gitCommit: null,
      output: { write: () => true },
    });
    const { result } = real;
    const failed = result.checks.filter((check) => !check.pass);
    expect(failed, JSON.stringify(result.error ?? failed)).toEqual([]);
    expect(result.status).toBe('passed');
    expect(endpoint?.tokenSecret).toBeInstanceOf(Uint8Array);
    // The server is left as it was found: its admin alone, no series.
    expect(leftUsers).toEqual(['admin']);
    expect(leftSeries).toEqual([]);
    expect(result.metrics).toMatchObject({
      routes: 30,
      identities: 20,
      cellsTested: 600,
      cellsWrong: 0,
      signedTimeTokens: true,
      hostileCasesChangedDataOrKilledServer: 0,
      fuzzCases: 300,
      fuzzCasesChangedDataOrKilledServer: 0,
    });
    expect(result.metrics.hostileCases).toBeGreaterThanOrEqual(120);
    const latency = result.metrics.latencyMs as Record<string, { count: number; p99: number }>;
    for (const probe of ['login-flood', 'slow-bodies', 'idle-connections', 'arrow-flood'])
      expect(latency[`probe ${probe}`]?.count, probe).toBeGreaterThanOrEqual(10);
    const findings = JSON.parse(
      await readFile(join(out, 'real', 'security', 'security-findings.json'), 'utf8'),
    );
    expect(findings.matrix).toHaveLength(600);
    expect(result.evidence).toContain('security/security-findings.json');
    expectPassed(await readinessOf(join(out, 'real')), 'security', securityChecks);
    console.log(
      `security ci on omendb serve: ${(result.durationMs / 1000).toFixed(1)} s, phases ${JSON.stringify(result.metrics.phaseMs)}, ` +
        `rate-limited cells ${result.metrics.cellsRateLimited}, probe p99 ${JSON.stringify(
          Object.fromEntries(Object.entries(latency).map(([name, summary]) => [name, summary.p99])),
        )}`,
    );
  }, 240_000);
});

describe('security against an app that grants every request', () => {
  let app: FastifyInstance;
  let endpoint: HttpEndpoint;

  beforeAll(async () => {
    expect(openApi, 'the real server ran first and its OpenAPI document was kept').toBeDefined();
    app = await permissiveApp(openApi);
    const { port } = app.server.address() as { port: number };
    endpoint = { url: `http://127.0.0.1:${port}`, adminAuthorization: 'Basic YWRtaW46YW55dGhpbmc=' };
  });

  afterAll(async () => {
    await app?.close();
  });

  const run = (dir: string) =>
    runScenario(security, {
      adapterFactory: () => new EndpointAdapter(endpoint),
      outDir: join(out, dir),
      seed,
      profile: 'ci',
      params: permissiveParams,
      gitCommit: null,
      output: { write: () => true },
    });

  it('fails, the authorization matrix named with every refusal cell wrong; a replay fails the same way', async () => {
    const { result } = await run('permissive');
    expect(result.status).toBe('failed');
    const { routes } = routesFromOpenApi(openApi, true);
    const refusals = routes.flatMap((route) =>
      identitySpecs().filter((identity) => expectedAnswer(route.access, identity).status !== 'success'),
    ).length;
    expect(refusals).toBeGreaterThan(300);
    expect(result.checks).toContainEqual({
      name: 'authorization matrix: wrong cells',
      pass: false,
      value: refusals,
      threshold: '== 0 of 600',
    });
    const failing = result.checks.filter((check) => !check.pass).map((check) => check.name);
    expect(failing).toEqual(
      expect.arrayContaining([
        'authorization matrix: refused callers changed nothing',
        'hostile input: cases answered with another status or code',
        'probe slow-bodies: unauthenticated slow bodies refused with 401',
        'probe arrow-flood: every hostile Arrow body refused with 400',
      ]),
    );
    const replay = await run('permissive-replay');
    expect(replay.result.checks.filter((check) => !check.pass).map((check) => check.name)).toEqual(failing);
    expect(
      replay.result.checks.find((check) => check.name === 'authorization matrix: wrong cells')?.value,
    ).toBe(refusals);
  }, 120_000);
});

describe('security against the real server behind a proxy that grants every caller the admin', () => {
  it('fails, and the readiness report scores Security below its required score; the gate fails', async () => {
    const { result } = await runScenario(security, {
      adapterFactory: () => new GrantEverything(new HttpAdapter({ spawn })),
      outDir: join(out, 'grant-everything'),
      seed,
      profile: 'ci',
      params: permissiveParams,
      gitCommit: null,
      output: { write: () => true },
    });
    expect(result.status).toBe('failed');
    expect(result.engine.adapter).toBe('grant-everything(http)');
    const wrong = result.checks.find((check) => check.name === 'authorization matrix: wrong cells');
    expect(wrong?.pass).toBe(false);
    expect(wrong?.value).toBeGreaterThan(300);
    expectCaught(await readinessOf(join(out, 'grant-everything')), 'security', [
      'security-status',
      'authorization-matrix',
      'refused-changed-nothing',
    ]);
  }, 180_000);
});
