import type { Prng } from '@omendb/engine';
import { securityExamplesMax } from '../limits.ts';
import type { Check } from '../runner/scenario.ts';
import { type FuzzResult, runBitFlipFuzz } from './bit-flip-fuzz.ts';
import { type CaseFinding, type CorpusResult, corpusCases, runCorpus } from './hostile-corpus.ts';
import type { SecurityClient } from './security-client.ts';
import type { StoredState } from './stored-state.ts';

/**
 * Part 2 of the security scenario: the hostile-input corpus, then the seeded bit-flip fuzz; the
 * series the fuzz's accepted bodies made are dropped afterwards, so that the probes start from
 * the baseline.
 */

export interface HostilePhaseInput {
  readonly writer: string;
  readonly reader: string;
  readonly canary: string;
  readonly runId: string;
  readonly baseline: StoredState;
  readonly caseDeadlineMs: number;
  readonly stateCheckEvery: number;
  readonly deltaDictionaryBatches: number;
  readonly chunkedBodyBytes: number;
  readonly fuzzCases: number;
  readonly fuzzStateCheckEvery: number;
  readonly prng: Prng;
  readonly onCase?: (done: number, total: number, note: string) => void;
}

export interface HostilePhaseResult {
  readonly checks: readonly Check[];
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly corpus: CorpusResult;
  readonly fuzz: FuzzResult;
}

const examples = (findings: readonly CaseFinding[]): string[] =>
  findings
    .slice(0, securityExamplesMax)
    .map((f) => `${f.name}: want ${f.expected}, got ${f.got} (${f.ms.toFixed(0)} ms)`);

function countCheck(name: string, findings: readonly unknown[], of: number): Check {
  return { name, pass: findings.length === 0, value: findings.length, threshold: `== 0 of ${of}` };
}

export async function runHostilePhase(
  client: SecurityClient,
  input: HostilePhaseInput,
): Promise<HostilePhaseResult> {
  const cases = corpusCases({
    canary: input.canary,
    arrowTarget: `sec-${input.runId}-arrow-target`,
    deltaDictionaryBatches: input.deltaDictionaryBatches,
    chunkedBodyBytes: input.chunkedBodyBytes,
  });
  const corpus = await runCorpus(client, cases, {
    writer: input.writer,
    reader: input.reader,
    canary: input.canary,
    baseline: input.baseline,
    caseDeadlineMs: input.caseDeadlineMs,
    stateCheckEvery: input.stateCheckEvery,
    ...(input.onCase === undefined
      ? {}
      : { onCase: (done, total) => input.onCase?.(done, total, 'hostile input') }),
  });
  const fuzz = await runBitFlipFuzz(client, {
    writer: input.writer,
    reader: input.reader,
    canary: input.canary,
    baseline: input.baseline,
    seriesPrefix: `sec-${input.runId}-fuzz`,
    cases: input.fuzzCases,
    caseDeadlineMs: input.caseDeadlineMs,
    stateCheckEvery: input.fuzzStateCheckEvery,
    prng: input.prng,
    ...(input.onCase === undefined
      ? {}
      : { onCase: (done, total) => input.onCase?.(done, total, 'bit-flip fuzz') }),
  });
  for (const series of fuzz.acceptedSeries)
    await client.send({ method: 'DELETE', path: `/v1/series/${series}`, authorization: input.writer });

  const checks: Check[] = [
    countCheck('hostile input: cases answered with another status or code', corpus.wrongCode, corpus.cases),
    countCheck('hostile input: cases failed (5xx or no answer)', corpus.failed, corpus.cases),
    countCheck('hostile input: cases that killed the server', corpus.killed, corpus.cases),
    countCheck('hostile input: cases that changed stored data', corpus.changedData, corpus.cases),
    countCheck('hostile input: cases answered after the deadline', corpus.slow, corpus.cases),
    {
      name: 'hostile input: cases run',
      pass: corpus.cases === cases.length,
      value: corpus.cases,
      threshold: `== ${cases.length}`,
    },
    countCheck('bit-flip fuzz: cases failed (5xx or no answer)', fuzz.failed, fuzz.cases),
    countCheck('bit-flip fuzz: accepted bodies not stored exactly', fuzz.wrongStored, fuzz.accepted),
    countCheck('bit-flip fuzz: cases that killed the server', fuzz.killed, fuzz.cases),
    countCheck('bit-flip fuzz: cases that changed stored data', fuzz.changedData, fuzz.cases),
    countCheck('bit-flip fuzz: cases answered after the deadline', fuzz.slow, fuzz.cases),
  ];
  return {
    checks,
    metrics: {
      hostileCases: corpus.cases,
      hostileWrongCode: examples(corpus.wrongCode),
      hostileFailed: examples(corpus.failed),
      hostileKilledServer: corpus.killed,
      hostileChangedData: corpus.changedData.slice(0, securityExamplesMax),
      hostileCasesChangedDataOrKilledServer: corpus.changedData.length + corpus.killed.length,
      hostileSlowestMs: corpus.slowestMs,
      fuzzCases: fuzz.cases,
      fuzzAccepted: fuzz.accepted,
      fuzzRefused: fuzz.refused,
      fuzzStatuses: fuzz.statuses,
      fuzzFailed: examples(fuzz.failed),
      fuzzWrongStored: fuzz.wrongStored.slice(0, securityExamplesMax),
      fuzzCasesChangedDataOrKilledServer: fuzz.changedData.length + fuzz.killed.length,
    },
    corpus,
    fuzz,
  };
}
