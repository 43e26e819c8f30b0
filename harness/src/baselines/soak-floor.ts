import { join } from 'node:path';
import type { AdapterFactory } from '../adapter.ts';
import { HttpAdapter } from '../adapters/http/adapter.ts';
import { soakFloorRoundsMax } from '../limits.ts';
import type { ParamOverrides } from '../runner/params.ts';
import { runScenario } from '../runner/run-scenario.ts';
import type { Scenario } from '../runner/scenario.ts';
import { medianOf } from '../scenario-support/soak/soak-verdicts.ts';
import { startFloorProcess } from './floor-server-process.ts';

/**
 * A soak against OmenDB and the same soak against the floor server (floor-server.ts), in
 * alternating rounds on the same machine, so that every OmenDB figure stands beside the least
 * the machine and the load generator allow in the same run: a target below the floor cannot be
 * met here by any server.
 */

export type SoakFloorContender = 'omendb' | 'floor';

/** A soak's figures after its warm-up, in ms: from the result's own metrics, never recomputed. */
export interface SoakFloorFigures {
  readonly writeP99Ms: number;
  readonly getP99Ms: number;
  /** The server's event-loop delay p99 (median of the intervals); null when it cannot be read. */
  readonly eventLoopP99Ms: number | null;
  readonly resultPath: string;
}

export interface SoakFloorRound {
  readonly omendb: SoakFloorFigures;
  readonly floor: SoakFloorFigures;
}

export interface SoakFloorOptions {
  readonly scenario: Scenario;
  readonly omendb: AdapterFactory;
  /** What the omendb contender is, for the report (how it was started, auth, sync mode). */
  readonly omendbDescription: string;
  readonly seed: number;
  readonly rounds: number;
  readonly params: ParamOverrides;
  readonly outDir: string;
  readonly log: (line: string) => unknown;
}

export interface SoakFloorReport {
  readonly seed: number;
  readonly omendbDescription: string;
  readonly rounds: readonly SoakFloorRound[];
  readonly median: SoakFloorRound;
}

function p99Of(byKind: unknown, kind: string, path: string): number {
  const value = (byKind as Record<string, { p99?: unknown } | undefined> | undefined)?.[kind]?.p99;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`${path}: no ${kind} p99 after the warm-up (is the run longer than its warm-up?)`);
  return value;
}

/** The figures of one stored soak result. */
export function soakFloorFigures(metrics: Readonly<Record<string, unknown>>, path: string): SoakFloorFigures {
  const byKind = metrics.latencyMsByKindAfterWarmup;
  const eventLoop = metrics.eventLoopDelayP99MsMedian;
  return {
    writeP99Ms: p99Of(byKind, 'write', path),
    getP99Ms: p99Of(byKind, 'get', path),
    eventLoopP99Ms: typeof eventLoop === 'number' && Number.isFinite(eventLoop) ? eventLoop : null,
    resultPath: path,
  };
}

/** Medians over rounds (never empty); the event-loop figure only when every round has one. */
function medianFigures(all: readonly SoakFloorFigures[]): SoakFloorFigures {
  const loops = all.map((f) => f.eventLoopP99Ms);
  return {
    writeP99Ms: medianOf(all.map((f) => f.writeP99Ms))!,
    getP99Ms: medianOf(all.map((f) => f.getP99Ms))!,
    eventLoopP99Ms: loops.includes(null) ? null : medianOf(loops),
    resultPath: '',
  };
}

async function soakOnce(
  options: SoakFloorOptions,
  contender: SoakFloorContender,
  round: number,
  adapterFactory: AdapterFactory,
): Promise<SoakFloorFigures> {
  const outDir = join(options.outDir, `round-${round + 1}-${contender}`);
  options.log(`round ${round + 1}/${options.rounds}: soak against ${contender}`);
  const { result, path } = await runScenario(options.scenario, {
    adapterFactory,
    outDir,
    seed: options.seed,
    params: options.params,
    // Progress lines go to the caller's log: a round of a minute should show it is alive.
    output: { write: (text: string) => text.trim() === '' || options.log(`  ${text.trim()}`) },
  });
  if (result.status === 'crashed' || result.status === 'skipped')
    throw new Error(`the soak against ${contender} did not run (${result.status}): ${path}`);
  return soakFloorFigures(result.metrics, path);
}

export async function runSoakFloor(options: SoakFloorOptions): Promise<SoakFloorReport> {
  if (!Number.isSafeInteger(options.rounds) || options.rounds < 1 || options.rounds > soakFloorRoundsMax)
    throw new RangeError(`rounds must be 1 to ${soakFloorRoundsMax}`);
  const floor = await startFloorProcess();
  try {
    // No credentials: the floor server has no auth. Arrow bodies, as the http-arrow engine sends.
    const floorFactory: AdapterFactory = () => new HttpAdapter({ url: floor.url, arrow: true, env: {} });
    const rounds: SoakFloorRound[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // OmenDB first in odd rounds, the floor first in even ones: drift hits both.
      const order: SoakFloorContender[] = round % 2 === 0 ? ['omendb', 'floor'] : ['floor', 'omendb'];
      const figures = new Map<SoakFloorContender, SoakFloorFigures>();
      for (const contender of order)
        figures.set(
          contender,
          await soakOnce(options, contender, round, contender === 'omendb' ? options.omendb : floorFactory),
        );
      rounds.push({ omendb: figures.get('omendb')!, floor: figures.get('floor')! });
    }
    return {
      seed: options.seed,
      omendbDescription: options.omendbDescription,
      rounds,
      median: {
        omendb: medianFigures(rounds.map((r) => r.omendb)),
        floor: medianFigures(rounds.map((r) => r.floor)),
      },
    };
  } finally {
    await floor.stop();
  }
}
