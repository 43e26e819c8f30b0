import { isDeepStrictEqual } from 'node:util';
import { limits } from '@omendb/engine';
import { jsonOf } from './probe-client.ts';
import type { SecurityClient } from './security-client.ts';

/**
 * What "the stored data is unchanged" compares: a canary series written at the start (int64
 * extremes included), read back whole, and the list of every series. A read that fails is a
 * state of its own (`unreadable`), never equal to a good one.
 */

/** The canary's points as the server's JSON carries them (unsafe-integer keys as strings). */
export const canaryPoints: readonly (readonly [number | string, number])[] = [
  ['-9223372036854775808', -1.5],
  [-1000, 0.25],
  [0, 0],
  [1, 1e300],
  [1000, 3.75],
  ['9223372036854775807', 42],
];

/** A key the canary holds, as a path segment. */
export const canaryKey = '1000';

export interface StoredState {
  /** The canary's page as read, or { unreadable: status }. */
  readonly canary: unknown;
  /** Every series name, sorted, or { unreadable: status }. */
  readonly series: readonly string[] | { readonly unreadable: number | string };
}

export async function writeCanary(
  client: SecurityClient,
  authorization: string,
  series: string,
): Promise<void> {
  await client.expectSuccess({
    method: 'POST',
    path: `/v1/series/${series}/points`,
    authorization,
    body: JSON.stringify({ points: canaryPoints }),
  });
}

export async function readStoredState(
  client: SecurityClient,
  authorization: string,
  series: string,
): Promise<StoredState> {
  const points = await client.send({
    method: 'GET',
    path: `/v1/series/${series}/points?limit=${limits.rangeLimitMax}`,
    authorization,
  });
  const list = await client.send({ method: 'GET', path: '/v1/series', authorization });
  const unreadable = (answer: typeof points) => ({
    unreadable: answer.answered ? answer.status : 'no answer',
  });
  const names = (jsonOf(list) as { series?: unknown } | undefined)?.series;
  return {
    canary: points.answered && points.status === 200 ? jsonOf(points) : unreadable(points),
    series:
      list.answered &&
      list.status === 200 &&
      Array.isArray(names) &&
      names.every((n) => typeof n === 'string')
        ? [...(names as string[])].sort()
        : unreadable(list),
  };
}

/** The state with these series left out of the list (series a phase made on purpose). */
export function withoutSeries(state: StoredState, names: ReadonlySet<string>): StoredState {
  return Array.isArray(state.series)
    ? { canary: state.canary, series: (state.series as readonly string[]).filter((name) => !names.has(name)) }
    : state;
}

export function sameState(a: StoredState, b: StoredState): boolean {
  return isDeepStrictEqual(a, b);
}

/** The canary as a fresh server returns it: what the state read right after writing must hold. */
export function expectedCanary(): unknown {
  return { points: canaryPoints.map(([key, value]) => [key, value]), next: null };
}
