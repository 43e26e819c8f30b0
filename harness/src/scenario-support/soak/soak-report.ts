import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineDescription } from '../../adapter.ts';
import { formatDuration, parseDurationMs } from '../../runner/duration.ts';
import type { Check } from '../../runner/scenario.ts';
import type { SoakLog } from './interval-log.ts';
import type { SoakThresholds } from './soak-params.ts';
import { type SoakFigures, type SoakVerification, soakVerdicts } from './soak-verdicts.ts';

/**
 * The soak report: the verdicts over an interval file with what they were computed from, as
 * soak-report.json (beside the interval file) and as text for a person.
 */

export const reportFileName = 'soak-report.json';

export interface SoakReport {
  readonly intervalFile: string;
  readonly seed: number;
  readonly engine: EngineDescription;
  readonly probe: string;
  readonly startedAt: string;
  readonly durationAskedMs: number | null;
  /** No end line: the run was killed, crashed, or is still running. */
  readonly partial: boolean;
  readonly tornLines: number;
  readonly thresholds: SoakThresholds;
  readonly pass: boolean;
  readonly checks: readonly Check[];
  readonly figures: SoakFigures;
}

export function buildSoakReport(
  intervalFile: string,
  log: SoakLog,
  verification: SoakVerification | undefined,
  thresholds: SoakThresholds,
): SoakReport {
  const { checks, figures } = soakVerdicts(log, verification, thresholds);
  const { header } = log;
  let durationAskedMs: number | null = null;
  try {
    durationAskedMs = parseDurationMs(String(header.params.duration));
  } catch {
    // A header from another version without a duration: the report says it does not know.
  }
  return {
    intervalFile,
    seed: header.seed,
    engine: header.engine,
    probe: header.probe,
    startedAt: header.startedAt,
    durationAskedMs,
    partial: figures.partial,
    tornLines: log.tornLines,
    thresholds,
    pass: checks.every((c) => c.pass),
    checks,
    figures,
  };
}

export async function writeSoakReport(dir: string, report: SoakReport): Promise<string> {
  const path = join(dir, reportFileName);
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

const megabytes = (bytes: number | null) =>
  bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const fixed = (value: number | null, digits: number) => (value === null ? 'n/a' : value.toFixed(digits));

function leakText(name: string, leak: SoakFigures['leak']['rss']): string {
  if (leak === null) return `${name} no evidence`;
  const sign = leak.slopeMbPerHour >= 0 ? '+' : '';
  return `${name} ${sign}${leak.slopeMbPerHour.toFixed(2)} MB/h (R² ${leak.r2.toFixed(3)}, ${leak.samples} samples)`;
}

export function formatSoakReport(report: SoakReport): string {
  const f = report.figures;
  const e = report.engine;
  const asked = report.durationAskedMs === null ? 'unknown' : formatDuration(report.durationAskedMs);
  const lines = [
    `soak report: ${report.intervalFile}${report.partial ? ' (PARTIAL: no end line, the run ended early)' : ''}`,
    `engine ${e.engine} ${e.version} (${e.adapter}), measured ${report.probe}, seed ${report.seed}, started ${report.startedAt}`,
    `duration asked ${asked}, covered ${formatDuration(f.durationRunMs)} in ${f.intervals} intervals (${f.postWarmupIntervals} after a warm-up of ${formatDuration(report.thresholds.warmupMs)})${report.tornLines > 0 ? `, ${report.tornLines} torn line skipped` : ''}`,
    `operations: ${f.opsIntended} intended, ${f.opsSent} sent, ${f.opsCompleted} completed; achieved ${f.achievedRate.toFixed(1)}/s (share ${fixed(f.achievedRateShare, 4)}), backlog max ${f.backlogMax}`,
    `latency ms (from intended send time): p50 ${f.latencyMs.p50} p95 ${f.latencyMs.p95} p99 ${f.latencyMs.p99} p99.9 ${f.latencyMs.p999} max ${f.latencyMs.max}`,
    `p99 ms by kind: ${byKindText(f.latencyMsByKind)}`,
    f.latencyMsAfterWarmup === null
      ? 'after warm-up: no interval'
      : `after warm-up: p50 ${f.latencyMsAfterWarmup.p50} p99 ${f.latencyMsAfterWarmup.p99} max ${f.latencyMsAfterWarmup.max} ms; p99 ms by kind: ${byKindText(f.latencyMsByKindAfterWarmup)}`,
    `leak: ${leakText('rss', f.leak.rss)}; ${leakText('heap', f.leak.heap)}${f.leak.heapAfterGc ? ' after GC' : ' (not after GC)'}`,
    f.drift === null
      ? 'drift: no evidence'
      : `drift: early p99 ${f.drift.earlyP99Ms} ms, late p99 ${f.drift.lateP99Ms} ms, ratio ${f.drift.ratio} (windows of ${f.drift.windowIntervals} interval${f.drift.windowIntervals === 1 ? '' : 's'})`,
    `errors: ${f.errors} (rate ${fixed(f.errorRate, 6)}) ${JSON.stringify(f.errorsByCode)}; read mismatches ${f.readMismatches}`,
    `resources: peak RSS ${megabytes(f.peakRssBytes)}, last RSS ${megabytes(f.lastRssBytes)}, last heap ${megabytes(f.lastHeapUsedBytes)}, event-loop p99 median ${fixed(f.eventLoopDelayP99MsMedian, 1)} ms, max ${fixed(f.eventLoopDelayP99MsMax, 1)} ms, open fds max ${f.openFdsMax ?? 'n/a'}, WAL ${megabytes(f.walBytesLast)}, data ${megabytes(f.dataBytesLast)}`,
    '',
    verdictTable(report.checks),
    '',
    `${report.pass ? 'PASS' : 'FAIL'}: ${report.checks.filter((c) => !c.pass).length} of ${report.checks.length} verdicts failed`,
  ];
  return `${lines.join('\n')}\n`;
}

function verdictTable(checks: readonly Check[]): string {
  const rows = [
    ['verdict', 'value', 'threshold', 'result'],
    ...checks.map((c) => [c.name, String(c.value), c.threshold, c.pass ? 'pass' : 'FAIL']),
  ];
  const widths = [0, 1, 2].map((col) => Math.max(...rows.map((r) => (r[col] as string).length)));
  return rows
    .map((r) => r.map((cell, col) => (col < 3 ? cell.padEnd(widths[col] as number) : cell)).join('  '))
    .join('\n');
}

function byKindText(byKind: SoakFigures['latencyMsByKind']): string {
  const parts = Object.entries(byKind).map(([kind, latency]) => `${kind} ${latency.p99}`);
  return parts.length === 0 ? 'no evidence' : parts.join(', ');
}
