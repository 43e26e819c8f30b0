import { setTimeout as delay } from 'node:timers/promises';
import type { LatencyRecorder } from '../../runner/scenario.ts';
import { sourceSlots } from '../loopback.ts';
import { describeAnswer } from '../probe-client.ts';
import type { SecurityClient } from '../security-client.ts';

/**
 * The valid client of an exhaustion probe: from its own source address, with a token, a small
 * read on a fresh connection, again and again while the attack runs. Each answered read's
 * latency goes to the recorder; anything but 200 is a failure.
 */

export interface ValidClientOptions {
  readonly authorization: string;
  readonly path: string;
  readonly recorder: LatencyRecorder;
  /** Keep reading until this says stop (checked between reads)... */
  readonly done: () => boolean;
  /** ... and at least this many reads ... */
  readonly samplesMin: number;
  /** ... but never more than this many, nor past this long. */
  readonly samplesMax: number;
  readonly windowMsMax: number;
  readonly intervalMs: number;
}

export interface ValidClientResult {
  readonly samples: number;
  readonly failures: readonly string[];
  /** The slowest read, answered or not (ms). */
  readonly slowestMs: number;
}

export async function measureValidClient(
  client: SecurityClient,
  options: ValidClientOptions,
): Promise<ValidClientResult> {
  const started = performance.now();
  const failures: string[] = [];
  let samples = 0;
  let slowestMs = 0;
  while (samples < options.samplesMax && performance.now() - started < options.windowMsMax) {
    if (options.done() && samples >= options.samplesMin) break;
    const answer = await client.send({
      method: 'GET',
      path: options.path,
      authorization: options.authorization,
      slot: sourceSlots.validClient,
    });
    samples++;
    slowestMs = Math.max(slowestMs, answer.ms);
    if (answer.answered && answer.status === 200) options.recorder.record(answer.ms);
    else failures.push(describeAnswer(answer));
    await delay(options.intervalMs);
  }
  return { samples, failures, slowestMs };
}
