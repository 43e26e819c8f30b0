import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkReportInBrowser,
  chromiumPath,
  type FactsElement,
  isRunFile,
  pageFacts,
} from '../../src/readiness/browser-check.ts';
import { renderHtml } from '../../src/readiness/report-html.ts';
import type { CheckResult, CoverageCounts, ReadinessReport } from '../../src/readiness/types.ts';

/**
 * readiness.html in a real browser (Debian's headless Chromium via playwright-core): it loads
 * without an error, every chart has a size, every evidence link leads to a file of the run, and
 * the screenshot is a real PNG. A second page, broken on purpose, proves the check sees each fault.
 */

const missingChromium = `Debian's chromium is missing at ${chromiumPath}: install it with 'apt-get install chromium' (.ci/run does)`;

/** Evidence files of the fixture run, relative to the run directory (where readiness.html goes). */
const evidenceFiles = [
  'run-embedded/soak.json',
  'run-embedded/soak/intervals.jsonl',
  'run-embedded/scale.json',
  'run-embedded/scale/ingest-one.json',
  'run-http/crash-kill.json',
  'run a/crash-kill/history#1.jsonl',
  'tests/vitest-results.json',
  'coverage/unit/coverage-summary.json',
];

function check(id: string, evidence: readonly string[], overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    name: id,
    weight: 1,
    score: 100,
    value: true,
    threshold: 'pass',
    noEvidence: false,
    detail: `${id} passed`,
    evidence,
    ...overrides,
  };
}

function counts(covered: number, total: number): CoverageCounts {
  const c = { covered, total };
  return { statements: c, branches: { covered: Math.floor(covered / 2), total }, functions: c, lines: c };
}

const report: ReadinessReport = {
  schemaVersion: 1,
  generatedAt: '2026-11-02T10:00:00.000Z',
  gitCommit: '8f140df',
  inputs: ['run-embedded', 'run-http'],
  baseline: null,
  policy: 'scenarios/readiness.policy.json',
  pass: false,
  categories: [
    {
      id: 'durability',
      name: 'Durability',
      required: 90,
      score: 50,
      previous: null,
      status: 'fail',
      informational: false,
      checks: [
        check('crash-kill', ['run-http/crash-kill.json', 'run a/crash-kill/history#1.jsonl']),
        check('corruption', [], {
          name: '<script>alert(1)</script>',
          score: 0,
          value: null,
          noEvidence: true,
          detail: 'no evidence: no corruption result',
        }),
      ],
    },
    {
      id: 'stability',
      name: 'Stability',
      required: 50,
      score: 0.1,
      previous: null,
      status: 'fail',
      informational: false,
      checks: [
        check('soak-duration', ['run-embedded/soak.json', 'run-embedded/soak/intervals.jsonl'], {
          score: 0.07,
          value: 60,
        }),
      ],
    },
    {
      id: 'scale-validation',
      name: 'Scale Validation',
      required: 80,
      score: 100,
      previous: null,
      status: 'pass',
      informational: false,
      checks: [check('scale-ingest', ['run-embedded/scale.json', 'run-embedded/scale/ingest-one.json'])],
    },
    {
      id: 'unit-tests',
      name: 'Unit Tests',
      required: 90,
      score: 100,
      previous: null,
      status: 'pass',
      informational: false,
      checks: [
        check('tests-pass', ['tests/vitest-results.json'], { value: 100 }),
        check('coverage', ['coverage/unit/coverage-summary.json'], { value: 91.5 }),
      ],
    },
    {
      id: 'deployment',
      name: 'Deployment',
      required: 80,
      score: 0,
      previous: null,
      status: 'informational',
      informational: true,
      why: 'packaging and backup/restore do not exist yet',
      checks: [check('packaging', [], { score: 0, value: false })],
    },
  ],
  coverage: [
    {
      module: 'engine/src/storage',
      unit: counts(900, 1000),
      e2e: counts(700, 1000),
      union: counts(950, 1000),
    },
    { module: 'engine/src/server', unit: counts(800, 1000), e2e: null, union: counts(800, 1000) },
  ],
  charts: {
    soak: [
      {
        adapter: 'embedded',
        points: Array.from({ length: 7 }, (_, i) => ({
          t: i * 10,
          rssMb: 120 + i,
          heapMb: 40 + i / 2,
          p99Ms: 1 + (i % 3),
        })),
      },
    ],
    scale: [
      {
        adapter: 'embedded',
        shape: 'one',
        points: Array.from({ length: 5 }, (_, i) => ({ t: i, pointsPerSec: 200_000 + i * 10_000 })),
      },
    ],
    // Empty on purpose: an empty chart must still draw ('no data') with a size.
    crashes: [],
  },
};

