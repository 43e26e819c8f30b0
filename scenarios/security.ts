import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@omendb/engine';
import type { Check, ParamSpec, Scenario, ScenarioContext, ScenarioOutcome } from '@omendb/harness';
import { securityRequestTimeoutMs } from '../harness/src/limits.ts';
import { runAuthorizationPhase } from '../harness/src/security/authorization-phase.ts';
import { removeUsers } from '../harness/src/security/identities.ts';
import { runHostilePhase } from '../harness/src/security/hostile-phase.ts';
import { passwordCellAddressesMax, securityTarget } from '../harness/src/security/loopback.ts';
import { runProbesPhase } from '../harness/src/security/probes-phase.ts';
import { SecurityClient } from '../harness/src/security/security-client.ts';
import { readStoredState, sameState } from '../harness/src/security/stored-state.ts';

/**
 * security: black box against an OmenDB HTTP endpoint on loopback (the adapter's httpEndpoint()).
 * 1. Every route the server's /openapi.json lists x every identity (none, bad password, unknown
 *    user, malformed, another scheme, expired, tampered, alg none, future-dated, removed user's
 *    and changed password's tokens, each role by Basic and by Bearer) gets its expected status.
 * 2. A hostile-input corpus and a seeded bit-flip fuzz: after each case the server still answers
 *    and the stored data (a canary series and the series list) is unchanged.
 * 3. Bounded exhaustion probes (failed-login flood, slow bodies, idle connections, hostile Arrow
 *    flood), each measuring a valid client's latency while it runs.
 * The users and series it makes are removed at the end; the admin it is given is never changed.
 */

/** A numeric parameter: its value per profile (ci, nightly, release) and its bounds. */
function num(
  description: string,
  [ci, nightly, release]: readonly number[],
  [min, max]: readonly number[],
): ParamSpec {
  return { description, defaults: { ci: ci!, nightly: nightly!, release: release! }, min: min!, max: max! };
}

const latencyMax = (during: string): ParamSpec =>
  num(`The valid client's p99 during ${during} must stay under this (ms)`, [500, 500, 500], [1, 60_000]);
const deadlineMs = (description: string): ParamSpec => num(description, [2_000, 2_000, 2_000], [100, 60_000]);
const chunkedBeyondAny = limits.httpBodyBytesMax + 1024 * 1024;

const params = {
  failedLoginAddresses: num(
    `Loopback source addresses the password cells of the matrix are spread over (${limits.authFailuresMax} cells each; past them the limiter's 429 counts as a refusal). Fewer: faster, as each address hashes its cells`,
    [1, 8, 8],
    [1, passwordCellAddressesMax],
  ),
  hostileCaseDeadlineMs: deadlineMs('A hostile or fuzz case must be answered within this (ms)'),
  stateCheckEveryCases: num(
    'Hostile cases between two read-backs of the stored state',
    [1, 1, 1],
    [1, 1_000],
  ),
  deltaDictionaryBatches: num(
    'Delta dictionary batches in the largest hostile Arrow body',
    [10_000, 10_000, 10_000],
    [1, 100_000],
  ),
  chunkedBodyBytes: num(
    "Bytes of a chunked write sent to the canary (0: none): past the server's body limit it gets 413, under it 400",
    [32 * 1024 * 1024, chunkedBeyondAny, chunkedBeyondAny],
    [0, chunkedBeyondAny + 15 * 1024 * 1024],
  ),
  fuzzCases: num(
    'Bit-flip fuzz cases (the three valid bodies included)',
    [300, 3_000, 10_000],
    [3, 1_000_000],
  ),
  fuzzStateCheckEveryCases: num(
    'Fuzz cases between two read-backs of the stored state',
    [50, 100, 100],
    [1, 10_000],
  ),
  loginFloodRequests: num('Concurrent failed logins from one address', [100, 200, 500], [1, 2_000]),
  slowBodies: num(
    'Slow request bodies held open at once (half without credentials)',
    [200, 1_000, 2_000],
    [2, 4_000],
  ),
  idleConnections: num('Idle connections held open at once', [300, 1_000, 2_000], [1, 4_000]),
  probeHoldMs: num(
    'How long slow bodies and idle connections are held, and the Arrow flood lasts (ms)',
    [2_000, 5_000, 10_000],
    [100, 60_000],
  ),
  arrowFloodDeadlineMs: deadlineMs('A hostile Arrow body of the flood must be refused within this (ms)'),
  loginFloodLatencyMsMax: latencyMax('the login flood'),
  slowBodiesLatencyMsMax: latencyMax('the slow bodies'),
  idleConnectionsLatencyMsMax: latencyMax('the idle connections'),
  arrowFloodLatencyMsMax: latencyMax('the Arrow flood'),
} satisfies Record<string, ParamSpec>;

