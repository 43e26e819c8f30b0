import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createPrng } from '@omendb/engine';
import type { AdapterFactory, CapabilityName, EngineAdapter, EngineDescription } from '../adapter.ts';
import { classifyError } from '../history/classify-error.ts';
import { createHistoryRecorder, type JsonlHistoryRecorder } from '../history/history-recorder.ts';
import { latencyRecordersMax, resultErrorMessageCharsMax } from '../limits.ts';
import { realClock } from './clock.ts';
import { HdrLatencyRecorder } from './latency.ts';
import { gitCommit as lookUpGitCommit, machineFacts } from './machine.ts';
import { type ParamOverrides, resolveParams } from './params.ts';
import { type ProgressOutput, ProgressReporter } from './progress.ts';
import { resultSchemaVersion, type ScenarioResult, type ScenarioStatus, writeResult } from './result.ts';
import type { Check, Clock, Profile, Scenario, ScenarioContext, ScenarioOutcome } from './scenario.ts';

/**
 * Runs one scenario and writes its result: builds the context (adapter, seeded PRNG, clock,
 * progress, latency recorders, history, evidence directory), skips the scenario when the adapter
 * lacks a capability it requires, runs it, catches its crash, and writes `DIR/<scenario>.json`,
 * validated against the result schema. Usage errors (a bad parameter) are thrown before anything
 * runs; everything that goes wrong after that is in the result.
 */

export interface RunScenarioOptions {
  readonly adapterFactory: AdapterFactory;
  /** The output directory: results at DIR/<scenario>.json, evidence under DIR/<scenario>/. */
  readonly outDir: string;
  readonly seed: number;
  readonly profile?: Profile;
  readonly params?: ParamOverrides;
  readonly clock?: Clock;
  /** Where progress goes (default process.stdout): a live bar when it is a TTY. */
  readonly output?: ProgressOutput;
  /** The commit to record (default: `git rev-parse HEAD`). */
  readonly gitCommit?: string | null;
}

export interface RunScenarioReport {
  readonly result: ScenarioResult;
  /** The written result file. */
  readonly path: string;
}

const unknownEngine: EngineDescription = { engine: 'unknown', version: 'unknown', adapter: 'unknown' };

export async function runScenario(
  scenario: Scenario,
  options: RunScenarioOptions,
): Promise<RunScenarioReport> {
  const profile = options.profile ?? 'ci';
  const params = resolveParams(scenario, profile, options.params);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffff_ffff)
    throw new Error(`OmenDB harness invariant violated: seed ${options.seed} is not a uint32`);
  const clock = options.clock ?? realClock;
  const outDir = resolve(options.outDir);
  const evidenceDir = join(outDir, scenario.name);
  await mkdir(evidenceDir, { recursive: true });
  const startedAt = new Date();
  const started = clock.now();
  const run = new ScenarioRun(evidenceDir, outDir);
  const commit = options.gitCommit !== undefined ? Promise.resolve(options.gitCommit) : lookUpGitCommit();

  let outcome: ScenarioOutcome | undefined;
  let skipReason: string | undefined;
  let engine = unknownEngine;
  let history: JsonlHistoryRecorder | undefined;
  const progress = new ProgressReporter(scenario.name, options.output ?? process.stdout, clock);
  try {
    const adapter = await options.adapterFactory();
    const missing = scenario.requires.filter((c: CapabilityName) => !adapter.capabilities[c]);
    if (missing.length > 0) {
      skipReason = `the adapter does not declare ${missing.join(', ')}`;
      engine = await adapter.describe().catch(() => unknownEngine);
    } else {
      await run.open(adapter);
      engine = await adapter.describe();
      history = createHistoryRecorder({ path: join(evidenceDir, 'history.jsonl'), clock, origin: started });
      outcome = await scenario.run(run.context(adapter, options, params, profile, clock, history, progress));
    }
  } catch (error) {
    await run.crashed(error);
  } finally {
    progress.finish();
    await run.closeAll();
    if (history !== undefined) await run.closeHistory(history);
  }

  const verdict = run.status(outcome, skipReason);
  const result: ScenarioResult = {
    schemaVersion: resultSchemaVersion,
    scenario: scenario.name,
    category: scenario.category,
    description: scenario.description,
    status: verdict.status,
    ...(verdict.skipReason === undefined ? {} : { skipReason: verdict.skipReason }),
    engine,
    gitCommit: await commit,
    params,
    seed: options.seed,
    profile,
    machine: machineFacts(),
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    durationMs: Math.max(0, clock.now() - started),
    metrics: run.metrics(outcome, history),
    checks: verdict.checks,
    evidence: run.evidenceList(),
    ...(verdict.error === undefined ? {} : { error: verdict.error }),
  };
  const path = join(outDir, `${scenario.name}.json`);
  return { result: await writeResult(path, result), path };
}

