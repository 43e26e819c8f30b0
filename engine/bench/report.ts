import { writeFile } from 'node:fs/promises';
import { type BenchResult, contenderOf, resultSections, sectionOf } from './results.ts';
import type { TargetOutcome } from './targets.ts';

/** Everything a run measured, as printed and as written with --json. */
export interface BenchReport {
  readonly meta: {
    readonly points: number;
    readonly seed: number;
    readonly node: string;
    readonly date: string;
    readonly cpus: number;
    readonly cpu_model: string;
    readonly probes: number;
    readonly repeats: number;
    readonly range_scans: number;
    readonly aggregate_pass_ms: number;
    readonly lookup_batch_ops: number;
    readonly wall_s: number;
  };
  readonly results: BenchResult[];
  readonly targets: TargetOutcome[];
  /** Measurements that could not be made, and why. */
  readonly unavailable: string[];
  /** Measured side figures (index shapes, checkpoint times) that explain the main ones. */
  readonly notes: string[];
}

const sectionTitles: Record<(typeof resultSections)[number], string> = {
  ingest:
    'Durable ingest, one pass (batches of 10,000 points, each durable before the next; latency per batch)',
  memory:
    'Memory per point of an opened engine, after full GCs: rss = RSS added by the open, in a fresh ' +
    'process; retained = V8 heap + ArrayBuffer bytes the open added, in this process',
  disk: 'Bytes on disk per point (engine after checkpoint + compact; SQLite after a WAL checkpoint)',
  open: 'Engine open time (read, verify and decode the segment, build the key index)',
  lookup:
    'Point lookups of existing keys in random order (p50/p99 of per-op means over batches); rmi, binary ' +
    'and btree in one contest, engine.get and SQLite in another',
  range: 'Range scans of 1,000 points from a random key (per scan)',
  aggregate: 'Aggregates: count, sum, min, max, mean (whole window, and per 1-minute bucket)',
};

export function formatNs(ns: number): string {
  if (ns < 10) return `${ns.toFixed(2)} ns`;
  if (ns < 1000) return `${ns.toFixed(1)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} us`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function formatRate(perS: number): string {
  if (perS >= 1e6) return `${(perS / 1e6).toFixed(2)} M`;
  if (perS >= 1e3) return `${(perS / 1e3).toFixed(1)} k`;
  return perS.toFixed(1);
}

function formatRatio(ratio: number): string {
  return `${ratio >= 100 ? ratio.toFixed(0) : ratio.toPrecision(3)}x`;
}

function formatMeasured(outcome: TargetOutcome): string {
  if (outcome.unit === 'x') return formatRatio(outcome.measured);
  if (outcome.unit === 'points/s') return `${formatRate(outcome.measured)} points/s`;
  return `${outcome.measured.toFixed(1)} bytes/point`;
}

function targetCell(outcome: TargetOutcome): string {
  const caveat = outcome.caveat === undefined ? '' : ' (*)';
  return `${outcome.met ? 'met' : 'MISSED'} ${outcome.short}${caveat}`;
}

/** A plain-text table: left-aligned first two columns, the rest right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** The figure columns a section shows, in order, when any of its results has them. */
const figureColumns: readonly {
  readonly title: string;
  readonly cell: (result: BenchResult) => string | undefined;
}[] = [
  { title: 'p50', cell: (r) => (r.p50_ns === undefined ? undefined : formatNs(r.p50_ns)) },
  { title: 'p99', cell: (r) => (r.p99_ns === undefined ? undefined : formatNs(r.p99_ns)) },
  { title: 'ops/s', cell: (r) => (r.ops_per_s === undefined ? undefined : formatRate(r.ops_per_s)) },
  {
    title: 'records/s',
    cell: (r) => (r.records_per_s === undefined ? undefined : formatRate(r.records_per_s)),
  },
  { title: 'bytes/point', cell: (r) => r.bytes_per_point?.toFixed(2) },
  { title: 'open', cell: (r) => (r.open_ms === undefined ? undefined : formatNs(r.open_ms * 1e6)) },
  {
    title: 'spread',
    cell: (r) => (r.spread === undefined ? undefined : `${(r.spread * 100).toFixed(0)}%`),
  },
];

function sectionTable(results: readonly BenchResult[], outcomes: readonly TargetOutcome[]): string {
  const columns = figureColumns.filter((column) => results.some((r) => column.cell(r) !== undefined));
  const ratioKeys = [...new Set(results.flatMap((r) => Object.keys(r.ratios)))];
  const header = [
    'distribution',
    'contender',
    ...columns.map((c) => c.title),
    ...ratioKeys.map((key) => key.replace('_', ' ').replaceAll('_', '-')),
    'target',
  ];
  const rows = results.map((result) => [
    result.distribution,
    contenderOf(result),
    ...columns.map((column) => column.cell(result) ?? '-'),
    ...ratioKeys.map((key) => {
      const ratio = result.ratios[key];
      return ratio === undefined ? '' : formatRatio(ratio);
    }),
    outcomes
      .filter((o) => o.name === result.name && o.distribution === result.distribution)
      .map(targetCell)
      .join('; '),
  ]);
  return table(header, rows);
}

/** The whole printed report: a table per section, then the targets, notes and what was unavailable. */
export function formatReport(report: BenchReport): string {
  const { meta } = report;
  const parts: string[] = [
    `OmenDB benchmark: ${meta.points} points, seed ${meta.seed}, node ${meta.node}, ${meta.cpus} cpus (${meta.cpu_model}), ${meta.date}`,
    `Lookups: ${meta.probes} probes per pass, batches of ${meta.lookup_batch_ops}; ${meta.range_scans} range scans and ` +
      `aggregate queries repeated for ${meta.aggregate_pass_ms} ms per pass. Lookup, range and aggregate figures ` +
      `are medians of ${meta.repeats} interleaved passes (spread: (max - min) / median of the passes' ` +
      'throughput); ingest, memory, disk and open figures are one measurement each. Ratios: times better than the baseline.',
    'Target cells marked (*) were measured below the data size the target is stated for.',
  ];
  for (const section of resultSections) {
    const results = report.results.filter((r) => sectionOf(r) === section);
    if (results.length === 0) continue;
    parts.push('', `## ${sectionTitles[section]}`, sectionTable(results, report.targets));
  }
  if (report.targets.length > 0) {
    parts.push(
      '',
      '## Targets (shown, not asserted)',
      table(
        ['target', 'distribution', 'measured', 'result'],
        report.targets.map((o) => [
          o.target,
          o.distribution,
          formatMeasured(o),
          `${o.met ? 'met' : 'MISSED'}${o.caveat === undefined ? '' : ` (${o.caveat})`}`,
        ]),
      ),
    );
    const met = report.targets.filter((o) => o.met).length;
    parts.push(`${met} of ${report.targets.length} target figures met.`);
  }
  if (report.notes.length > 0) parts.push('', '## Notes (measured)', ...report.notes.map((n) => `- ${n}`));
  if (report.unavailable.length > 0)
    parts.push('', '## Not available', ...report.unavailable.map((n) => `- ${n}`));
  parts.push('', `Wall time ${meta.wall_s.toFixed(1)} s.`);
  return parts.join('\n');
}

export async function writeJsonReport(file: string, report: BenchReport): Promise<void> {
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
