import { compareDepthMax, compareMetricsMax } from '../limits.ts';
import type { ScenarioResult } from '../runner/result.ts';

/**
 * The pure part of `omendb-harness compare`: two results' metrics flattened to dotted paths of
 * numbers, lined up where both have the path, with A/B and A's advantage in the direction the
 * metric's name says is better. Directions come from names alone:
 * - higher is better: a name ending in PerSec, or containing throughput;
 * - lower is better: a name ending in Ms, Seconds or Bytes, bytesPerPoint, and the percentiles
 *   (p50, p95, p99, p999, max) of anything named ...Ms (latencyMs.<operation>.p99);
 * - no direction (shown, never gated): everything else, and signed differences, settings
 *   (intervalMs) and counts, whatever their names.
 * An advantage is B/A for lower-is-better, A/B for higher-is-better, and only where both are > 0.
 */

export type Direction = 'higher' | 'lower';

export interface CompareRow {
  readonly metric: string;
  readonly a: number;
  readonly b: number;
  /** A/B, null when B is 0. */
  readonly ratio: number | null;
  readonly direction: Direction | null;
  /** How many times better A is than B (> 1: A better), null without a direction or a positive pair. */
  readonly advantage: number | null;
}

const percentiles = new Set(['p50', 'p95', 'p99', 'p999', 'max']);
const undirected = new Set(['intervalMs', 'count', 'samples']);

export function metricDirection(path: string): Direction | null {
  const segments = path.split('.');
  const leaf = segments.at(-1) ?? '';
  if (undirected.has(leaf) || segments.some((s) => /difference/i.test(s))) return null;
  if (/PerSec$/.test(leaf) || /throughput/i.test(leaf)) return 'higher';
  if (/(Ms|Seconds|Bytes)$/.test(leaf) || leaf === 'bytesPerPoint') return 'lower';
  if (percentiles.has(leaf) && segments.slice(0, -1).some((s) => s.endsWith('Ms'))) return 'lower';
  return null;
}

/** Every finite number under `metrics` by its dotted path (arrays and other values left out). */
export function flattenMetrics(metrics: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (value: unknown, path: string, depth: number) => {
    if (typeof value === 'number') {
      if (Number.isFinite(value) && path !== '') out.set(path, value);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value) || depth >= compareDepthMax)
      return;
    for (const [key, child] of Object.entries(value)) {
      if (out.size >= compareMetricsMax)
        throw new Error(`OmenDB harness invariant violated: more than ${compareMetricsMax} metrics`);
      visit(child, path === '' ? key : `${path}.${key}`, depth + 1);
    }
  };
  visit(metrics, '', 0);
  return out;
}

export function compareMetrics(a: ScenarioResult, b: ScenarioResult, only?: RegExp): CompareRow[] {
  const left = flattenMetrics(a.metrics);
  const right = flattenMetrics(b.metrics);
  const rows: CompareRow[] = [];
  for (const [metric, av] of left) {
    const bv = right.get(metric);
    if (bv === undefined || (only !== undefined && !only.test(metric))) continue;
    const direction = metricDirection(metric);
    const positive = av > 0 && bv > 0;
    const advantage = direction === null || !positive ? null : direction === 'higher' ? av / bv : bv / av;
    rows.push({ metric, a: av, b: bv, ratio: bv === 0 ? null : av / bv, direction, advantage });
  }
  return rows;
}

/** Directed rows whose advantage is below `ratio`. */
export function rowsBelow(rows: readonly CompareRow[], ratio: number): CompareRow[] {
  return rows.filter((r) => r.advantage !== null && r.advantage < ratio);
}

/** One line saying what a result was: scenario, engine, profile, points, status. */
export function describeResult(label: string, path: string, result: ScenarioResult): string {
  const { engine, params } = result;
  const points = params.points === undefined ? '' : `, points ${params.points}`;
  return `${label}: ${path}: ${result.scenario} on ${engine.engine} ${engine.version} (${engine.adapter}), profile ${result.profile}${points}, seed ${result.seed}, ${result.status}`;
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e15)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

function formatRatio(value: number | null): string {
  return value === null ? '' : value.toFixed(3);
}

export function formatTable(rows: readonly CompareRow[]): string {
  const header = ['metric', 'A', 'B', 'A/B', 'A advantage'];
  const cells = rows.map((r) => [
    r.metric,
    formatNumber(r.a),
    formatNumber(r.b),
    formatRatio(r.ratio),
    r.advantage === null ? '' : `${formatRatio(r.advantage)} (${r.direction} is better)`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}