/** The state of one run: the adapters it opened, its evidence, latencies, and what crashed it. */
class ScenarioRun {
  private adapters: EngineAdapter[] = [];
  private readonly evidence = new Set<string>();
  private readonly latencies = new Map<string, HdrLatencyRecorder>();
  private error: { code: string; message: string } | undefined;

  constructor(
    private readonly evidenceDir: string,
    private readonly outDir: string,
  ) {}

  async open(adapter: EngineAdapter): Promise<EngineAdapter> {
    // Forget the adapters the scenario already closed: a run of thousands of trials must not
    // keep every trial's engine (a simulated disk is in memory) alive until it ends.
    this.adapters = this.adapters.filter((a) => a.isOpen);
    this.adapters.push(adapter);
    await adapter.open();
    return adapter;
  }

  context(
    adapter: EngineAdapter,
    options: RunScenarioOptions,
    params: ScenarioContext['params'],
    profile: Profile,
    clock: Clock,
    history: JsonlHistoryRecorder,
    progress: ProgressReporter,
  ): ScenarioContext {
    return {
      adapter,
      freshAdapter: async () => this.open(await options.adapterFactory()),
      seed: options.seed,
      prng: createPrng(options.seed),
      clock,
      profile,
      params,
      evidenceDir: this.evidenceDir,
      history,
      latency: (name) => this.latency(name),
      progress: (done, total, note) => progress.update(done, total, note),
      addEvidence: (path) => this.addEvidence(path),
    };
  }

  async crashed(error: unknown): Promise<void> {
    // The first crash is the cause; later ones (a close failing after it) are consequences.
    if (this.error !== undefined) return;
    const message = error instanceof Error ? error.message : String(error);
    this.error = { code: classifyError(error).code, message: message.slice(0, resultErrorMessageCharsMax) };
    const stack = error instanceof Error && error.stack !== undefined ? error.stack : message;
    const path = join(this.evidenceDir, 'crash.txt');
    await writeFile(path, `${stack}\n`).then(
      () => this.addEvidence(path),
      () => undefined,
    );
  }

  /** Closes every adapter the run opened (a spawned server is stopped); a failure is a crash. */
  async closeAll(): Promise<void> {
    for (const adapter of this.adapters) {
      try {
        await adapter.close();
      } catch (error) {
        await this.crashed(error);
      }
    }
  }

  async closeHistory(history: JsonlHistoryRecorder): Promise<void> {
    try {
      this.addEvidence(await history.close());
    } catch (error) {
      await this.crashed(error);
    }
  }

  status(
    outcome: ScenarioOutcome | undefined,
    skipReason: string | undefined,
  ): {
    status: ScenarioStatus;
    checks: Check[];
    skipReason?: string;
    error?: { code: string; message: string };
  } {
    if (this.error !== undefined)
      return { status: 'crashed', checks: [...(outcome?.checks ?? [])], error: this.error };
    if (skipReason !== undefined || outcome === undefined)
      return { status: 'skipped', checks: [], skipReason: skipReason ?? 'not run' };
    const checks = [...outcome.checks];
    // A scenario that checks nothing proves nothing: that is a failure, not a pass.
    if (checks.length === 0)
      checks.push({ name: 'scenario-reported-checks', pass: false, value: 0, threshold: '>= 1' });
    return { status: checks.every((c) => c.pass) ? 'passed' : 'failed', checks };
  }

  metrics(
    outcome: ScenarioOutcome | undefined,
    history: JsonlHistoryRecorder | undefined,
  ): Record<string, unknown> {
    const metrics: Record<string, unknown> = { ...(outcome?.metrics ?? {}) };
    if (this.latencies.size > 0)
      metrics.latencyMs = Object.fromEntries([...this.latencies].map(([name, r]) => [name, r.summary()]));
    if (history !== undefined && history.entries().length > 0) metrics.historyOutcomes = history.outcomes();
    return metrics;
  }

  evidenceList(): string[] {
    return [...this.evidence].sort();
  }

  private latency(name: string): HdrLatencyRecorder {
    let recorder = this.latencies.get(name);
    if (recorder === undefined) {
      if (this.latencies.size >= latencyRecordersMax)
        throw new Error(
          `OmenDB harness invariant violated: more than ${latencyRecordersMax} latency recorders`,
        );
      recorder = new HdrLatencyRecorder();
      this.latencies.set(name, recorder);
    }
    return recorder;
  }

  private addEvidence(path: string): void {
    const absolute = isAbsolute(path) ? path : join(this.evidenceDir, path);
    const inside = relative(this.evidenceDir, absolute);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
      throw new Error(
        `OmenDB harness invariant violated: evidence ${path} is not inside ${this.evidenceDir}`,
      );
    this.evidence.add(relative(this.outDir, absolute).split('\\').join('/'));
  }
}
