import {
  arrowStreamContentType,
  deltaDictionaryStream,
  lyingRowCountBodies,
  maxSafeRowsLieBody,
  type NamedBody,
  schemaAndDictionaryBodies,
} from '@omendb/engine';
import { sourceSlots } from '../loopback.ts';
import { describeAnswer, errorCodeOf } from '../probe-client.ts';
import type { SecurityClient } from '../security-client.ts';
import type { AttackReport } from './run-probe.ts';

/**
 * Arrow bodies that lie about their row counts (up to 2^53-1) or carry dictionaries (up to
 * thousands of delta batches), posted without pause by a few concurrent writers for the probe's
 * window. Each must be refused with 400 OMENDB_ERR_INPUT_ARROW within the deadline: a decoder
 * that allocates for what a body claims, or walks what it carries more than once, shows here.
 */

export interface ArrowFloodOptions {
  readonly writers: number;
  /** Requests in all, at most. */
  readonly requestsMax: number;
  readonly durationMs: number;
  readonly authorization: string;
  /** The series the bodies go to: it must never come to exist (the probe's state check). */
  readonly series: string;
  readonly deadlineMs: number;
  readonly deltaDictionaryBatches: number;
}

export function arrowFloodBodies(deltaDictionaryBatches: number): NamedBody[] {
  return [
    ...lyingRowCountBodies(),
    { name: 'a batch declaring 2^53-1 rows', body: maxSafeRowsLieBody() },
    ...schemaAndDictionaryBodies().filter(({ name }) => /dictionar/.test(name)),
    { name: 'delta dictionary batches', body: deltaDictionaryStream(deltaDictionaryBatches) },
  ];
}

export async function arrowFlood(client: SecurityClient, options: ArrowFloodOptions): Promise<AttackReport> {
  const bodies = arrowFloodBodies(options.deltaDictionaryBatches);
  const started = performance.now();
  let sent = 0;
  let notRefused = 0;
  let late = 0;
  let slowestMs = 0;
  const examples: string[] = [];
  const writer = async (): Promise<void> => {
    while (sent < options.requestsMax && performance.now() - started < options.durationMs) {
      const { name, body } = bodies[sent++ % bodies.length]!;
      const answer = await client.send({
        method: 'POST',
        path: `/v1/series/${options.series}/points`,
        authorization: options.authorization,
        body,
        contentType: arrowStreamContentType,
        slot: sourceSlots.arrowFlood,
      });
      slowestMs = Math.max(slowestMs, answer.ms);
      if (answer.ms > options.deadlineMs) late++;
      if (!answer.answered || answer.status !== 400 || errorCodeOf(answer) !== 'OMENDB_ERR_INPUT_ARROW') {
        notRefused++;
        if (examples.length < 5) examples.push(`${name}: ${describeAnswer(answer)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.writers }, writer));
  return {
    checks: [
      {
        name: 'probe arrow-flood: every hostile Arrow body refused with 400',
        pass: notRefused === 0 && sent > 0,
        value: notRefused,
        threshold: `== 0 of ${sent}`,
      },
      {
        name: 'probe arrow-flood: every hostile Arrow body answered within the deadline',
        pass: late === 0,
        value: slowestMs,
        threshold: `< ${options.deadlineMs} ms each`,
      },
    ],
    metrics: { requests: sent, bodies: bodies.length, slowestMs, examples },
  };
}
