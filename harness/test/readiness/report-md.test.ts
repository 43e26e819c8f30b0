import { describe, expect, it } from 'vitest';
import { formatCategoryTable, renderMarkdown } from '../../src/readiness/report-md.ts';
import type { CheckResult, ReadinessReport } from '../../src/readiness/types.ts';

const check = (extra: Partial<CheckResult> = {}): CheckResult => ({
  id: 'c',
  name: 'A | check',
  weight: 2,
  score: 50,
  value: 0.12345,
  threshold: '== 0',
  noEvidence: false,
  detail: 'line one\nline two',
  evidence: ['../run/scale.json', '../run/a b.json'],
  ...extra,
});

const report: ReadinessReport = {
  schemaVersion: 1,
  generatedAt: '2025-01-01T00:00:00.000Z',
  gitCommit: null,
  inputs: ['../run'],
  baseline: 'previous.json',
  policy: 'scenarios/readiness.policy.json',
  pass: false,
  categories: [
    {
      id: 'stability',
      name: 'Stability',
      required: 70,
      score: 63.7,
      previous: 72.7,
      status: 'fail',
      informational: false,
      regression: 9,
      checks: [
        check(),
        check({
          id: 'd',
          name: 'Missing',
          noEvidence: true,
          value: null,
          score: 0,
          detail: 'no evidence: x',
          evidence: [],
        }),
      ],
    },
    {
      id: 'deployment',
      name: 'Deployment',
      required: 50,
      score: 0,
      previous: null,
      status: 'informational',
      informational: true,
      why: 'backup does not exist yet',
      checks: [check({ value: true })],
    },
  ],
  coverage: [],
  charts: { soak: [], scale: [], crashes: [] },
};

describe('readiness.md', () => {
  it('has the category table with previous, current, required and status, regressions flagged', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('| category | previous | current | required | status |');
    expect(md).toContain('| Stability | 72.7 | 63.7 | 70.0 | FAIL, REGRESSION -9.0 |');
    expect(md).toContain('| Deployment | - | 0.0 | 50.0 | informational |');
    expect(md).toContain('**Overall: FAIL**; regressions in Stability');
    expect(md).toContain('**Regression**: 72.7 in the baseline, 63.7 now (-9.0).');
    expect(md).toContain('Informational (never gates): backup does not exist yet');
    expect(md).toContain('baseline `previous.json`');
  });

  it('lists every check with value, threshold, score and escaped evidence links', () => {
    const md = renderMarkdown(report);
    expect(md).toContain(
      '| A \\| check | 2 | 0.123 | == 0 | 50.0 | line one line two | [../run/scale.json](../run/scale.json)<br>[../run/a b.json](../run/a%20b.json) |',
    );
    expect(md).toContain('| Missing (NO EVIDENCE) | 2 | no evidence | == 0 | 0.0 | no evidence: x | - |');
    expect(renderMarkdown({ ...report, baseline: null, pass: true, categories: [] })).toContain(
      'no baseline.',
    );
  });

  it('prints the category table as aligned text', () => {
    const table = formatCategoryTable(report);
    expect(table.split('\n').slice(0, 3)).toEqual([
      'category    previous  current  required  status',
      'Stability       72.7     63.7      70.0  FAIL, REGRESSION -9.0',
      'Deployment         -      0.0      50.0  informational',
    ]);
    expect(table).toContain('overall: FAIL');
  });
});
