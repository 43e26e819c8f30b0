import type { CategoryResult, CheckResult, ReadinessReport } from './types.ts';

/**
 * readiness.md: the category table (category, previous, current, required, status), then every
 * check of every category with its value, threshold, score and evidence links; regressions
 * against the baseline and checks without evidence are flagged in words, not only in colour.
 */

/** Markdown table cells: pipes and newlines would break the row. */
function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ');
}

function score(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}

export function categoryStatus(category: CategoryResult): string {
  const status = category.status === 'informational' ? 'informational' : category.status.toUpperCase();
  return category.regression === undefined
    ? status
    : `${status}, REGRESSION -${category.regression.toFixed(1)}`;
}

/** The category table as plain text columns (what the report command prints). */
export function formatCategoryTable(report: ReadinessReport): string {
  const rows = [
    ['category', 'previous', 'current', 'required', 'status'],
    ...report.categories.map((c) => [
      c.name,
      score(c.previous),
      score(c.score),
      score(c.required),
      categoryStatus(c),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) =>
    row
      .map((text, i) =>
        i === 0 || i === row.length - 1 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n\noverall: ${report.pass ? 'PASS' : 'FAIL'} (every non-informational category at or above its required score)\n`;
}

function value(check: CheckResult): string {
  if (check.noEvidence) return 'no evidence';
  return typeof check.value === 'number'
    ? String(Math.round(check.value * 1000) / 1000)
    : String(check.value);
}

function links(check: CheckResult): string {
  if (check.evidence.length === 0) return '-';
  return check.evidence.map((path) => `[${cell(path)}](${encodeURI(path)})`).join('<br>');
}

function checkRow(check: CheckResult): string {
  const name = check.noEvidence ? `${check.name} (NO EVIDENCE)` : check.name;
  return `| ${cell(name)} | ${check.weight} | ${cell(value(check))} | ${cell(check.threshold)} | ${check.score.toFixed(1)} | ${cell(check.detail)} | ${links(check)} |`;
}

function categorySection(category: CategoryResult): string {
  const lines = [
    `### ${cell(category.name)}: ${score(category.score)} of ${score(category.required)} required, ${categoryStatus(category)}`,
    '',
  ];
  if (category.informational) lines.push(`Informational (never gates): ${category.why ?? ''}`, '');
  if (category.regression !== undefined)
    lines.push(
      `**Regression**: ${score(category.previous)} in the baseline, ${score(category.score)} now (-${category.regression.toFixed(1)}).`,
      '',
    );
  lines.push(
    '| check | weight | value | threshold | score | detail | evidence |',
    '|---|---:|---|---|---:|---|---|',
    ...category.checks.map(checkRow),
    '',
  );
  return lines.join('\n');
}

export function renderMarkdown(report: ReadinessReport): string {
  const regressions = report.categories.filter((c) => c.regression !== undefined);
  const lines = [
    '# OmenDB readiness',
    '',
    `Generated ${report.generatedAt} from ${report.inputs.map((i) => `\`${i}\``).join(', ')}` +
      ` (commit ${report.gitCommit ?? 'unknown'}), policy \`${report.policy}\`` +
      (report.baseline === null ? ', no baseline.' : `, baseline \`${report.baseline}\`.`),
    '',
    `**Overall: ${report.pass ? 'PASS' : 'FAIL'}**` +
      (regressions.length === 0 ? '' : `; regressions in ${regressions.map((c) => c.name).join(', ')}`),
    '',
    '| category | previous | current | required | status |',
    '|---|---:|---:|---:|---|',
    ...report.categories.map(
      (c) =>
        `| ${cell(c.name)} | ${score(c.previous)} | ${score(c.score)} | ${score(c.required)} | ${cell(categoryStatus(c))} |`,
    ),
    '',
    '## Checks',
    '',
    ...report.categories.map(categorySection),
  ];
  return `${lines.join('\n')}\n`;
}
