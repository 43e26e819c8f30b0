import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OmenDbError } from '@omendb/engine';
import type { AdapterFactory } from '../adapter.ts';
import { selectAdapter } from '../adapters/select-adapter.ts';
import { coverageChildVariable, runUnderCoverage } from '../coverage/coverage-run.ts';
import { cliParamsMax, cliScenariosMax, shardCountMax } from '../limits.ts';
import { type ParamOverrides, parseParamArgument, parseProfile, resolveParams } from '../runner/params.ts';
import type { ScenarioResult } from '../runner/result.ts';
import { runScenario } from '../runner/run-scenario.ts';
import type { Profile, Scenario } from '../runner/scenario.ts';
import { type CliIo, exitCodes } from './io.ts';
import { runUsage } from './usage.ts';

/**
 * `omendb-harness run <scenario...>`: checks everything it can before the first scenario starts
 * (names, engine, profile, seed, every --param against every scenario), prints the seed, then
 * runs the scenarios in turn and prints each one's status and checks.
 */

export const outDirDefault = 'reports/harness';

interface RunPlan {
  readonly scenarios: readonly Scenario[];
  readonly engine: string;
  readonly factory: AdapterFactory;
  readonly profile: Profile;
  readonly seed: number;
  readonly outDir: string;
  readonly params: ParamOverrides;
  readonly replay: string;
}

function usage(message: string): never {
  throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', message);
}

export async function runCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      engine: { type: 'string' },
      profile: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      param: { type: 'string', multiple: true },
      duration: { type: 'string' },
      coverage: { type: 'boolean' },
      shard: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    io.stdout.write(runUsage);
    return exitCodes.passed;
  }
  const plan = planRun(values, positionals, env, io);
  // --coverage: everything is checked above, then the harness runs again under NODE_V8_COVERAGE
  // (see coverage-run.ts); the child, marked, runs the scenarios as usual.
  if (values.coverage === true && env[coverageChildVariable] !== '1')
    return await runUnderCoverage({ args, outDir: plan.outDir, env, io, cwd: io.cwd });
  if (plan.scenarios.length === 0) {
    io.stdout.write(`shard ${values.shard}: no scenario of this run falls to it\n`);
    return exitCodes.passed;
  }
  io.stdout.write(`seed ${plan.seed} (replay: ${plan.replay})\n`);
  let exitCode: number = exitCodes.passed;
  for (const scenario of plan.scenarios) {
    const code = await runOne(scenario, plan, io);
    exitCode = Math.max(exitCode, code);
  }
  return exitCode;
}

function planRun(
  values: {
    engine?: string;
    profile?: string;
    seed?: string;
    out?: string;
    param?: string[];
    duration?: string;
    shard?: string;
  },
  names: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): RunPlan {
  if (names.length === 0) usage('name at least one scenario (omendb-harness list shows them)');
  if (names.length > cliScenariosMax) usage(`at most ${cliScenariosMax} scenarios per run`);
  for (const name of names)
    if (!io.scenarios.some((s) => s.name === name))
      usage(`unknown scenario ${name}: one of ${io.scenarios.map((s) => s.name).join(', ')}`);
  // Every name is checked, then only this shard's are kept (and replayed).
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const shardNames =
    shard === undefined ? names : names.filter((_, i) => i % shard.count === shard.index - 1);
  const scenarios = shardNames.map((name) => io.scenarios.find((s) => s.name === name)!);
  const engine = values.engine ?? 'embedded';
  const factory = selectAdapter(engine, env);
  const profile = parseProfile(values.profile ?? 'ci');
  const seed = parseSeed(values.seed ?? env.OMENDB_SEED);
  // --duration X is --param duration=X, spelled the way a soak is usually asked for.
  const rawParams = [
    ...(values.param ?? []),
    ...(values.duration === undefined ? [] : [`duration=${values.duration}`]),
  ];
  if (rawParams.length > cliParamsMax) usage(`at most ${cliParamsMax} --param arguments`);
  const params: Record<string, string> = {};
  for (const text of rawParams) {
    const [name, value] = parseParamArgument(text);
    if (!scenarios.some((s) => Object.hasOwn(s.params, name)))
      usage(`no scenario of this run has a parameter ${name}`);
    params[name] = value;
  }
  // Every scenario's parameters are resolved now, so a bad value stops the run before it starts.
  for (const scenario of scenarios) resolveParams(scenario, profile, params, { ignoreUnknown: true });
  const outDir = resolve(io.cwd, values.out ?? outDirDefault);
  const replay = [
    'omendb-harness run',
    ...shardNames,
    `--engine ${engine}`,
    `--profile ${profile}`,
    `--seed ${seed}`,
    ...rawParams.map((p) => `--param ${p}`),
  ].join(' ');
  return { scenarios, engine, factory, profile, seed, outDir, params, replay };
}

/**
 * `--shard i/n` (1 <= i <= n): the scenarios whose index in the requested list is i-1 modulo n,
 * so that n machines given the same list run each scenario exactly once.
 */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || count > shardCountMax || index < 1 || index > count)
    usage(`--shard must be i/n with 1 <= i <= n <= ${shardCountMax}: ${text}`);
  return { index, count };
}

/** --seed, else OMENDB_SEED, else a fresh one: a uint32 either way. */
export function parseSeed(text: string | undefined): number {
  if (text === undefined || text === '') return (Math.random() * 0x1_0000_0000) >>> 0;
  if (!/^\d+$/.test(text) || Number(text) > 0xffff_ffff)
    usage(`the seed must be an integer from 0 to 4294967295: ${text}`);
  return Number(text);
}

async function runOne(scenario: Scenario, plan: RunPlan, io: CliIo): Promise<number> {
  io.stdout.write(`${scenario.name}: running on ${plan.engine}, profile ${plan.profile}\n`);
  let result: ScenarioResult;
  let path: string;
  try {
    const params = Object.fromEntries(
      Object.entries(plan.params).filter(([k]) => Object.hasOwn(scenario.params, k)),
    );
    ({ result, path } = await runScenario(scenario, {
      adapterFactory: plan.factory,
      outDir: plan.outDir,
      seed: plan.seed,
      profile: plan.profile,
      params,
      output: io.stdout,
    }));
  } catch (error) {
    // The runner puts everything into the result; what reaches here kept the result from being
    // written at all (an invalid result, an unwritable directory): that run counts as crashed.
    const code = error instanceof OmenDbError ? error.code : 'UNCLASSIFIED';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${scenario.name}: CRASHED, no result written: ${code}: ${message}\n`);
    return exitCodes.crashed;
  }
  io.stdout.write(summarize(result, path));
  return exitCodeOf(result);
}

function exitCodeOf(result: ScenarioResult): number {
  switch (result.status) {
    case 'crashed':
      return exitCodes.crashed;
    case 'failed':
      return exitCodes.checkFailed;
    default:
      return exitCodes.passed;
  }
}

function summarize(result: ScenarioResult, path: string): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  const engine = `${result.engine.engine} ${result.engine.version} (${result.engine.adapter})`;
  const lines = [
    `${result.scenario}: ${result.status.toUpperCase()} in ${seconds} s on ${engine} -> ${path}`,
  ];
  if (result.skipReason !== undefined) lines.push(`  skipped: ${result.skipReason}`);
  if (result.error !== undefined) lines.push(`  error: ${result.error.code}: ${result.error.message}`);
  for (const check of result.checks)
    lines.push(
      `  ${check.pass ? 'pass' : 'FAIL'} ${check.name} = ${JSON.stringify(check.value)} (threshold ${check.threshold})`,
    );
  return `${lines.join('\n')}\n`;
}
