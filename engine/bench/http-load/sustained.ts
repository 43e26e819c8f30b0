import { Agent, request } from 'node:http';
import type { Histogram } from 'hdr-histogram-js';
import type { Prng } from '../../src/util/prng.ts';
import { histogram, percentileNs, record } from '../measure.ts';
import type { LoadPass, LoadTarget } from './load.ts';
import { postBodiesPrebuiltMax, postBody } from './load.ts';

/**
 * An open-loop pass at a fixed rate: POSTs of `pointsPerPost` points at postsPerS and point GETs
 * at getsPerS, side by side, each sent at its intended time whether or not earlier ones have been
 * answered. Latency runs from the intended send time (not the actual one), so a stalled server or
 * a late load generator counts: no coordinated omission. This is what "a sustained 1M points/s"
 * means: a closed loop at saturation (load.ts) measures queueing at the server's top speed instead.
 */

/** Requests in flight before new sends wait (they still count from their intended time). */
export const sustainedInFlightMax = 256;
/** Sockets to the server: more than the in-flight requests at these rates, fewer than its limit. */
const sustainedSocketsMax = 64;
/** The send loop's tick: sends due by then go out together. */
const sendTickMs = 1;
/** How long answers may take to arrive after the pass's last send before they count as failures. */
const drainMsMax = 10_000;

export interface SustainedRates {
  readonly postsPerS: number;
  readonly getsPerS: number;
}

export interface SustainedPass {
  readonly post: LoadPass;
  readonly get: LoadPass;
}

interface Stream {
  readonly histogram: Histogram;
  readonly ratePerS: number;
  readonly planned: number;
  sent: number;
  answered: number;
  failures: number;
}

function stream(ratePerS: number, durationS: number): Stream {
  return {
    histogram: histogram(),
    ratePerS,
    planned: Math.round(ratePerS * durationS),
    sent: 0,
    answered: 0,
    failures: 0,
  };
}

function passOf(s: Stream, durationS: number): LoadPass {
  const result = {
    opsPerS: s.answered / durationS,
    p50Ns: percentileNs(s.histogram, 50),
    p99Ns: percentileNs(s.histogram, 99),
    // Unanswered by the end of the drain, or never sent (the in-flight bound held them back).
    failures: s.failures + (s.planned - s.answered),
  };
  s.histogram.destroy();
  return result;
}

export async function sustainedPass(
  target: LoadTarget,
  paths: { readonly post: string; readonly get: (key: number) => string },
  keys: readonly number[],
  prng: Prng,
  firstKey: { next: number },
  pointsPerPost: number,
  rates: SustainedRates,
  durationS: number,
): Promise<SustainedPass> {
  const nextBody = () => {
    const body = postBody(firstKey.next, pointsPerPost);
    firstKey.next += pointsPerPost;
    return body;
  };
  const posts = stream(rates.postsPerS, durationS);
  const gets = stream(rates.getsPerS, durationS);
  // Built before the pass, up to a bound: the load generator spends its time sending, not formatting.
  const bodies = Array.from({ length: Math.min(posts.planned, postBodiesPrebuiltMax) }, nextBody);
  const url = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets: sustainedSocketsMax });
  let inFlight = 0;
  const send = (s: Stream, intendedNs: bigint, method: string, path: string, body?: string): void => {
    s.sent++;
    inFlight++;
    let answered = false;
    const done = (ok: boolean) => {
      if (answered) return;
      answered = true;
      inFlight--;
      s.answered++;
      if (!ok) s.failures++;
      record(s.histogram, Number(process.hrtime.bigint() - intendedNs));
    };
    const headers: Record<string, string | number> = { ...target.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode !== undefined && res.statusCode < 300));
      res.on('error', () => done(false));
    });
    req.on('error', () => done(false));
    req.end(body);
  };
  const startNs = process.hrtime.bigint();
  const intendedNs = (s: Stream, index: number) => startNs + BigInt(Math.round((index * 1e9) / s.ratePerS));
  const endNs = startNs + BigInt(durationS * 1e9);
  for (;;) {
    const now = process.hrtime.bigint();
    while (
      posts.sent < posts.planned &&
      intendedNs(posts, posts.sent) <= now &&
      inFlight < sustainedInFlightMax
    ) {
      const index = posts.sent;
      const body = index < bodies.length ? bodies[index]! : nextBody();
      if (index < bodies.length) bodies[index] = '';
      send(posts, intendedNs(posts, index), 'POST', paths.post, body);
    }
    while (gets.sent < gets.planned && intendedNs(gets, gets.sent) <= now && inFlight < sustainedInFlightMax)
      send(gets, intendedNs(gets, gets.sent), 'GET', paths.get(keys[Math.floor(prng.next() * keys.length)]!));
    if (posts.sent === posts.planned && gets.sent === gets.planned) break;
    if (now >= endNs + BigInt(drainMsMax * 1e6)) break;
    await new Promise((resolve) => setTimeout(resolve, sendTickMs));
  }
  const drainUntil = Date.now() + drainMsMax;
  while (inFlight > 0 && Date.now() < drainUntil)
    await new Promise((resolve) => setTimeout(resolve, sendTickMs));
  agent.destroy();
  return { post: passOf(posts, durationS), get: passOf(gets, durationS) };
}
