import { describe, expect, it } from 'vitest';
import { countsPercent, evidenceHref, renderHtml, reportCharts } from '../../src/readiness/report-html.ts';
import type { CategoryResult, CoverageCounts, ReadinessReport } from '../../src/readiness/types.ts';

function counts(statements: [number, number], branches: [number, number]): CoverageCounts {
  return {
    statements: { covered: statements[0], total: statements[1] },
    branches: { covered: branches[0], total: branches[1] },
    functions: { covered: 0, total: 0 },
    lines: { covered: statements[0], total: statements[1] },
  };
}

const hostileName = '<script>alert("pwned")</script>';

const durability: CategoryResult = {
  id: 'durability',
  name: 'Durability',
  required: 90,
  score: 50,
  previous: 95,
  status: 'fail',
  informational: false,
  regression: 45,
  checks: [
    {
      id: 'crash-kill',
      name: hostileName,
      weight: 1,
      score: 100,
      value: true,
      threshold: 'pass',
      noEvidence: false,
      detail: 'acknowledged writes survive & <b>bold</b>',
      evidence: ['run a/crash-kill.json', 'run a/crash-kill/history#1.jsonl'],
    },
    {
      id: 'corruption',
      name: 'Corruption detected',
      weight: 1,
      score: 0,
      value: null,
      threshold: 'pass',
      noEvidence: true,
      detail: 'no evidence: no corruption result in the run',
      evidence: [],
      required: 100,
    },
  ],
};

const deployment: CategoryResult = {
  id: 'deployment',
  name: 'Deployment',
  required: 80,
  score: 12.345,
  previous: null,
  status: 'informational',
  informational: true,
  why: 'packaging and backup/restore do not exist yet',
  checks: [
    {
      id: 'readme-scripts',
      name: 'README commands exist',
      weight: 2,
      score: 12.345,
      value: 12.345,
      threshold: '100 at >= 100 %, 0 at <= 0 %',
      noEvidence: false,
      detail: '1 of 8 commands found',
      evidence: [],
    },
    {
      id: 'text-value',
      name: 'Text value',
      weight: 1,
      score: 100,
      value: 'ok',
      threshold: 'pass',
      noEvidence: false,
      detail: '',
      evidence: ['static/facts.json'],
      required: 50,
    },
  ],
};

const stability: CategoryResult = {
  id: 'stability',
  name: 'Stability',
  required: 50,
  score: 60,
  previous: 55,
  status: 'pass',
  informational: false,
  checks: [],
};

const report: ReadinessReport = {
  schemaVersion: 1,
  generatedAt: '2026-11-02T10:00:00.000Z',
  gitCommit: 'abc123',
  inputs: ['run a', 'run-b'],
  baseline: 'reports/sample/readiness.json',
  policy: 'scenarios/readiness.policy.json',
  pass: false,
  categories: [durability, deployment, stability],
  coverage: [
    {
      module: 'engine/src/storage',
      unit: counts([90, 100], [40, 50]),
      e2e: null,
      union: counts([95, 100], [45, 50]),
    },
    { module: 'engine/src/fs', unit: counts([0, 0], [0, 0]), e2e: counts([1, 3], [0, 2]), union: null },
  ],
  charts: {
    soak: [
      {
        adapter: 'embedded',
        points: [
          { t: 0, rssMb: 100, heapMb: 40, p99Ms: 1.5 },
          { t: 10, rssMb: 110, heapMb: null, p99Ms: 2 },
        ],
      },
    ],
    scale: [],
    crashes: [{ label: 'crash-kill kills', count: 50 }],
  },
};

const html = renderHtml(report);

/** The text of the table row with the given data attribute. */
function row(attribute: string, value: string): string {
  const match = new RegExp(`<tr ${attribute}="${value}"[^>]*>(.*?)</tr>`).exec(html);
  if (match === null) throw new Error(`no row ${attribute}=${value}`);
  return match[1] as string;
}

function cells(rowHtml: string): string[] {
  return [...rowHtml.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1] as string);
}

