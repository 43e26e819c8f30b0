import { writeFile } from 'node:fs/promises';
import { eventLoopMonitoringPrecisionMs } from '../../src/limits.ts';
import { formatNs, formatRate, table } from '../report.ts';
import {
  getFigureName,
  type HttpLoadFigure,
  type HttpLoadReport,
  idleBaselineMs,
  postFigureName,
  sustainedGetFigureName,
  sustainedPostFigureName,
} from './http-load-suite.ts';

/** Targets from the issue: shown, not asserted. */
const getShareOfBareMin = 0.6;
const getP99NsMax = 5e6;
const postPointsPerSMin = 1e6;
const postP99NsMax = 50e6;
const eventLoopP99MsMax = 20;

function rows(figures: readonly HttpLoadFigure[]): string[][] {
  return figures.map((f) => [
    f.name,
    f.contender,
    formatRate(f.ops_per_s),
    f.records_per_s === undefined ? '' : formatRate(f.records_per_s),
    formatNs(f.p50_ns),
    formatNs(f.p99_ns),
    f.ratio_vs_bare === undefined ? '' : `${f.ratio_vs_bare.toFixed(3)}x`,
    f.event_loop_p99_ms === undefined ? '' : `${f.event_loop_p99_ms.toFixed(1)} ms`,
    String(f.failures),
  ]);
}

function figureOf(report: HttpLoadReport, name: string, contender: 'omendb' | 'bare'): HttpLoadFigure {
  const found = report.figures.find((f) => f.name === name && f.contender === contender);
  if (found === undefined) throw new Error(`the report has no ${contender} figure ${name}`);
  return found;
}

const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
const eventLoopText = (f: HttpLoadFigure) => `${(f.event_loop_p99_ms ?? Number.NaN).toFixed(1)} ms`;

export function targetLines(report: HttpLoadReport): string[] {
  const { config } = report;
  const get = figureOf(report, getFigureName, 'omendb');
  const getBare = figureOf(report, getFigureName, 'bare');
  const post = figureOf(report, postFigureName(config), 'omendb');
  const sustainedPost = figureOf(report, sustainedPostFigureName(config), 'omendb');
  const sustainedPostBare = figureOf(report, sustainedPostFigureName(config), 'bare');
  const sustainedGet = figureOf(report, sustainedGetFigureName(config), 'omendb');
  const sustainedGetBare = figureOf(report, sustainedGetFigureName(config), 'bare');
  const sustainedRate = formatRate(config.sustainedPostsPerS * config.pointsPerPost);
  const eventLoopMax = Math.max(
    post.event_loop_p99_ms ?? Number.POSITIVE_INFINITY,
    sustainedPost.event_loop_p99_ms ?? Number.POSITIVE_INFINITY,
  );
  return [
    `point GET >= 60% of bare requests/s, GETs alone at saturation: ${((get.ratio_vs_bare ?? 0) * 100).toFixed(1)}% ${verdict((get.ratio_vs_bare ?? 0) >= getShareOfBareMin)}`,
    `point GET p99 < 5 ms beside ${sustainedRate} points/s of POSTs: ${formatNs(sustainedGet.p99_ns)} ${verdict(sustainedGet.p99_ns < getP99NsMax)} (bare, same load: ${formatNs(sustainedGetBare.p99_ns)})`,
    `point GET p99 < 5 ms, GETs alone at saturation: ${formatNs(get.p99_ns)} ${verdict(get.p99_ns < getP99NsMax)} (bare: ${formatNs(getBare.p99_ns)})`,
    `POST ${config.pointsPerPost} points, sync commit, >= 1M points/s at saturation: ${formatRate(post.records_per_s ?? 0)} points/s ${verdict((post.records_per_s ?? 0) >= postPointsPerSMin)}`,
    `POST ${config.pointsPerPost} points p99 <= 50 ms at a sustained ${sustainedRate} points/s: ${formatNs(sustainedPost.p99_ns)} ${verdict(sustainedPost.p99_ns <= postP99NsMax)} (bare: ${formatNs(sustainedPostBare.p99_ns)})`,
    `POST ${config.pointsPerPost} points p99 <= 50 ms at saturation (${formatRate(post.records_per_s ?? 0)} points/s): ${formatNs(post.p99_ns)} ${verdict(post.p99_ns <= postP99NsMax)}`,
    `server event-loop delay p99 <= 20 ms during the POST passes: ${eventLoopText(post)} at saturation, ${eventLoopText(sustainedPost)} sustained ${verdict(eventLoopMax <= eventLoopP99MsMax)}`,
  ];
}

export function formatHttpLoadReport(report: HttpLoadReport): string {
  const c = report.config;
  return [
    `HTTP load: ${c.connections} connections, ${c.passes} alternating passes of ${c.durationS} s, ${c.points} points preloaded; medians of the passes.`,
    'omendb: `omendb serve` (auth on, Bearer token, sync commit) in its own process; bare: a fastify route in its own process; load: autocannon in this one (closed loop, each connection sends when answered: saturation). Loopback only.',
    `The "at N/s" rows are an open loop in this process (sustained.ts): POSTs and point GETs sent at fixed rates, latency from each request's intended send time.`,
    '',
    table(
      ['test', 'contender', 'requests/s', 'points/s', 'p50', 'p99', 'vs bare', 'event loop p99', 'failures'],
      rows(report.figures),
    ),
    '',
    `server event-loop p99 at rest (${idleBaselineMs / 1000} s without load, before the passes): ${report.idle_event_loop_p99_ms.toFixed(1)} ms. monitorEventLoopDelay records the time between the callbacks of a ${eventLoopMonitoringPrecisionMs} ms timer, so this is the floor of every event-loop figure above: a loaded figure counts the same ${eventLoopMonitoringPrecisionMs} ms.`,
    '',
    '## Targets (shown, not asserted)',
    ...targetLines(report),
  ].join('\n');
}

export async function writeHttpLoadJson(file: string, report: HttpLoadReport): Promise<void> {
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
