import { basicAuthorization } from '@omendb/engine';
import { sourceSlots } from '../loopback.ts';
import { describeAnswer } from '../probe-client.ts';
import type { SecurityClient } from '../security-client.ts';
import type { AttackReport } from './run-probe.ts';

/**
 * Concurrent failed logins from one address, all at once: wrong passwords for a real user, each
 * a Basic header the server has never verified. Every one must be refused (401, or 429 once the
 * limiter or the hash bound steps in); none may pass, fail with 5xx, or go unanswered.
 */

export interface LoginFloodOptions {
  readonly requests: number;
  /** The user whose password is guessed (one of the scenario's own). */
  readonly userName: string;
}

export async function loginFlood(client: SecurityClient, options: LoginFloodOptions): Promise<AttackReport> {
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: options.requests }, (_, i) =>
      client.send({
        method: 'GET',
        path: '/v1/series',
        authorization: basicAuthorization(options.userName, `wrong-password-${i}`),
        slot: sourceSlots.loginFlood,
      }),
    ),
  );
  const tally: Record<string, number> = {};
  let notRefused = 0;
  for (const answer of answers) {
    const label = describeAnswer(answer);
    tally[label] = (tally[label] ?? 0) + 1;
    if (!answer.answered || (answer.status !== 401 && answer.status !== 429)) notRefused++;
  }
  return {
    checks: [
      {
        name: 'probe login-flood: every failed login refused',
        pass: notRefused === 0,
        value: notRefused,
        threshold: `== 0 of ${options.requests} answered otherwise than 401 or 429`,
      },
    ],
    metrics: { requests: options.requests, answers: tally, floodMs: performance.now() - started },
  };
}
