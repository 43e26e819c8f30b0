import autocannon from 'autocannon';
import type { Prng } from '../../src/util/prng.ts';
import type { PassFigures } from '../measure.ts';

/** One load pass: what autocannon measured, in the units the report uses. */
export interface LoadPass extends PassFigures {
  /** Answers that were not 2xx, plus socket errors and timeouts: a pass with any is not a valid figure. */
  readonly failures: number;
}

export interface LoadTarget {
  readonly url: string;
  readonly headers: Record<string, string>;
}

async function run(
  target: LoadTarget,
  connections: number,
  durationS: number,
  request: () => { method: string; path: string; body?: string },
): Promise<LoadPass> {
  const result = await autocannon({
    url: target.url,
    connections,
    duration: durationS,
    requests: [
      { setupRequest: (raw) => ({ ...raw, ...request(), headers: { ...raw.headers, ...target.headers } }) },
    ],
  });
  return {
    opsPerS: result.requests.total / result.duration,
    // autocannon reports latency in milliseconds.
    p50Ns: result.latency.p50 * 1e6,
    p99Ns: result.latency.p99 * 1e6,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/** Point GETs of existing keys, in random order from the seeded generator. */
export function getPass(
  target: LoadTarget,
  path: (key: number) => string,
  keys: readonly number[],
  prng: Prng,
  connections: number,
  durationS: number,
): Promise<LoadPass> {
  return run(target, connections, durationS, () => ({
    method: 'GET',
    path: path(keys[Math.floor(prng.next() * keys.length)]!),
  }));
}

/** Bodies built ahead of a POST pass, so that the load generator spends its CPU sending, not formatting. */
export const postBodiesPrebuiltMax = 10_000;

export function postBody(start: number, pointsPerPost: number): string {
  const parts = new Array<string>(pointsPerPost);
  for (let i = 0; i < pointsPerPost; i++) parts[i] = `[${start + i},${(i % 100) / 8}]`;
  return `{"points":[${parts.join(',')}]}`;
}

/**
 * POSTs of `pointsPerPost` new points each: keys continue from `firstKey`, so every request is a
 * real append, never a rewrite of the same keys. Up to postBodiesPrebuiltMax bodies are built
 * before the timed pass (the server is measured, not the client's string building); past them,
 * bodies are built per request.
 */
export function postPass(
  target: LoadTarget,
  path: string,
  firstKey: { next: number },
  pointsPerPost: number,
  connections: number,
  durationS: number,
  prebuilt: number,
): Promise<LoadPass> {
  const bodies: string[] = [];
  for (let i = 0; i < Math.min(prebuilt, postBodiesPrebuiltMax); i++) {
    bodies.push(postBody(firstKey.next, pointsPerPost));
    firstKey.next += pointsPerPost;
  }
  let used = 0;
  return run(target, connections, durationS, () => {
    if (used < bodies.length) {
      const body = bodies[used]!;
      bodies[used++] = '';
      return { method: 'POST', path, body };
    }
    const start = firstKey.next;
    firstKey.next += pointsPerPost;
    return { method: 'POST', path, body: postBody(start, pointsPerPost) };
  });
}
