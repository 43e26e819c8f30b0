import { createPrng } from '../../src/util/prng.ts';
import { medianFigures } from '../measure.ts';
import { startBare, startOmenDb } from './child-servers.ts';
import type { HttpLoadConfig } from './http-load-config.ts';
import { getPass, type LoadPass, type LoadTarget, postPass } from './load.ts';

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
}

export interface HttpLoadReport {
  readonly config: HttpLoadConfig;
  readonly figures: HttpLoadFigure[];
}

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

function withRatio(omendb: HttpLoadFigure, bare: HttpLoadFigure): HttpLoadFigure {
  return { ...omendb, ratio_vs_bare: omendb.ops_per_s / bare.ops_per_s };
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
      const basic = `Basic ${Buffer.from(`admin:${omendb.password}`).toString('base64')}`;
      const { token } = (await post(`${omendb.url}/v1/auth/token`, { authorization: basic }, {})) as {
        token: string;
      };
      const auth = { authorization: `Bearer ${token}` };
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
      const prng = createPrng(config.seed);
      const omendbTarget: LoadTarget = { url: omendb.url, headers: auth };
      const bareTarget: LoadTarget = { url: bare.url, headers: {} };
      const json = { 'content-type': 'application/json' };
      const getPasses = { omendb: [] as LoadPass[], bare: [] as LoadPass[] };
      const postPasses = { omendb: [] as LoadPass[], bare: [] as LoadPass[] };
      const nextKey = { next: keyBase + config.points * 1000 };
      const bareKey = { next: 0 };
      // Enough bodies for 2,000 requests/s through the pass, bounded in load.ts.
      const prebuilt = config.durationS * 2000;
      for (let pass = 0; pass < config.passes; pass++) {
        log(
          `pass ${pass + 1}/${config.passes}: GET bare, GET omendb, POST bare, POST omendb (${config.durationS} s each)`,
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
          await getPass(
            omendbTarget,
            (key) => `/v1/series/${series}/points/${key}`,
            keys,
            prng,
            config.connections,
            config.durationS,
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
          await postPass(
            { url: omendb.url, headers: { ...auth, ...json } },
            `/v1/series/${series}.ingest/points`,
            nextKey,
            config.pointsPerPost,
            config.connections,
            config.durationS,
            prebuilt,
          ),
        );
      }
      const getBare = figure('point GET', 'bare', config, getPasses.bare);
      const getOmen = withRatio(figure('point GET', 'omendb', config, getPasses.omendb), getBare);
      const postBare = figure(
        `POST ${config.pointsPerPost} points`,
        'bare',
        config,
        postPasses.bare,
        config.pointsPerPost,
      );
      const postOmen = withRatio(
        figure(
          `POST ${config.pointsPerPost} points`,
          'omendb',
          config,
          postPasses.omendb,
          config.pointsPerPost,
        ),
        postBare,
      );
      return { config, figures: [getBare, getOmen, postBare, postOmen] };
    } finally {
      await bare.stop();
    }
  } finally {
    await omendb.stop();
  }
}
