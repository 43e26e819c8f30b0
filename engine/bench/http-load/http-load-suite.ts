import { createPrng } from '../../src/util/prng.ts';
import { medianFigures } from '../measure.ts';
import { startBare, startOmenDb } from './child-servers.ts';
import type { HttpLoadConfig } from './http-load-config.ts';
import { getPass, type LoadPass, type LoadTarget, postPass } from './load.ts';
import { adminBearer, metricValue } from './omendb-session.ts';
import { type SustainedPass, sustainedPass } from './sustained.ts';

export interface HttpLoadFigure {
  readonly name: string;
  readonly contender: 'omendb' | 'bare';
  readonly n: number;
  readonly p50_ns: number;
  readonly p99_ns: number;
  readonly ops_per_s: number;
  /** Points per second, for the POST figures. */
  readonly records_per_s?: number;
  readonly failures: number;
  readonly passes: number;
  /** omendb / bare, for omendb rows. */
  readonly ratio_vs_bare?: number;
  /**
   * The server's event-loop delay p99 during the passes (median over passes), from its own
   * `nodejs_eventloop_lag_p99_seconds` (monitorEventLoopDelay): omendb rows only.
   */
  readonly event_loop_p99_ms?: number;
}

export interface HttpLoadReport {
  readonly config: HttpLoadConfig;
  readonly figures: HttpLoadFigure[];
  /**
   * The same event-loop figure over idleBaselineMs with no load, before the passes: the floor the
   * loaded figures stand on. monitorEventLoopDelay records the time between the callbacks of a
   * timer that fires every eventLoopMonitoringPrecisionMs, so even an idle loop reads about that,
   * and a loaded figure counts it too.
   */
  readonly idle_event_loop_p99_ms: number;
}

export const getFigureName = 'point GET';
export const postFigureName = (config: HttpLoadConfig): string => `POST ${config.pointsPerPost} points`;
export const sustainedPostFigureName = (config: HttpLoadConfig): string =>
  `POST ${config.pointsPerPost} points at ${config.sustainedPostsPerS}/s`;
export const sustainedGetFigureName = (config: HttpLoadConfig): string =>
  `point GET at ${config.sustainedGetsPerS}/s beside them`;

/** The idle window that measures the event-loop figure's floor, before the passes. */
export const idleBaselineMs = 2000;

const series = 'bench.http';
const preloadBatchPoints = 10_000;
const keyBase = 1_700_000_000_000;

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

function figure(
  name: string,
  contender: 'omendb' | 'bare',
  config: HttpLoadConfig,
  passes: readonly LoadPass[],
  pointsPerRequest?: number,
): HttpLoadFigure {
  const { opsPerS, p50Ns, p99Ns } = medianFigures(passes);
  return {
    name,
    contender,
    n: config.points,
    p50_ns: p50Ns,
    p99_ns: p99Ns,
    ops_per_s: opsPerS,
    ...(pointsPerRequest === undefined ? {} : { records_per_s: opsPerS * pointsPerRequest }),
    failures: passes.reduce((sum, p) => sum + p.failures, 0),
    passes: passes.length,
  };
}

function withRatio(omendb: HttpLoadFigure, bare: HttpLoadFigure, eventLoopMs: number[]): HttpLoadFigure {
  const sorted = [...eventLoopMs].sort((a, b) => a - b);
  return {
    ...omendb,
    ratio_vs_bare: omendb.ops_per_s / bare.ops_per_s,
    ...(sorted.length === 0 ? {} : { event_loop_p99_ms: sorted[Math.floor(sorted.length / 2)]! }),
  };
}

/**
 * The server's event-loop delay p99 in ms since its previous scrape: prom-client resets its
 * monitorEventLoopDelay histogram at each collection, so a scrape before a pass and one after
 * give the pass's own figure.
 */
async function eventLoopP99Ms(url: string, headers: Record<string, string>): Promise<number> {
  const seconds = await metricValue(url, headers, 'nodejs_eventloop_lag_p99_seconds');
  if (seconds === undefined) throw new Error('the server exports no nodejs_eventloop_lag_p99_seconds');
  return seconds * 1000;
}

/** A pass against omendb between two scrapes, and the event-loop p99 of that window. */
async function omendbPass<T>(target: LoadTarget, eventLoop: number[], pass: () => Promise<T>): Promise<T> {
  await eventLoopP99Ms(target.url, target.headers);
  const result = await pass();
  eventLoop.push(await eventLoopP99Ms(target.url, target.headers));
  return result;
}

/**
 * Both servers run as child processes on loopback; the load generator (autocannon) runs here.
 * Passes alternate bare, omendb, bare, omendb... so that drift in the machine's speed hits both.
 */
