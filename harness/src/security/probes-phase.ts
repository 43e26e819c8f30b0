import {
  securityArrowFloodRequestsMax,
  securityArrowFloodWriters,
  securityProbeWindowMsMax,
  securityRequestTimeoutMs,
  securitySlowCloseMsMax,
  securityValidIntervalMs,
  securityValidSamplesMax,
  securityValidSamplesMin,
} from '../limits.ts';
import type { Check, LatencyRecorder } from '../runner/scenario.ts';
import type { SecurityTarget } from './loopback.ts';
import { arrowFlood } from './probes/arrow-flood.ts';
import { idleConnections } from './probes/idle-connections.ts';
import { loginFlood } from './probes/login-flood.ts';
import { type AttackReport, type ProbeSetup, runProbe } from './probes/run-probe.ts';
import { slowBodies } from './probes/slow-bodies.ts';
import type { SecurityClient } from './security-client.ts';
import { canaryKey, type StoredState } from './stored-state.ts';

/**
 * Part 3 of the security scenario: the bounded exhaustion probes, one after another, each with
 * the valid client measuring while it runs (from its own address, with a token).
 */

export interface ProbeSizes {
  readonly loginFloodRequests: number;
  readonly slowBodies: number;
  readonly idleConnections: number;
  /** How long slow bodies and idle connections are held, and the Arrow flood lasts. */
  readonly holdMs: number;
  readonly arrowDeadlineMs: number;
  readonly deltaDictionaryBatches: number;
}

export interface ProbeThresholds {
  readonly loginFloodLatencyMsMax: number;
  readonly slowBodiesLatencyMsMax: number;
  readonly idleConnectionsLatencyMsMax: number;
  readonly arrowFloodLatencyMsMax: number;
}

export interface ProbesPhaseInput {
  readonly target: SecurityTarget;
  readonly runId: string;
  readonly canary: string;
  readonly baseline: StoredState;
  readonly writer: string;
  readonly reader: string;
  /** The user the login flood guesses passwords of (one of the scenario's own). */
  readonly floodUser: string;
  readonly sizes: ProbeSizes;
  readonly thresholds: ProbeThresholds;
  readonly latency: (name: string) => LatencyRecorder;
  readonly onProbe?: (done: number, total: number, note: string) => void;
}

export interface ProbesPhaseResult {
  readonly checks: readonly Check[];
  readonly metrics: Readonly<Record<string, unknown>>;
}

export async function runProbesPhase(
  client: SecurityClient,
  input: ProbesPhaseInput,
): Promise<ProbesPhaseResult> {
  const { sizes, thresholds, runId } = input;
  const setup = (name: string, latencyMsMax: number): ProbeSetup => ({
    client,
    validAuthorization: input.reader,
    validPath: `/v1/series/${input.canary}/points/${canaryKey}`,
    reader: input.reader,
    canary: input.canary,
    baseline: input.baseline,
    recorder: input.latency(`probe ${name}`),
    latencyMsMax,
    samplesMin: securityValidSamplesMin,
    samplesMax: securityValidSamplesMax,
    windowMsMax: Math.min(securityProbeWindowMsMax, sizes.holdMs + securityRequestTimeoutMs),
    intervalMs: securityValidIntervalMs,
  });
  const probes: [string, number, () => Promise<AttackReport>][] = [
    [
      'login-flood',
      thresholds.loginFloodLatencyMsMax,
      () => loginFlood(client, { requests: sizes.loginFloodRequests, userName: input.floodUser }),
    ],
    [
      'slow-bodies',
      thresholds.slowBodiesLatencyMsMax,
      () =>
        slowBodies(input.target, {
          count: sizes.slowBodies,
          authorization: input.writer,
          holdMs: sizes.holdMs,
          closeMsMax: securitySlowCloseMsMax,
          seriesPrefix: `sec-${runId}-slow`,
        }),
    ],
    [
      'idle-connections',
      thresholds.idleConnectionsLatencyMsMax,
      () => idleConnections(input.target, { count: sizes.idleConnections, holdMs: sizes.holdMs }),
    ],
    [
      'arrow-flood',
      thresholds.arrowFloodLatencyMsMax,
      () =>
        arrowFlood(client, {
          writers: securityArrowFloodWriters,
          requestsMax: securityArrowFloodRequestsMax,
          durationMs: sizes.holdMs,
          authorization: input.writer,
          series: `sec-${runId}-arrow-flood`,
          deadlineMs: sizes.arrowDeadlineMs,
          deltaDictionaryBatches: sizes.deltaDictionaryBatches,
        }),
    ],
  ];
  const checks: Check[] = [];
  const metrics: Record<string, unknown> = {};
  for (const [index, [name, latencyMsMax, attack]] of probes.entries()) {
    input.onProbe?.(index, probes.length, `probe ${name}`);
    const outcome = await runProbe(name, setup(name, latencyMsMax), attack);
    checks.push(...outcome.checks);
    metrics[name] = outcome.metrics;
  }
  input.onProbe?.(probes.length, probes.length, 'probes done');
  return { checks, metrics: { probes: metrics } };
}
