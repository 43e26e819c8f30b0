import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keyMax, keyMin } from '@omendb/engine';
import type {
  EngineAdapter,
  EngineState,
  HistoryRecorder,
  Point,
  Scenario,
  ScenarioContext,
} from '@omendb/harness';
import {
  checkerChecks,
  checkModelEquivalence,
  classifyError,
  ModelAdapter,
  readState,
} from '@omendb/harness';
import fc from 'fast-check';

/**
 * property-model: fast-check model-based runs (fc.commands, fc.asyncModelRun) of random operation
 * sequences (write batches with overwrites inside and across batches, get, paginated range,
 * deleteRange, dropSeries; checkpoint, restart and kill+restart where the adapter declares them)
 * against the chosen adapter and the model side by side. Every operation on the adapter is in the
 * history; after the runs, the state read back must equal the model replayed from the history.
 *
 * The fast-check seed is the run's seed. A failure is shrunk, and the result carries the seed, the
 * path and the shrunk command list (check `property-model-agrees` and metric `counterexample`);
 * `--seed S --param fcPath=P --param fcReplayPath=R` replays exactly that counterexample.
 */

interface Model {
  readonly adapter: ModelAdapter;
}

interface Real {
  readonly adapter: EngineAdapter;
  readonly history: HistoryRecorder;
}

type Command = fc.AsyncCommand<Model, Real>;

const processId = 0;
const seriesNames = ['pm.a', 'pm.b', 'pm.c:d'] as const;
const seriesArb = fc.constantFrom(...seriesNames);
// Mostly a small key space, so that batches overwrite each other and deletes hit written keys.
const keyArb = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt(-20n, 40n) },
  { weight: 1, arbitrary: fc.constantFrom(keyMin, keyMin + 1n, keyMax - 1n, keyMax) },
  { weight: 1, arbitrary: fc.bigInt(keyMin, keyMax) },
);
const valueArb = fc.double({ noNaN: true, noDefaultInfinity: true });
/** Shown points of one write in the command list (the rest is counted). */
const shownPointsMax = 8;
/** Characters of the shrunk command list kept in the result. */
const counterexampleCharsMax = 4_000;

function agree(actual: unknown, expected: unknown, what: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new Error(`${what}: the adapter says ${a}, the model ${e}`);
}

function show(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v === undefined ? null : v,
    ) ?? 'undefined'
  );
}

class WriteCommand implements Command {
  constructor(
    readonly series: string,
    readonly points: readonly Point[],
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const { series, points } = this;
    await real.history.run(processId, 'write', series, { points }, () => real.adapter.write(series, points));
    await model.adapter.write(series, points);
  }
  toString = () => {
    const shown = this.points.slice(0, shownPointsMax).map(([k, v]) => `[${k}n, ${v}]`);
    const more =
      this.points.length > shownPointsMax ? `, ...${this.points.length - shownPointsMax} more` : '';
    return `write(${this.series}, [${shown.join(', ')}${more}])`;
  };
}

class GetCommand implements Command {
  constructor(
    readonly series: string,
    readonly key: bigint,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const { series, key } = this;
    const actual = await real.history.run(processId, 'get', series, { key }, () =>
      real.adapter.get(series, key),
    );
    agree(actual, await model.adapter.get(series, key), `get(${series}, ${key})`);
  }
  toString = () => `get(${this.series}, ${this.key}n)`;
}

class RangeCommand implements Command {
  constructor(
    readonly series: string,
    readonly from: bigint | undefined,
    readonly to: bigint | undefined,
    readonly limit: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const { series, from, to, limit } = this;
    const expected = await readRange(model.adapter, series, from, to);
    const actual: Point[] = [];
    let after: bigint | undefined;
    // Each page holds at least one point or ends the range: expected.length + 1 pages at most.
    for (let page = 0; page <= expected.length + 1; page++) {
      const options = after === undefined ? { limit } : { limit, after };
      const result = await real.history.run(processId, 'range', series, { from, to, ...options }, () =>
        real.adapter.range(series, from, to, options),
      );
      if (result.points.length > limit)
        throw new Error(`range page of ${result.points.length} > limit ${limit}`);
      actual.push(...result.points);
      if (result.next === null) break;
      after = result.next;
    }
    agree(actual, expected, `${this}`);
  }
  toString = () => `range(${this.series}, ${bound(this.from)}, ${bound(this.to)}, limit ${this.limit})`;
}