describe('renderHtml', () => {
  it('is one document with no script, no external resource and no absolute link', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<html/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|url\(|\bsrc=/i);
    // The only absolute URL allowed is the SVG namespace, which is a name, not a request.
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] as string);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).not.toMatch(/^([a-z]+:|\/)/i);
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:/);
    // And the browser is told to refuse any script or fetched resource, should escaping ever fail.
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
  });

  it('renders a check name containing <script> as text', () => {
    expect(html).not.toContain(hostileName);
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(html).toContain('acknowledged writes survive &amp; &lt;b&gt;bold&lt;/b&gt;');
  });

  it('shows the verdict and the run it came from', () => {
    expect(html).toContain('<title>OmenDB readiness: FAIL</title>');
    expect(html).toContain('FAIL: below required: Durability');
    expect(html).toContain('abc123');
    expect(html).toContain('run a, run-b');
    expect(html).toContain('reports/sample/readiness.json');
    const passing = renderHtml({ ...report, pass: true, gitCommit: null, baseline: null, inputs: [] });
    expect(passing).toContain('PASS: every gating category meets its required score');
    expect(passing).toContain('<dd>unknown</dd>');
    expect(passing).toContain('none (no previous scores)');
  });

  it('lists every category with previous, current, required, change and a coloured status with text', () => {
    expect(cells(row('data-category', 'durability')).slice(1)).toEqual([
      '95',
      '50',
      '90',
      '-45 <span class="regression">regression −45</span>',
      '<span class="status status-fail">FAIL</span>',
    ]);
    expect(cells(row('data-category', 'deployment')).slice(1)).toEqual([
      '—',
      '12.35',
      '80',
      '',
      '<span class="status status-informational">informational</span>',
    ]);
    expect(cells(row('data-category', 'stability')).slice(1, 5)).toEqual(['55', '60', '50', '+5']);
    expect(row('data-category', 'stability')).toContain('<span class="status status-pass">pass</span>');
    expect(html).toContain('.status-fail{background:#f8d7da');
  });

  it('flags the regression against the baseline in the category section', () => {
    expect(html).toContain('regression −45</span> against the baseline (95 before, 50 now)');
    expect(html.match(/class="regression"/g)).toHaveLength(2);
  });

  it('marks an informational category with its why, in the table and in its section', () => {
    expect(row('data-category', 'deployment')).toContain(
      'informational: packaging and backup/restore do not exist yet',
    );
    expect(html).toContain('Informational, not gating: packaging and backup/restore do not exist yet');
    const noWhy = renderHtml({ ...report, categories: [{ ...deployment, why: undefined }] });
    expect(noWhy).toContain('Informational, not gating: no reason given');
  });

  it('shows every check with value, threshold, score, weight and links to its evidence', () => {
    const crash = cells(row('data-check', 'crash-kill'));
    expect(crash[1]).toBe('true');
    expect(crash[2]).toBe('pass');
    expect(crash[3]).toBe('100');
    expect(crash[4]).toBe('1');
    // Each path segment is percent-encoded, so a space or '#' stays part of the file name.
    expect(crash[5]).toBe(
      '<a data-evidence href="run%20a/crash-kill.json">run a/crash-kill.json</a><br>' +
        '<a data-evidence href="run%20a/crash-kill/history%231.jsonl">run a/crash-kill/history#1.jsonl</a>',
    );
    const fact = cells(row('data-check', 'readme-scripts'));
    expect(fact[1]).toBe('12.35');
    expect(fact[2]).toBe('100 at &gt;= 100 %, 0 at &lt;= 0 %');
    expect(fact[5]).toBe('<span class="detail">no file (verified at report time)</span>');
    const text = cells(row('data-check', 'text-value'));
    expect(text[1]).toBe('ok');
    expect(text[3]).toBe('100 <span class="detail">(required 50)</span>');
  });

  it("says 'no evidence' plainly for a check without evidence, with its score of 0", () => {
    const missing = row('data-check', 'corruption');
    const [, value, , score, , evidence] = cells(missing);
    expect(value).toBe('<span class="no-evidence">no evidence</span>');
    expect(score).toBe('0 <span class="detail">(required 100, FAIL)</span>');
    expect(evidence).toBe('<span class="no-evidence">no evidence</span>');
    expect(missing).toContain('no evidence: no corruption result in the run');
  });

  it('shows a dash for a null value that is not missing evidence', () => {
    const nullValue = renderHtml({
      ...report,
      categories: [{ ...stability, checks: [{ ...deployment.checks[1]!, id: 'null-value', value: null }] }],
    });
    expect(nullValue).toMatch(/<tr data-check="null-value"><td>.*?<\/td><td>—<\/td>/);
  });

  it('tables coverage per module from counts: unit, e2e and union, statements and branches', () => {
    expect(cells(row('data-module', 'engine/src/storage'))).toEqual([
      'engine/src/storage',
      '90.0 % <span class="detail">(90 / 100)</span>',
      '80.0 % <span class="detail">(40 / 50)</span>',
      'no data',
      'no data',
      '95.0 % <span class="detail">(95 / 100)</span>',
      '90.0 % <span class="detail">(45 / 50)</span>',
    ]);
    expect(cells(row('data-module', 'engine/src/fs')).slice(1, 5)).toEqual([
      'n/a <span class="detail">(0 / 0)</span>',
      'n/a <span class="detail">(0 / 0)</span>',
      '33.3 % <span class="detail">(1 / 3)</span>',
      '0.0 % <span class="detail">(0 / 2)</span>',
    ]);
    expect(renderHtml({ ...report, coverage: [] })).toContain('no coverage evidence');
  });

  it('draws every chart, with no data shown where a series is empty', () => {
    const names = [...html.matchAll(/<svg [^>]*data-chart="([^"]*)"/g)].map((m) => m[1]);
    expect(names).toEqual([
      'soak-memory',
      'soak-p99',
      'scale-throughput',
      'coverage-statements',
      'coverage-branches',
      'crash-counts',
    ]);
    const empty = [...html.matchAll(/<svg [^>]*data-chart="([^"]*)" data-empty="true"/g)].map((m) => m[1]);
    expect(empty).toEqual(['scale-throughput']);
    expect(html).toContain('data-legend="embedded RSS"');
    expect(html).toContain('data-legend="embedded heap"');
    expect(html).toContain('data-bar="engine/src/storage, union"');
    expect(html).toContain('data-bar="crash-kill kills, count"');
  });

  it('draws every chart as no data for a report without evidence', () => {
    const bare = reportCharts({ ...report, coverage: [], charts: { soak: [], scale: [], crashes: [] } });
    expect(bare).toHaveLength(6);
    for (const svg of bare) {
      expect(svg).toContain('data-empty="true"');
      expect(svg).toContain('>no data</text>');
    }
  });
});

describe('helpers', () => {
  it('countsPercent divides counts and refuses to invent a figure for nothing covered', () => {
    expect(countsPercent(counts([1, 4], [0, 0]), 'statements')).toBe(25);
    expect(countsPercent(counts([1, 4], [0, 0]), 'branches')).toBeNull();
    expect(countsPercent(null, 'statements')).toBeNull();
  });

  it('evidenceHref keeps slashes and encodes the rest', () => {
    expect(evidenceHref('a b/c?d#e.json')).toBe('a%20b/c%3Fd%23e.json');
    expect(evidenceHref('soak/intervals.jsonl')).toBe('soak/intervals.jsonl');
  });
});