export async function runHttpLoad(
  config: HttpLoadConfig,
  log: (line: string) => void,
): Promise<HttpLoadReport> {
  const omendb = await startOmenDb();
  try {
    const bare = await startBare();
    try {
      const auth = await adminBearer(omendb);
      log(`preloading ${config.points} points into ${series}`);
      const keys: number[] = [];
      for (let from = 0; from < config.points; from += preloadBatchPoints) {
        const points: [number, number][] = [];
        for (let i = from; i < Math.min(config.points, from + preloadBatchPoints); i++) {
          points.push([keyBase + i * 1000, i / 7]);
          keys.push(keyBase + i * 1000);
        }
        await post(`${omendb.url}/v1/series/${series}/points`, auth, { points });
      }
      await eventLoopP99Ms(omendb.url, auth);
      await new Promise((resolve) => setTimeout(resolve, idleBaselineMs));
      const idleEventLoopMs = await eventLoopP99Ms(omendb.url, auth);
      const prng = createPrng(config.seed);
      const omendbTarget: LoadTarget = { url: omendb.url, headers: auth };
      const bareTarget: LoadTarget = { url: bare.url, headers: {} };
      const json = { 'content-type': 'application/json' };
      const getPasses = { omendb: [] as LoadPass[], bare: [] as LoadPass[] };
      const postPasses = { omendb: [] as LoadPass[], bare: [] as LoadPass[] };
      const sustainedPasses = { omendb: [] as SustainedPass[], bare: [] as SustainedPass[] };
      const eventLoop = { get: [] as number[], post: [] as number[], sustained: [] as number[] };
      const rates = { postsPerS: config.sustainedPostsPerS, getsPerS: config.sustainedGetsPerS };
      const nextKey = { next: keyBase + config.points * 1000 };
      const bareKey = { next: 0 };
      // Enough bodies for 2,000 requests/s through the pass, bounded in load.ts.
      const prebuilt = config.durationS * 2000;
      for (let pass = 0; pass < config.passes; pass++) {
        log(
          `pass ${pass + 1}/${config.passes}: GET bare, GET omendb, POST bare, POST omendb, sustained bare, sustained omendb (${config.durationS} s each)`,
        );
        getPasses.bare.push(
          await getPass(
            bareTarget,
            (key) => `/bare/${series}/${key}`,
            keys,
            prng,
            config.connections,
            config.durationS,
          ),
        );
        getPasses.omendb.push(
          await omendbPass(omendbTarget, eventLoop.get, () =>
            getPass(
              omendbTarget,
              (key) => `/v1/series/${series}/points/${key}`,
              keys,
              prng,
              config.connections,
              config.durationS,
            ),
          ),
        );
        postPasses.bare.push(
          await postPass(
            { url: bare.url, headers: json },
            '/bare',
            bareKey,
            config.pointsPerPost,
            config.connections,
            config.durationS,
            prebuilt,
          ),
        );
        postPasses.omendb.push(
          await omendbPass(omendbTarget, eventLoop.post, () =>
            postPass(
              { url: omendb.url, headers: { ...auth, ...json } },
              `/v1/series/${series}.ingest/points`,
              nextKey,
              config.pointsPerPost,
              config.connections,
              config.durationS,
              prebuilt,
            ),
          ),
        );
        sustainedPasses.bare.push(
          await sustainedPass(
            { url: bare.url, headers: {} },
            { post: '/bare', get: (key) => `/bare/${series}/${key}` },
            keys,
            prng,
            bareKey,
            config.pointsPerPost,
            rates,
            config.durationS,
          ),
        );
        sustainedPasses.omendb.push(
          await omendbPass(omendbTarget, eventLoop.sustained, () =>
            sustainedPass(
              omendbTarget,
              {
                post: `/v1/series/${series}.ingest/points`,
                get: (key) => `/v1/series/${series}/points/${key}`,
              },
              keys,
              prng,
              nextKey,
              config.pointsPerPost,
              rates,
              config.durationS,
            ),
          ),
        );
      }
      const pair = (
        name: string,
        passes: { bare: LoadPass[]; omendb: LoadPass[] },
        eventLoopMs: number[],
        pointsPerRequest?: number,
      ): [HttpLoadFigure, HttpLoadFigure] => {
        const bareFigure = figure(name, 'bare', config, passes.bare, pointsPerRequest);
        const omendbFigure = figure(name, 'omendb', config, passes.omendb, pointsPerRequest);
        return [bareFigure, withRatio(omendbFigure, bareFigure, eventLoopMs)];
      };
      const sustainedOf = (pick: (pass: SustainedPass) => LoadPass) => ({
        bare: sustainedPasses.bare.map(pick),
        omendb: sustainedPasses.omendb.map(pick),
      });
      return {
        config,
        figures: [
          ...pair(getFigureName, getPasses, eventLoop.get),
          ...pair(postFigureName(config), postPasses, eventLoop.post, config.pointsPerPost),
          ...pair(
            sustainedPostFigureName(config),
            sustainedOf((p) => p.post),
            eventLoop.sustained,
            config.pointsPerPost,
          ),
          ...pair(
            sustainedGetFigureName(config),
            sustainedOf((p) => p.get),
            eventLoop.sustained,
          ),
        ],
        idle_event_loop_p99_ms: idleEventLoopMs,
      };
    } finally {
      await bare.stop();
    }
  } finally {
    await omendb.stop();
  }
}
