import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkDocumentedMetrics,
  exportedNames,
  metricsNamed,
  readmeMetricsExportedFact,
} from '../../../src/readiness/static-facts/readme-metrics-exported.ts';
import { fixtureRepo, removeFixture, repoRoot } from './fixture-repo.ts';
import { type SharedServer, startSharedServer } from './shared-server.ts';

const exposition = [
  '# HELP omendb_points_written_total Points written.',
  '# TYPE omendb_points_written_total counter',
  'omendb_points_written_total 12',
  '# TYPE omendb_query_duration_seconds histogram',
  'omendb_query_duration_seconds_bucket{le="0.1",op="get"} 3',
  'omendb_query_duration_seconds_sum{op="get"} 0.01',
  'process_open_fds 20',
  '',
].join('\n');

let shared: SharedServer;
let root: string | undefined;
beforeAll(async () => {
  shared = await startSharedServer();
});
afterAll(async () => {
  await shared.dispose();
});
afterEach(async () => {
  if (root !== undefined) await removeFixture(root);
  root = undefined;
});

describe('metricsNamed and exportedNames', () => {
  it('reads whole lowercase metric names from prose', () => {
    const text = 'see `omendb_points_written_total`, omendb_series, OMENDB_ERR_X and my_omendb_x, omendb_';
    expect(metricsNamed(text)).toEqual(new Set(['omendb_points_written_total', 'omendb_series']));
  });

  it('reads families and sample names from an exposition', () => {
    expect(exportedNames(exposition)).toEqual(
      new Set([
        'omendb_points_written_total',
        'omendb_query_duration_seconds',
        'omendb_query_duration_seconds_bucket',
        'omendb_query_duration_seconds_sum',
        'process_open_fds',
      ]),
    );
  });
});

describe('checkDocumentedMetrics', () => {
  it('passes when every named metric is exported, a histogram sample included', () => {
    const documents = [
      { path: 'README.md', text: '`omendb_points_written_total` grows; see docs.' },
      { path: 'docs/metrics.md', text: 'omendb_query_duration_seconds_bucket{le}' },
    ];
    expect(checkDocumentedMetrics(documents, exposition)).toMatchObject({ value: 100, pass: true });
  });

  it('fails on a named metric that is not exported, saying where it was named', () => {
    const documents = [
      { path: 'docs/metrics.md', text: 'omendb_points_written_total and omendb_gone_total' },
    ];
    const result = checkDocumentedMetrics(documents, exposition);
    expect(result).toMatchObject({ value: 50, pass: false });
    expect(result.detail).toContain('omendb_gone_total (named in docs/metrics.md, not exported)');
  });
});

describe('readmeMetricsExportedFact', () => {
  it('holds on the repository as it is: every metric the README names is exported', async () => {
    const result = await readmeMetricsExportedFact(shared.withServer).evaluate({ repoRoot, runDirs: [] });
    expect(result, result.detail).toMatchObject({ value: 100, pass: true });
  });

  it("holds against a running server's metrics for documents that name real ones", async () => {
    root = await fixtureRepo({
      'README.md': 'Under load `omendb_points_written_total` grows by the points written.',
      'docs/metrics.md': '- `omendb_memtable_bytes`\n- `omendb_http_request_duration_seconds_bucket`\n',
      'docs/notes.txt': 'omendb_not_markdown_so_not_read',
    });
    const result = await readmeMetricsExportedFact(shared.withServer).evaluate({
      repoRoot: root,
      runDirs: [],
    });
    expect(result).toMatchObject({ value: 100, pass: true });
    expect(result.detail).toMatch(/^3\/3 metrics named in README\.md, docs\/metrics\.md/);
  });

  it('fails when the docs name a metric the server does not export', async () => {
    root = await fixtureRepo({
      'README.md': '`omendb_points_written_total` and `omendb_backups_total`',
    });
    const result = await readmeMetricsExportedFact(shared.withServer).evaluate({
      repoRoot: root,
      runDirs: [],
    });
    expect(result).toMatchObject({ value: 50, pass: false });
    expect(result.detail).toContain('omendb_backups_total (named in README.md, not exported)');
  });

  it('is no evidence without a README', async () => {
    root = await fixtureRepo({});
    const result = await readmeMetricsExportedFact(shared.withServer).evaluate({
      repoRoot: root,
      runDirs: [],
    });
    expect(result.detail).toMatch(/^no evidence: ENOENT/);
  });
});