function isPng(bytes: Buffer): boolean {
  return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

let dir: string;
let runDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-report-html-'));
  runDir = join(dir, 'run');
  for (const file of evidenceFiles) {
    await mkdir(dirname(join(runDir, file)), { recursive: true });
    await writeFile(join(runDir, file), `{"evidence": ${JSON.stringify(file)}}\n`);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readiness.html in headless Chromium', () => {
  it('finds Debian chromium (a missing browser fails, never skips)', () => {
    expect(existsSync(chromiumPath), missingChromium).toBe(true);
  });

  it('loads without errors, draws every chart, links only to files of the run, and screenshots', async () => {
    const htmlPath = join(runDir, 'readiness.html');
    await writeFile(htmlPath, renderHtml(report));
    const result = await checkReportInBrowser(htmlPath, runDir);
    const screenshot = await readFile(result.screenshot);
    console.log(
      `browser check: ${result.charts.length} charts (${result.charts.map((c) => `${c.name} ${c.width}x${c.height}`).join(', ')}), ` +
        `${result.links.length} evidence links (${result.links.filter((l) => l.exists).length} resolve), ` +
        `${result.consoleErrors.length} console errors, screenshot ${screenshot.length} bytes`,
    );
    expect(result.consoleErrors).toEqual([]);
    expect(result.charts.map((c) => c.name)).toEqual([
      'soak-memory',
      'soak-p99',
      'scale-throughput',
      'coverage-statements',
      'coverage-branches',
      'crash-counts',
    ]);
    for (const chart of result.charts) {
      expect(chart.width, chart.name).toBeGreaterThan(0);
      expect(chart.height, chart.name).toBeGreaterThan(0);
    }
    // Every evidence path of every check is a link, and every link resolves to a file of the run.
    const expected = report.categories.flatMap((c) => c.checks.flatMap((k) => k.evidence));
    expect(result.links).toHaveLength(expected.length);
    expect(result.links.filter((l) => !l.exists)).toEqual([]);
    expect(result.links.map((l) => decodeURIComponent(l.href))).toEqual(expected);
    expect(result.screenshot).toBe(join(runDir, 'screenshot.png'));
    expect(isPng(screenshot)).toBe(true);
    // IHDR: the width is the viewport's, the full page is taller than one chart.
    expect(screenshot.readUInt32BE(16)).toBe(1280);
    expect(screenshot.readUInt32BE(20)).toBeGreaterThan(900);
  });

  it('reports each fault of a broken page: errors, an empty chart, dead and outside links, a request out', async () => {
    const brokenDir = join(dir, 'broken');
    await mkdir(brokenDir, { recursive: true });
    await writeFile(join(dir, 'outside.txt'), 'not part of the run\n');
    await writeFile(join(brokenDir, 'present.txt'), 'evidence\n');
    const htmlPath = join(brokenDir, 'readiness.html');
    await writeFile(
      htmlPath,
      [
        '<!doctype html><html><head><meta charset="utf-8"><title>broken</title></head><body>',
        '<svg data-chart="drawn" width="100" height="50" viewBox="0 0 100 50"><rect width="100" height="50"/></svg>',
        '<svg data-chart="zero" width="0" height="0"></svg>',
        '<a data-evidence href="present.txt">present</a>',
        '<a data-evidence href="missing.txt">missing</a>',
        '<a data-evidence href="../outside.txt">outside</a>',
        '<a data-evidence href="https://127.0.0.1:9/x">remote</a>',
        '<a data-evidence href="./">the run directory itself</a>',
        '<img src="http://127.0.0.1:9/pixel.png" alt="">',
        '<script>console.error("logged error"); throw new Error("uncaught boom");</script>',
        '</body></html>',
      ].join('\n'),
    );
    const result = await checkReportInBrowser(htmlPath, brokenDir);
    console.log(
      `broken page: ${result.consoleErrors.length} errors seen: ${result.consoleErrors.join(' | ')}`,
    );
    expect(result.charts).toEqual([
      { name: 'drawn', width: 100, height: 50 },
      { name: 'zero', width: 0, height: 0 },
    ]);
    expect(result.links).toEqual([
      { href: 'present.txt', exists: true },
      { href: 'missing.txt', exists: false },
      { href: '../outside.txt', exists: false },
      { href: 'https://127.0.0.1:9/x', exists: false },
      { href: './', exists: false },
    ]);
    const errors = result.consoleErrors.join('\n');
    expect(errors).toContain('console: logged error');
    expect(errors).toContain('page error: uncaught boom');
    expect(errors).toContain('external request: http://127.0.0.1:9/pixel.png');
    expect(isPng(await readFile(result.screenshot))).toBe(true);
  });

  it('fails with a usage error, not a skip, when the browser binary is missing', async () => {
    await expect(
      checkReportInBrowser(join(runDir, 'readiness.html'), runDir, {
        executablePath: join(dir, 'no-chromium'),
      }),
    ).rejects.toMatchObject({ code: 'OMENDB_ERR_HARNESS_USAGE' });
  });
});

describe('the browser check in Node', () => {
  it('pageFacts reads charts and links from a document, tolerating missing attributes', () => {
    const element = (attributes: Record<string, string>, size: number, href?: string): FactsElement => ({
      getAttribute: (name) => attributes[name] ?? null,
      getBoundingClientRect: () => ({ width: size, height: size / 2 }),
      ...(href === undefined ? {} : { href }),
    });
    const doc = {
      querySelectorAll: (selector: string) =>
        selector === 'svg[data-chart]'
          ? [element({ 'data-chart': 'soak-p99' }, 720), element({}, 0)]
          : [element({ href: 'a.json' }, 10, 'file:///run/a.json'), element({}, 10)],
    };
    expect(pageFacts(doc)).toEqual({
      charts: [
        { name: 'soak-p99', width: 720, height: 360 },
        { name: '', width: 0, height: 0 },
      ],
      links: [
        { href: 'a.json', resolved: 'file:///run/a.json' },
        { href: '', resolved: '' },
      ],
    });
  });

  it('isRunFile accepts only existing files inside the run directory', async () => {
    const at = (path: string) => pathToFileURL(path).href;
    expect(await isRunFile(at(join(runDir, evidenceFiles[0]!)), runDir)).toBe(true);
    expect(await isRunFile(at(join(runDir, 'nothing.json')), runDir)).toBe(false);
    // A directory of the run is not a file; the run directory and anything beside it are outside.
    expect(await isRunFile(at(join(runDir, 'run-embedded')), runDir)).toBe(false);
    expect(await isRunFile(at(runDir), runDir)).toBe(false);
    expect(await isRunFile(at(join(dir, 'outside.txt')), runDir)).toBe(false);
    expect(await isRunFile('https://127.0.0.1/run/a.json', runDir)).toBe(false);
  });
});