class DeleteRangeCommand implements Command {
  constructor(
    readonly series: string,
    readonly from: bigint | undefined,
    readonly to: bigint | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const { series, from, to } = this;
    await real.history.run(processId, 'deleteRange', series, { from, to }, () =>
      real.adapter.deleteRange(series, from, to),
    );
    await model.adapter.deleteRange(series, from, to);
  }
  toString = () => `deleteRange(${this.series}, ${bound(this.from)}, ${bound(this.to)})`;
}

class DropSeriesCommand implements Command {
  constructor(readonly series: string) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const { series } = this;
    await real.history.run(processId, 'dropSeries', series, {}, () => real.adapter.dropSeries(series));
    await model.adapter.dropSeries(series);
  }
  toString = () => `dropSeries(${this.series})`;
}

/** checkpoint, restart, kill+restart: nothing the model sees; afterwards the whole state must agree. */
class LifecycleCommand implements Command {
  constructor(readonly kind: 'checkpoint' | 'restart' | 'kill') {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    if (this.kind === 'checkpoint') await real.adapter.checkpoint();
    else {
      if (this.kind === 'kill') await real.adapter.kill();
      await real.adapter.restart();
    }
    const state = await readState(real.adapter, { history: real.history, process: processId });
    agree(sortedState(state), sortedState(model.adapter.snapshot()), `state after ${this}`);
  }
  toString = () => (this.kind === 'kill' ? 'kill(); restart()' : `${this.kind}()`);
}

function bound(key: bigint | undefined): string {
  return key === undefined ? '-' : `${key}n`;
}

async function readRange(
  adapter: EngineAdapter,
  series: string,
  from?: bigint,
  to?: bigint,
): Promise<Point[]> {
  const points: Point[] = [];
  let after: bigint | undefined;
  for (let page = 0; page < 1_000; page++) {
    const result = await adapter.range(series, from, to, after === undefined ? {} : { after });
    points.push(...result.points);
    if (result.next === null) return points;
    after = result.next;
  }
  throw new Error('OmenDB harness invariant violated: the model returned more than 1000 pages');
}

