import type { Prng } from '@omendb/engine';
import type { CapabilityName, EngineAdapter } from '../adapter.ts';
import type { HistoryRecorder } from '../history/history.ts';

/**
 * A scenario: one typed module in scenarios/, run by `omendb-harness run`. It declares what it
 * needs (capabilities) and its parameters per profile; the runner builds the context, skips the
 * scenario (saying so in its result) when the adapter lacks a capability, and writes the result.
 */

export type Profile = 'ci' | 'nightly' | 'release';
export const profiles: readonly Profile[] = ['ci', 'nightly', 'release'];

export type ScenarioCategory =
  | 'correctness'
  | 'durability'
  | 'security'
  | 'performance'
  | 'stability'
  | 'meta';

export type ParamValue = number | string | boolean;

export interface ParamSpec {
  readonly description: string;
  /** The value per profile. */
  readonly defaults: Readonly<Record<Profile, ParamValue>>;
  /** Bounds of a numeric parameter: --param k=v outside them is a usage error. */
  readonly min?: number;
  readonly max?: number;
  /** A string parameter that must parse as a duration (`60s`, `30m`, `24h`): checked before the run. */
  readonly format?: 'duration';
}

/** A named check with its measured value and its threshold: the unit of evidence. */
export interface Check {
  readonly name: string;
  readonly pass: boolean;
  readonly value: number | string | boolean | null;
  /** e.g. '== 0', '>= 25', '< 180 s'. */
  readonly threshold: string;
}

/** A clock the runner injects, so long runs can be tested on an accelerated clock. */
export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface LatencyRecorder {
  /** One latency in milliseconds. */
  record(ms: number): void;
  /** p50, p95, p99, p999, max, count (milliseconds). */
  summary(): LatencySummary;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface ScenarioContext {
  readonly adapter: EngineAdapter;
  /** Builds another adapter of the same kind over fresh storage (for scenarios that need one per trial). */
  // The runner returns it opened, like `adapter`, and closes it at the end if the scenario has not.
  readonly freshAdapter: () => Promise<EngineAdapter>;
  readonly seed: number;
  readonly prng: Prng;
  readonly clock: Clock;
  readonly profile: Profile;
  /** The resolved parameters: profile defaults overridden by --param. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The run's evidence directory for this scenario: write history, intervals, logs here. */
  readonly evidenceDir: string;
  readonly history: HistoryRecorder;
  /** An HdrHistogram-backed latency recorder, named in the result's metrics. */
  latency(name: string): LatencyRecorder;
  /** A progress line (a live bar on a TTY, a line every few seconds otherwise). */
  progress(done: number, total: number, note?: string): void;
  /** Registers an evidence file (a path inside evidenceDir) so the result lists it. */
  addEvidence(path: string): void;
}

export interface ScenarioOutcome {
  /** Measured figures, by name (numbers, or small objects of numbers). */
  readonly metrics: Record<string, unknown>;
  readonly checks: readonly Check[];
}

export interface Scenario {
  readonly name: string;
  readonly category: ScenarioCategory;
  readonly description: string;
  readonly requires: readonly CapabilityName[];
  readonly params: Readonly<Record<string, ParamSpec>>;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}
