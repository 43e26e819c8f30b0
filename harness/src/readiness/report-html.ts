import { barChart, escapeXml as esc, formatNumber, lineChart } from './svg-charts.ts';
import type {
  CategoryResult,
  CheckResult,
  CoverageCounts,
  ModuleCoverage,
  ReadinessCharts,
  ReadinessReport,
} from './types.ts';

/**
 * readiness.html: one self-contained file (inline CSS and SVG, no script, no font, no request
 * beyond its own evidence links) that a reviewer opens from the output directory. Every figure is
 * the report's own (computed from evidence); every piece of text from the report is escaped, since
 * check names, details and paths come from files the harness does not control.
 */
export function renderHtml(report: ReadinessReport): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // The browser itself refuses any script or fetched resource: escaping is the first defence, this the second.
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}">`,
    `<title>OmenDB readiness: ${report.pass ? 'PASS' : 'FAIL'}</title>`,
    `<style>${css}</style></head><body>`,
    header(report),
    categoryTable(report.categories),
    '<h2 id="checks">Checks</h2>',
    ...report.categories.map(categorySection),
    coverageSection(report.coverage),
    chartsSection(report),
    '</body></html>',
    '',
  ].join('\n');
}

const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";

const css = [
  'body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}',
  'table{border-collapse:collapse;margin:8px 0 24px}',
  'th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}',
  'th{background:#f3f3f3}',
  'td.num{text-align:right;white-space:nowrap}',
  '.status{font-weight:bold;padding:2px 6px;border-radius:3px;white-space:nowrap}',
  '.status-pass{background:#d4edda;color:#155724}',
  '.status-fail{background:#f8d7da;color:#721c24}',
  '.status-informational{background:#e2e3f3;color:#383d71}',
  '.verdict{font-size:1.2em;padding:8px 12px;border-radius:4px;display:inline-block}',
  '.regression{background:#fff3cd;color:#856404;font-weight:bold;padding:2px 6px;border-radius:3px}',
  '.no-evidence{color:#721c24;font-weight:bold}',
  '.detail{color:#555;font-size:.9em}',
  '.why{color:#383d71;font-style:italic}',
  '.charts svg{display:block;margin:12px 0}',
].join('');

function header(report: ReadinessReport): string {
  const failing = report.categories.filter((c) => c.status === 'fail').map((c) => c.name);
  const verdict = report.pass
    ? '<span class="verdict status-pass">PASS: every gating category meets its required score</span>'
    : `<span class="verdict status-fail">FAIL: below required: ${esc(failing.join(', ') || 'see the table')}</span>`;
  const inputs = report.inputs.length === 0 ? 'none' : report.inputs.map(esc).join(', ');
  return [
    '<h1>OmenDB readiness</h1>',
    `<p>${verdict}</p>`,
    '<dl>',
    `<dt>Generated</dt><dd>${esc(report.generatedAt)}</dd>`,
    `<dt>Commit</dt><dd>${esc(report.gitCommit ?? 'unknown')}</dd>`,
    `<dt>Run directories</dt><dd>${inputs}</dd>`,
    `<dt>Baseline</dt><dd>${esc(report.baseline ?? 'none (no previous scores)')}</dd>`,
    `<dt>Policy</dt><dd>${esc(report.policy)}</dd>`,
    '</dl>',
  ].join('\n');
}

function statusBadge(status: CategoryResult['status']): string {
  const text = status === 'pass' ? 'pass' : status === 'fail' ? 'FAIL' : 'informational';
  return `<span class="status status-${status}">${text}</span>`;
}

function score(value: number | null): string {
  return value === null ? '—' : formatNumber(value);
}

function change(category: CategoryResult): string {
  const parts: string[] = [];
  if (category.previous !== null) {
    const delta = category.score - category.previous;
    parts.push(`${delta > 0 ? '+' : ''}${formatNumber(delta)}`);
  }
  if (category.regression !== undefined) {
    parts.push(`<span class="regression">regression −${formatNumber(category.regression)}</span>`);
  }
  return parts.join(' ');
}