function sortedState(
  state: ReadonlyMap<string, ReadonlyMap<bigint, number>>,
): [string, [bigint, number][]][] {
  return [...state]
    .filter(([, points]) => points.size > 0)
    .map(([series, points]): [string, [bigint, number][]] => [
      series,
      [...points].sort(([a], [b]) => (a < b ? -1 : 1)),
    ])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

function optionalKeyArb(): fc.Arbitrary<bigint | undefined> {
  return fc.option(keyArb, { nil: undefined, freq: 5 });
}

function ordered(a: bigint | undefined, b: bigint | undefined): [bigint | undefined, bigint | undefined] {
  return a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
}

/**
 * The commands, weighted: data operations mostly; lifecycle commands about one in ten in
 * process, one in seventy against an engine in its own process, where a restart costs as much as
 * hundreds of writes. fc.commands picks among its arbitraries uniformly, hence one weighted oneof.
 */
export function commandArbitraries(adapter: EngineAdapter): fc.Arbitrary<Command>[] {
  const write = fc
    .tuple(seriesArb, fc.array(fc.tuple(keyArb, valueArb), { minLength: 1, maxLength: 30 }))
    .map(([series, points]): Command => new WriteCommand(series, points));
  const get = fc.tuple(seriesArb, keyArb).map(([series, key]): Command => new GetCommand(series, key));
  const range = fc
    .tuple(seriesArb, optionalKeyArb(), optionalKeyArb(), fc.integer({ min: 1, max: 7 }))
    .map(([series, a, b, limit]): Command => new RangeCommand(series, ...ordered(a, b), limit));
  const deleteRange = fc
    .tuple(seriesArb, optionalKeyArb(), optionalKeyArb())
    .map(([series, a, b]): Command => new DeleteRangeCommand(series, ...ordered(a, b)));
  const drop = seriesArb.map((series): Command => new DropSeriesCommand(series));
  const weighted: fc.WeightedArbitrary<Command>[] = [
    { arbitrary: write, weight: 24 },
    { arbitrary: get, weight: 16 },
    { arbitrary: range, weight: 16 },
    { arbitrary: deleteRange, weight: 8 },
    { arbitrary: drop, weight: 4 },
  ];
  const { checkpoint, restartable, killable, process } = adapter.capabilities;
  const lifecycle: Command[] = [];
  if (checkpoint) lifecycle.push(new LifecycleCommand('checkpoint'));
  if (restartable) lifecycle.push(new LifecycleCommand('restart'));
  if (restartable && killable) lifecycle.push(new LifecycleCommand('kill'));
  if (lifecycle.length > 0)
    weighted.push({ arbitrary: fc.constantFrom(...lifecycle), weight: process ? 1 : 8 });
  return [fc.oneof(...weighted)];
}

/** Every run starts from an empty engine: drop what the previous run left (recorded, like all). */
async function emptyEngine(real: Real): Promise<void> {
  for (const series of await real.adapter.listSeries())
    await real.history.run(processId, 'dropSeries', series, {}, () => real.adapter.dropSeries(series));
}

interface PropertyOutcome {
  readonly details: fc.RunDetails<unknown>;
  readonly runs: number;
  readonly commands: number;
}

async function runProperty(ctx: ScenarioContext): Promise<PropertyOutcome> {
  const numRuns = Number(ctx.params.numRuns);
  const maxCommands = Number(ctx.params.maxCommands);
  const path = String(ctx.params.fcPath);
  const replayPath = String(ctx.params.fcReplayPath);
  const real: Real = { adapter: ctx.adapter, history: ctx.history };
  const commands = fc.commands(commandArbitraries(ctx.adapter), {
    maxCommands,
    size: 'max',
    ...(replayPath === '' ? {} : { replayPath }),
  });
  let runs = 0;
  let executed = 0;
  // A run the time limit interrupts keeps going (fast-check cannot stop it): wait for it, so
  // nothing touches the adapter while the final state is read.
  let inFlight: Promise<unknown> = Promise.resolve();
  const property = fc.asyncProperty(commands, async (cmds) => {
    const work = (async () => {
      runs += 1;
      ctx.progress(Math.min(runs, numRuns), numRuns, `run ${runs}`);
      await emptyEngine(real);
      const model: Model = { adapter: new ModelAdapter() };
      await model.adapter.open();
      await fc.asyncModelRun(() => ({ model, real }), cmds);
      executed += [...cmds].length;
    })();
    inFlight = work.catch(() => undefined);
    await work;
  });
  const details = await fc.check(property, {
    seed: ctx.seed | 0,
    numRuns,
    ...(path === '' ? {} : { path }),
    plugins: [fc.interruptAfterTimeLimit(Number(ctx.params.timeLimitMs))],
  });
  await inFlight;
  return { details, runs, commands: executed };
}

export const propertyModel: Scenario = {
  name: 'property-model',
  category: 'correctness',
  description:
    'fast-check model-based runs of writes (with overwrites), gets, paginated ranges, deletes and drops, plus checkpoint, restart and kill+restart where capable, against the model; then model equivalence of the recorded history.',
  requires: [],
  params: {
    numRuns: {
      description: 'fast-check runs (each from an empty engine)',
      defaults: { ci: 100, nightly: 1_000, release: 5_000 },
      min: 1,
      max: 100_000,
    },
    maxCommands: {
      description: 'commands per run at most',
      defaults: { ci: 50, nightly: 100, release: 200 },
      min: 1,
      max: 10_000,
    },
    timeLimitMs: {
      description: 'runs stop after this long (those done still count; shrinking included)',
      defaults: { ci: 60_000, nightly: 1_800_000, release: 7_200_000 },
      min: 1_000,
      max: 86_400_000,
    },
    fcPath: {
      description: 'fast-check path of a counterexample to replay (with its --seed); empty: explore',
      defaults: { ci: '', nightly: '', release: '' },
    },
    fcReplayPath: {
      description: 'fast-check replayPath of the command list to replay (with fcPath)',
      defaults: { ci: '', nightly: '', release: '' },
    },
  },
  async run(ctx) {
    const { details, runs, commands } = await runProperty(ctx);
    const metrics: Record<string, unknown> = {
      runs,
      commands,
      fcNumRuns: details.numRuns,
      fcShrinks: details.numShrinks,
      interrupted: details.interrupted,
    };
    const checks = [];
    if (details.failed) {
      const failure = describeFailure(ctx, details);
      console.log(failure.text);
      await writeFile(join(ctx.evidenceDir, 'counterexample.txt'), `${failure.text}\n`);
      ctx.addEvidence('counterexample.txt');
      Object.assign(metrics, failure.metrics);
      checks.push({
        name: 'property-model-agrees',
        pass: false,
        value: failure.summary,
        threshold: 'no counterexample',
      });
    } else {
      checks.push({
        name: 'property-model-agrees',
        pass: true,
        value: `${details.numRuns} runs`,
        threshold: 'no counterexample',
      });
    }
    checks.push({
      name: 'property-model-runs',
      pass: details.numRuns >= 1,
      value: details.numRuns,
      threshold: '>= 1',
    });
    // The history, replayed into a plain Map, must give the state read back (and every read it recorded).
    let state: EngineState;
    try {
      state = await readState(ctx.adapter, { history: ctx.history, process: processId });
    } catch (error) {
      // An engine the counterexample left unreadable: the failure is already shown; no crash.
      if (!details.failed) throw error;
      const { code } = classifyError(error);
      checks.push({ name: 'final-state-readable', pass: false, value: code, threshold: 'readable' });
      return { metrics, checks };
    }
    const equivalence = checkModelEquivalence(ctx.history, state);
    metrics.modelEquivalence = equivalence.counts;
    if (equivalence.examples.length > 0) metrics.modelEquivalenceExamples = equivalence.examples;
    checks.push(...checkerChecks(equivalence));
    return { metrics, checks };
  },
};

function describeFailure(
  ctx: ScenarioContext,
  details: fc.RunDetails<unknown>,
): { text: string; summary: string; metrics: Record<string, unknown> } {
  const commandList = String((details.counterexample as readonly unknown[] | null)?.[0] ?? '').slice(
    0,
    counterexampleCharsMax,
  );
  const replayPath = /replayPath="([^"]*)"/.exec(commandList)?.[1] ?? '';
  const error =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const path = details.counterexamplePath ?? '';
  const replay = `--seed ${ctx.seed} --param fcPath=${path}${replayPath === '' ? '' : ` --param fcReplayPath=${replayPath}`}`;
  const text = [
    `property-model: counterexample after ${details.numRuns} runs and ${details.numShrinks} shrinks`,
    `  seed ${ctx.seed}, fast-check seed ${details.seed}, path ${path}`,
    `  commands: ${commandList}`,
    `  error: ${error}`,
    `  replay: omendb-harness run property-model ${replay}`,
  ].join('\n');
  return {
    text,
    summary: `seed ${ctx.seed} path ${path}: ${commandList}: ${error}`.slice(0, counterexampleCharsMax),
    metrics: {
      fcSeed: details.seed,
      fcPath: path,
      fcReplayPath: replayPath,
      counterexample: commandList,
      error,
    },
  };
}
