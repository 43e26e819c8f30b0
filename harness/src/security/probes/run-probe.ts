import type { Check, LatencyRecorder } from '../../runner/scenario.ts';
import type { SecurityClient } from '../security-client.ts';
import { readStoredState, type StoredState, sameState } from '../stored-state.ts';
import { measureValidClient } from './valid-client.ts';

/**
 * One bounded exhaustion probe: the attack runs while the valid client measures its latency;
 * afterwards the server must answer /ready and hold exactly what it held before. Each probe fails
 * when the valid client went unanswered, when its p99 passed the probe's threshold, when the
 * server is no longer ready, when anything was stored, or on a check of the attack's own.
 */

export interface AttackReport {
  readonly checks: readonly Check[];
  readonly metrics: Readonly<Record<string, unknown>>;
}

export interface ProbeSetup {
  readonly client: SecurityClient;
  /** The valid client's Authorization (a token: never refused by a login limiter). */
  readonly validAuthorization: string;
  /** What the valid client reads (a canary point). */
  readonly validPath: string;
  readonly reader: string;
  readonly canary: string;
  readonly baseline: StoredState;
  readonly recorder: LatencyRecorder;
  /** The valid client's p99 must stay under this (ms). */
  readonly latencyMsMax: number;
  readonly samplesMin: number;
  readonly samplesMax: number;
  /** The longest the valid client keeps reading (the attack bounds itself too). */
  readonly windowMsMax: number;
  readonly intervalMs: number;
}

export interface ProbeOutcome {
  readonly checks: readonly Check[];
  readonly metrics: Readonly<Record<string, unknown>>;
}

export async function runProbe(
  name: string,
  setup: ProbeSetup,
  attack: () => Promise<AttackReport>,
): Promise<ProbeOutcome> {
  let attackOver = false;
  const attacking = attack().finally(() => {
    attackOver = true;
  });
  const valid = measureValidClient(setup.client, {
    authorization: setup.validAuthorization,
    path: setup.validPath,
    recorder: setup.recorder,
    done: () => attackOver,
    samplesMin: setup.samplesMin,
    samplesMax: setup.samplesMax,
    windowMsMax: setup.windowMsMax,
    intervalMs: setup.intervalMs,
  });
  const [report, measured] = await Promise.all([attacking, valid]);
  const ready = await setup.client.ready();
  const unchanged = sameState(
    await readStoredState(setup.client, setup.reader, setup.canary),
    setup.baseline,
  );
  const latency = setup.recorder.summary();
  const checks: Check[] = [
    {
      name: `probe ${name}: valid client answered`,
      pass: measured.failures.length === 0 && measured.samples > 0,
      value: measured.failures.length,
      threshold: `== 0 of ${measured.samples} reads unanswered or not 200`,
    },
    {
      name: `probe ${name}: valid client p99`,
      pass: latency.count > 0 && latency.p99 < setup.latencyMsMax,
      value: latency.p99,
      threshold: `< ${setup.latencyMsMax} ms`,
    },
    { name: `probe ${name}: server ready afterwards`, pass: ready, value: ready, threshold: '== true' },
    { name: `probe ${name}: stored nothing`, pass: unchanged, value: unchanged, threshold: '== true' },
    ...report.checks,
  ];
  return {
    checks,
    metrics: {
      ...report.metrics,
      validReads: measured.samples,
      validFailures: measured.failures.slice(0, 10),
      validSlowestMs: measured.slowestMs,
      latencyMs: { p50: latency.p50, p99: latency.p99, max: latency.max },
    },
  };
}