function categoryTable(categories: readonly CategoryResult[]): string {
  const rows = categories.map((c) => {
    const why = c.informational
      ? `<div class="why">informational: ${esc(c.why ?? 'no reason given')}</div>`
      : '';
    return (
      `<tr data-category="${esc(c.id)}"><td><a href="#cat-${esc(c.id)}">${esc(c.name)}</a>${why}</td>` +
      `<td class="num">${score(c.previous)}</td><td class="num">${score(c.score)}</td>` +
      `<td class="num">${score(c.required)}</td><td>${change(c)}</td><td>${statusBadge(c.status)}</td></tr>`
    );
  });
  return [
    '<h2 id="categories">Categories</h2>',
    '<table class="categories"><thead><tr><th>Category</th><th>Previous</th><th>Current</th>',
    '<th>Required</th><th>Change</th><th>Status</th></tr></thead><tbody>',
    ...rows,
    '</tbody></table>',
  ].join('\n');
}

function categorySection(category: CategoryResult): string {
  const notes: string[] = [];
  if (category.informational) {
    notes.push(`<p class="why">Informational, not gating: ${esc(category.why ?? 'no reason given')}</p>`);
  }
  if (category.regression !== undefined) {
    notes.push(
      `<p><span class="regression">regression −${formatNumber(category.regression)}</span> against the baseline ` +
        `(${score(category.previous)} before, ${score(category.score)} now)</p>`,
    );
  }
  return [
    `<section id="cat-${esc(category.id)}" data-category="${esc(category.id)}">`,
    `<h3>${esc(category.name)}: ${score(category.score)} of ${score(category.required)} required ${statusBadge(category.status)}</h3>`,
    ...notes,
    '<table class="checks"><thead><tr><th>Check</th><th>Value</th><th>Threshold</th><th>Score</th>',
    '<th>Weight</th><th>Evidence</th></tr></thead><tbody>',
    ...category.checks.map(checkRow),
    '</tbody></table></section>',
  ].join('\n');
}

function checkValue(check: CheckResult): string {
  if (check.noEvidence) return '<span class="no-evidence">no evidence</span>';
  if (check.value === null) return '—';
  if (typeof check.value === 'number') return formatNumber(check.value);
  return esc(String(check.value));
}

function checkScore(check: CheckResult): string {
  const own =
    check.required === undefined
      ? ''
      : ` <span class="detail">(required ${formatNumber(check.required)}${check.score < check.required ? ', FAIL' : ''})</span>`;
  return `${formatNumber(check.score)}${own}`;
}

