import { isDeepStrictEqual } from 'node:util';
import {
  flipBit,
  type FuzzBody,
  fuzzBodies,
  type Prng,
  type StoredPoint,
  storedPoints,
} from '@omendb/engine';
import { securityFuzzBodyPoints } from '../limits.ts';
import type { CaseFinding } from './hostile-corpus.ts';
import { sourceSlots } from './loopback.ts';
import { describeAnswer, jsonOf } from './probe-client.ts';
import type { SecurityClient } from './security-client.ts';
import { readStoredState, type StoredState, sameState, withoutSeries } from './stored-state.ts';

/**
 * Seeded single-bit flips of valid write bodies (an Arrow stream, an Arrow file, JSON: the
 * engine's fuzz bodies), each posted to its own series. Each must be answered (2xx or 4xx, never
 * 5xx, never silence) and leave the server ready; an accepted body's series must hold exactly
 * what an independent decoder says the body holds; a refused one must create nothing; the canary
 * and the series list (less the accepted series) must stay as they were.
 */

export interface FuzzOptions {
  readonly writer: string;
  readonly reader: string;
  readonly canary: string;
  readonly baseline: StoredState;
  /** Every fuzz series starts with this. */
  readonly seriesPrefix: string;
  readonly cases: number;
  readonly caseDeadlineMs: number;
  readonly stateCheckEvery: number;
  readonly prng: Prng;
  readonly onCase?: (done: number, total: number) => void;
}

export interface FuzzResult {
  readonly cases: number;
  readonly accepted: number;
  readonly refused: number;
  /** No answer, or 5xx. */
  readonly failed: readonly CaseFinding[];
  readonly slow: readonly CaseFinding[];
  /** Accepted bodies whose series does not hold what the body says (or the valid body refused). */
  readonly wrongStored: readonly string[];
  readonly killed: readonly string[];
  /** The cases since the last good state read when the canary or the series list was found changed. */
  readonly changedData: readonly string[];
  /** Series the accepted bodies made: removed by the scenario afterwards. */
  readonly acceptedSeries: readonly string[];
  readonly statuses: Readonly<Record<string, number>>;
}

/** The case of one flip: its body and the series it goes to. */
interface FlipCase {
  readonly kind: FuzzBody;
  readonly bit: number;
  readonly series: string;
}

function flipCases(options: FuzzOptions): FlipCase[] {
  const kinds = fuzzBodies(options.prng, securityFuzzBodyPoints, securityFuzzBodyPoints);
  // The valid bodies first: their acceptance shows the reference decoders agree with the server.
  const cases = kinds.map((kind) => ({
    kind,
    bit: -1,
    series: `${options.seriesPrefix}-${kind.name}-valid`,
  }));
  for (let i = 0; cases.length < options.cases; i++) {
    const kind = options.prng.pick(kinds);
    const bit = options.prng.int(kind.body.length * 8);
    cases.push({ kind, bit, series: `${options.seriesPrefix}-${kind.name}-${bit}-${i}` });
  }
  return cases;
}

/** What the body says, as the server's JSON returns it; undefined when the reference cannot read it. */
function expectedPoints(kind: FuzzBody, body: Uint8Array): StoredPoint[] | undefined {
  try {
    return storedPoints(kind.reference(body));
  } catch {
    return undefined;
  }
}

export async function runBitFlipFuzz(client: SecurityClient, options: FuzzOptions): Promise<FuzzResult> {
  const cases = flipCases(options);
  const failed: CaseFinding[] = [];
  const slow: CaseFinding[] = [];
  const wrongStored: string[] = [];
  const killed: string[] = [];
  const changedData: string[] = [];
  const acceptedSeries = new Set<string>();
  const statuses: Record<string, number> = {};
  let accepted = 0;
  let refused = 0;
  let sinceCheck: string[] = [];
  let baseline = options.baseline;
  const checkState = async (): Promise<void> => {
    const state = withoutSeries(
      await readStoredState(client, options.reader, options.canary),
      acceptedSeries,
    );
    if (!sameState(state, baseline)) {
      changedData.push(...sinceCheck);
      baseline = state;
    }
    sinceCheck = [];
  };
  let done = 0;
  for (const { kind, bit, series } of cases) {
    const body = flipBit(kind.body, bit);
    const answer = await client.send({
      method: 'POST',
      path: `/v1/series/${series}/points`,
      authorization: options.writer,
      body,
      contentType: kind.contentType,
      slot: sourceSlots.hostile,
    });
    const finding: CaseFinding = {
      name: series,
      expected: '2xx or 4xx',
      got: describeAnswer(answer),
      ms: answer.ms,
    };
    if (answer.ms > options.caseDeadlineMs) slow.push(finding);
    if (!answer.answered || answer.status >= 500) failed.push(finding);
    else if (answer.status >= 400) {
      refused++;
      if (bit < 0) wrongStored.push(`${series}: the valid body was refused (${describeAnswer(answer)})`);
    } else {
      accepted++;
      const want = expectedPoints(kind, body);
      const read = await client.send({
        method: 'GET',
        path: `/v1/series/${series}/points?limit=1000`,
        authorization: options.reader,
        slot: sourceSlots.hostile,
      });
      if (want === undefined || !isDeepStrictEqual(jsonOf(read), { points: want, next: null }))
        wrongStored.push(
          `${series}: stored ${describeAnswer(read)} ${read.answered ? read.body.toString('utf8').slice(0, 200) : ''}`,
        );
      if (want !== undefined && want.length > 0) acceptedSeries.add(series);
    }
    const label = answer.answered ? `${kind.name} ${describeAnswer(answer)}` : `${kind.name} no answer`;
    statuses[label] = (statuses[label] ?? 0) + 1;
    sinceCheck.push(series);
    if (!(await client.ready(sourceSlots.hostile))) {
      killed.push(series);
      break;
    }
    done++;
    options.onCase?.(done, cases.length);
    if (done % options.stateCheckEvery === 0) await checkState();
  }
  if (sinceCheck.length > 0 && killed.length === 0) await checkState();
  return {
    cases: done + killed.length,
    accepted,
    refused,
    failed,
    slow,
    wrongStored,
    killed,
    changedData,
    acceptedSeries: [...acceptedSeries],
    statuses,
  };
}