type ParamName = keyof typeof params;

export const security: Scenario = {
  name: 'security',
  category: 'security',
  description:
    'Black box against a loopback HTTP endpoint: every OpenAPI route x 20 identities, a hostile-input corpus and bit-flip fuzz with the stored data checked after each case, and bounded exhaustion probes measuring a valid client.',
  requires: ['http', 'auth'],
  params,
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome> {
    const param = (name: ParamName): number => Number(ctx.params[name]);
    const endpoint = ctx.adapter.httpEndpoint();
    const target = securityTarget(endpoint.url, endpoint.ca);
    const client = new SecurityClient(target, securityRequestTimeoutMs);
    const runId = `${ctx.seed.toString(36)}-${ctx.prng.int(36 ** 4).toString(36)}`;

    const phaseMs: Record<string, number> = {};
    let phaseStart = ctx.clock.now();
    const phaseDone = (name: string): void => {
      phaseMs[name] = ctx.clock.now() - phaseStart;
      phaseStart = ctx.clock.now();
    };
    // What the run made, so that it is removed at the end whatever happens.
    const users: string[] = [];
    const series: string[] = [];
    try {
      const authorization = await runAuthorizationPhase(client, {
        admin: endpoint.adminAuthorization,
        runId,
        ...(endpoint.tokenSecret === undefined ? {} : { tokenSecret: endpoint.tokenSecret }),
        passwordAddresses: param('failedLoginAddresses'),
        userLedger: users,
        seriesLedger: series,
        onCell: (done, total) => ctx.progress(done, total, 'authorization matrix'),
      });
      phaseDone('authorization');
      const { identities, canary, baseline } = authorization;
      const writer = `Bearer ${identities.users.writer.token}`;
      const reader = `Bearer ${identities.users.reader.token}`;
      const hostile = await runHostilePhase(client, {
        writer,
        reader,
        canary,
        runId,
        baseline,
        caseDeadlineMs: param('hostileCaseDeadlineMs'),
        stateCheckEvery: param('stateCheckEveryCases'),
        deltaDictionaryBatches: param('deltaDictionaryBatches'),
        chunkedBodyBytes: param('chunkedBodyBytes'),
        fuzzCases: param('fuzzCases'),
        fuzzStateCheckEvery: param('fuzzStateCheckEveryCases'),
        prng: ctx.prng,
        onCase: (done, total, note) => ctx.progress(done, total, note),
      });
      phaseDone('hostile');
      const probes = await runProbesPhase(client, {
        target,
        runId,
        canary,
        baseline,
        writer,
        reader,
        floodUser: identities.users.monitor.name,
        sizes: {
          loginFloodRequests: param('loginFloodRequests'),
          slowBodies: param('slowBodies'),
          idleConnections: param('idleConnections'),
          holdMs: param('probeHoldMs'),
          arrowDeadlineMs: param('arrowFloodDeadlineMs'),
          deltaDictionaryBatches: param('deltaDictionaryBatches'),
        },
        thresholds: {
          loginFloodLatencyMsMax: param('loginFloodLatencyMsMax'),
          slowBodiesLatencyMsMax: param('slowBodiesLatencyMsMax'),
          idleConnectionsLatencyMsMax: param('idleConnectionsLatencyMsMax'),
          arrowFloodLatencyMsMax: param('arrowFloodLatencyMsMax'),
        },
        latency: (name) => ctx.latency(name),
        onProbe: (done, total, note) => ctx.progress(done, total, note),
      });
      phaseDone('probes');
      const finalState = await readStoredState(client, reader, canary);
      const finalCheck: Check = {
        name: 'stored data: unchanged at the end',
        pass: sameState(finalState, baseline),
        value: sameState(finalState, baseline),
        threshold: '== true',
      };
      const findings = join(ctx.evidenceDir, 'security-findings.json');
      await writeFile(
        findings,
        `${JSON.stringify(
          {
            matrix: authorization.matrix.cells,
            hostile: hostile.corpus,
            fuzz: { ...hostile.fuzz, acceptedSeries: hostile.fuzz.acceptedSeries.length },
            probes: probes.metrics,
          },
          null,
          1,
        )}\n`,
      );
      ctx.addEvidence(findings);
      return {
        metrics: { ...authorization.metrics, ...hostile.metrics, ...probes.metrics, phaseMs },
        checks: [...authorization.checks, ...hostile.checks, ...probes.checks, finalCheck],
      };
    } finally {
      // Leave the server as it was found: no scenario series, no scenario user.
      for (const name of series)
        await client.send({
          method: 'DELETE',
          path: `/v1/series/${name}`,
          authorization: endpoint.adminAuthorization,
        });
      await removeUsers(client, endpoint.adminAuthorization, users);
    }
  },
};