/** A relative path as an href: each segment percent-encoded, so '#', '?' or a space stay part of the name. */
export function evidenceHref(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function evidenceLinks(check: CheckResult): string {
  if (check.noEvidence) return '<span class="no-evidence">no evidence</span>';
  if (check.evidence.length === 0) return '<span class="detail">no file (verified at report time)</span>';
  return check.evidence
    .map((path) => `<a data-evidence href="${esc(evidenceHref(path))}">${esc(path)}</a>`)
    .join('<br>');
}

function checkRow(check: CheckResult): string {
  return (
    `<tr data-check="${esc(check.id)}"${check.noEvidence ? ' class="no-evidence-row"' : ''}>` +
    `<td>${esc(check.name)}<div class="detail">${esc(check.detail)}</div></td>` +
    `<td>${checkValue(check)}</td><td>${esc(check.threshold)}</td>` +
    `<td class="num">${checkScore(check)}</td><td class="num">${formatNumber(check.weight)}</td>` +
    `<td>${evidenceLinks(check)}</td></tr>`
  );
}

type CountsKey = keyof CoverageCounts;

/** Covered / total as a percentage, or null when there is nothing to cover (never a made-up 100 %). */
export function countsPercent(counts: CoverageCounts | null, key: CountsKey): number | null {
  if (counts === null || counts[key].total === 0) return null;
  return (counts[key].covered / counts[key].total) * 100;
}

function coverageCell(counts: CoverageCounts | null, key: CountsKey): string {
  if (counts === null) return '<td class="num no-evidence">no data</td>';
  const { covered, total } = counts[key];
  const pct = countsPercent(counts, key);
  const text = pct === null ? 'n/a' : `${pct.toFixed(1)} %`;
  return `<td class="num">${text} <span class="detail">(${formatNumber(covered)} / ${formatNumber(total)})</span></td>`;
}

function coverageSection(coverage: readonly ModuleCoverage[]): string {
  const head =
    '<table class="coverage"><thead><tr><th rowspan="2">Module</th><th colspan="2">Unit</th>' +
    '<th colspan="2">End to end</th><th colspan="2">Union</th></tr><tr>' +
    '<th>Statements</th><th>Branches</th>'.repeat(3) +
    '</tr></thead><tbody>';
  const rows = coverage.map(
    (m) =>
      `<tr data-module="${esc(m.module)}"><td>${esc(m.module)}</td>` +
      [m.unit, m.e2e, m.union]
        .map((c) => coverageCell(c, 'statements') + coverageCell(c, 'branches'))
        .join('') +
      '</tr>',
  );
  const empty = coverage.length === 0 ? '<p class="no-evidence">no coverage evidence</p>' : '';
  return ['<h2 id="coverage">Coverage by module</h2>', empty, head, ...rows, '</tbody></table>'].join('\n');
}

/** The report's charts, named by their data-chart attribute. */
export function reportCharts(report: ReadinessReport): string[] {
  const { soak, scale, crashes }: ReadinessCharts = report.charts;
  const modules = report.coverage.map((m) => m.module);
  const coverageSeries = (key: CountsKey) =>
    (['unit', 'e2e', 'union'] as const).map((source) => ({
      label: source,
      values: report.coverage.map((m) => countsPercent(m[source], key)),
    }));
  return [
    lineChart({
      name: 'soak-memory',
      title: 'Soak: memory over time',
      xLabel: 'time (s)',
      yLabel: 'MB',
      series: soak.flatMap((s) => [
        { label: `${s.adapter} RSS`, points: s.points.map((p) => ({ x: p.t, y: p.rssMb })) },
        { label: `${s.adapter} heap`, points: s.points.map((p) => ({ x: p.t, y: p.heapMb })) },
      ]),
    }),
    lineChart({
      name: 'soak-p99',
      title: 'Soak: p99 latency over time',
      xLabel: 'time (s)',
      yLabel: 'p99 (ms)',
      series: soak.map((s) => ({ label: s.adapter, points: s.points.map((p) => ({ x: p.t, y: p.p99Ms })) })),
    }),
    lineChart({
      name: 'scale-throughput',
      title: 'Scale: ingest throughput over time',
      xLabel: 'time (s)',
      yLabel: 'points/s',
      series: scale.map((s) => ({
        label: `${s.adapter} ${s.shape}`,
        points: s.points.map((p) => ({ x: p.t, y: p.pointsPerSec })),
      })),
    }),
    barChart({
      name: 'coverage-statements',
      title: 'Coverage by module: statements',
      valueLabel: 'statements covered (%)',
      categories: modules,
      series: coverageSeries('statements'),
      max: 100,
      unit: ' %',
    }),
    barChart({
      name: 'coverage-branches',
      title: 'Coverage by module: branches',
      valueLabel: 'branches covered (%)',
      categories: modules,
      series: coverageSeries('branches'),
      max: 100,
      unit: ' %',
    }),
    barChart({
      name: 'crash-counts',
      title: 'Crashes applied',
      valueLabel: 'count',
      categories: crashes.map((c) => c.label),
      series: [{ label: 'count', values: crashes.map((c) => c.count) }],
    }),
  ];
}

function chartsSection(report: ReadinessReport): string {
  return ['<h2 id="charts">Charts</h2>', '<div class="charts">', ...reportCharts(report), '</div>'].join(
    '\n',
  );
}
