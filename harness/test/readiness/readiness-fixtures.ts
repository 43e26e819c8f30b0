import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Check } from '../../src/runner/scenario.ts';
import { machineFacts } from '../../src/runner/machine.ts';
import { type ScenarioResult, writeResult } from '../../src/runner/result.ts';
import type { StaticFact } from '../../src/readiness/types.ts';

/**
 * A synthetic run directory for the readiness tests: scenario results written through
 * writeResult (so the schema validates each), with the check names and metric paths the real
 * scenarios write (see a real run's results), a soak interval file, scale ingest series, the
 * test runner's JSON and istanbul coverage maps of the engine's modules.
 */

export const repoRootForTests = '/repo';

export interface FixtureOptions {
  /** Results left out, as 'scenario:adapter'. */
  readonly omit?: readonly string[];
  readonly soakDurationMs?: number;
  readonly points?: number;
  /** Names of checks written as failing, as 'scenario:check name'. */
  readonly failing?: readonly string[];
  /** Passed and failed tests of the test runner's JSON (per file). */
  readonly testsFailed?: number;
}

function result(
  scenario: string,
  adapter: string,
  checks: readonly Check[],
  metrics: Record<string, unknown>,
  evidence: readonly string[] = [],
): ScenarioResult {
  const categories: Record<string, ScenarioResult['category']> = {
    scale: 'performance',
    soak: 'stability',
    security: 'security',
  };
  return {
    schemaVersion: 1,
    scenario,
    category: categories[scenario] ?? 'durability',
    description: `${scenario} fixture`,
    status: checks.every((c) => c.pass) ? 'passed' : 'failed',
    engine: { engine: 'omendb', version: '0.1.0', adapter },
    gitCommit: null,
    params: {},
    seed: 1,
    profile: 'ci',
    machine: machineFacts(),
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:01:00.000Z',
    durationMs: 60_000,
    metrics,
    checks,
    evidence,
  };
}

function check(scenario: string, name: string, value: Check['value'], failing: readonly string[]): Check {
  return { name, pass: !failing.includes(`${scenario}:${name}`), value, threshold: '== 0' };
}

function scaleResult(adapter: string, points: number, failing: readonly string[]): ScenarioResult {
  const shapes = ['one', 'many'];
  const checks = shapes.flatMap((shape) => [
    check('scale', `${shape}: points read back`, points, failing),
    check('scale', `${shape}: checksum read back`, 'abc', failing),
    check('scale', `${shape}: present-key lookup mismatches`, 0, failing),
    check('scale', `${shape}: absent-key lookup mismatches`, 0, failing),
    check('scale', `${shape}: range scan mismatches`, 0, failing),
    ...(adapter === 'http'
      ? [check('scale', `${shape}: RSS metric vs /proc after ingest (share)`, 0.01, failing)]
      : []),
  ]);
  const shape = () => ({
    points,
    ingestPointsPerSec: adapter === 'http' ? 275_000 : 550_000,
    pointsWrittenMetric: adapter === 'http' ? { before: 0, after: points, growth: points } : null,
  });
  return result(
    'scale',
    adapter,
    checks,
    {
      one: shape(),
      many: shape(),
      latencyMs: {
        'one.write': { p99: 625 },
        'one.get-present': { p99: adapter === 'http' ? 11 : 0.55 },
      },
    },
    ['scale/ingest-one.json'],
  );
}

const soakVerdicts = [
  'leak-rss',
  'leak-heap',
  'disk-growth',
  'latency-drift',
  'error-rate',
  'achieved-rate-share',
  'read-mismatches',
  'verification',
];

const securityChecks = [
  'hostile input: cases answered with another status or code',
  'hostile input: cases failed (5xx or no answer)',
  'hostile input: cases that killed the server',
  'bit-flip fuzz: cases failed (5xx or no answer)',
  'authorization matrix: wrong cells',
  'authorization matrix: refused callers changed nothing',
  'probe login-flood: every failed login refused',
  'stored data: unchanged at the end',
];

function intervalFile(durationMs: number): string {
  const header = {
    type: 'header',
    formatVersion: 1,
    seed: 1,
    params: {},
    startedAt: '2025-01-01T00:00:00.000Z',
  };
  const interval = (index: number, tEndMs: number) => ({
    type: 'interval',
    index,
    tStartMs: tEndMs - durationMs / 2,
    tEndMs,
    intended: 10,
    sent: 10,
    completed: 10,
    errors: 0,
    readMismatches: 0,
    histogram: '',
    latencyMs: { p50: 1, p95: 2, p99: 3 + index, p999: 4, max: 5 },
    rssBytes: (100 + index) * 1024 * 1024,
    heapUsedBytes: index === 0 ? null : 20 * 1024 * 1024,
  });
  return `${[header, interval(0, durationMs / 2), interval(1, durationMs)].map((l) => JSON.stringify(l)).join('\n')}\n{"type":"end"`;
}

/** A vitest JSON report: one passing RMI file, one conformance file, one other. */
function vitestJson(failed: number): unknown {
  const file = (name: string, passed: number, failures: number) => ({
    name: `/ci/checkout/${name}`,
    status: failures > 0 ? 'failed' : 'passed',
    assertionResults: [
      ...Array.from({ length: passed }, () => ({ status: 'passed' })),
      ...Array.from({ length: failures }, () => ({ status: 'failed' })),
    ],
  });
  return {
    numTotalTests: 0,
    testResults: [
      file('engine/test/index/rmi-index.test.ts', 10, 0),
      file('harness/test/conformance/embedded.test.ts', 20, failed),
      { name: '/ci/checkout/engine/test/broken.test.ts', status: 'failed', assertionResults: [] },
      file('engine/test/storage/wal.test.ts', 63, 0),
      file('engine/test/cli/backup-command.test.ts', 6, 0),
    ],
  };
}

/** An istanbul map: per module one file of 4 statements, `covered` of them hit, 1 function, 1 branch of 2 arms. */
export function coverageMap(repoRoot: string, covered: number, modules: readonly string[]): unknown {
  const loc = (line: number) => ({ start: { line, column: 0 }, end: { line, column: 10 } });
  return Object.fromEntries(
    modules.map((module) => {
      const path = `${repoRoot}/${module}/file.ts`;
      return [
        path,
        {
          path,
          statementMap: Object.fromEntries([0, 1, 2, 3].map((i) => [String(i), loc(i + 1)])),
          fnMap: { 0: { name: 'f', decl: loc(1), loc: loc(1), line: 1 } },
          branchMap: { 0: { loc: loc(2), type: 'if', locations: [loc(2), loc(3)], line: 2 } },
          s: Object.fromEntries([0, 1, 2, 3].map((i) => [String(i), i < covered ? 1 : 0])),
          f: { 0: 1 },
          b: { 0: [1, covered >= 4 ? 1 : 0] },
        },
      ];
    }),
  );
}

export const fixtureModules = [
  'engine/src/storage',
  'engine/src/index',
  'engine/src/query',
  'engine/src/server',
  'engine/src/cli',
  'engine/src/fs',
];

async function json(path: string, content: unknown): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `${JSON.stringify(content, null, 2)}\n`);
}

export async function writeRunDir(dir: string, options: FixtureOptions = {}): Promise<void> {
  const omit = options.omit ?? [];
  const failing = options.failing ?? [];
  const points = options.points ?? 1_000_000;
  const soakMs = options.soakDurationMs ?? 60_000;
  const results: [string, ScenarioResult][] = [
    ['embedded', scaleResult('embedded', points, failing)],
    ['http', scaleResult('http', points, failing)],
    [
      'embedded',
      result(
        'soak',
        'embedded',
        soakVerdicts.map((name) => check('soak', name, 0, failing)),
        { durationRunMs: soakMs },
        ['soak/intervals.jsonl'],
      ),
    ],
    [
      'http',
      result(
        'security',
        'http',
        securityChecks.map((name) => check('security', name, 0, failing)),
        {},
      ),
    ],
    [
      'http',
      result('crash-kill', 'http', [check('crash-kill', 'kills', 25, failing)], {
        kills: 25,
        lost: 0,
        partial: 0,
        resurrected: 0,
      }),
    ],
    [
      'embedded',
      result('crash-power-loss', 'embedded', [check('crash-power-loss', 'violations', 0, failing)], {
        crashPoints: 5000,
      }),
    ],
    [
      'embedded',
      result(
        'property-model',
        'embedded',
        [check('property-model', 'property-model-agrees', 'no counterexample', failing)],
        { runs: 100 },
      ),
    ],
    [
      'embedded',
      result(
        'corruption',
        'embedded',
        [
          check('corruption', 'wrong values', 0, failing),
          check('corruption', 'damages not detected nor harmless', 0, failing),
        ],
        { damages: { 'bit-flip': 120, truncate: 40, 'zero-page': 40 } },
      ),
    ],
  ];
  for (const [adapter, r] of results) {
    if (omit.includes(`${r.scenario}:${adapter}`)) continue;
    const runDir = join(dir, adapter);
    await mkdir(join(runDir, r.scenario), { recursive: true });
    await writeResult(join(runDir, `${r.scenario}.json`), r);
    if (r.scenario === 'scale')
      await json(join(runDir, 'scale', 'ingest-one.json'), {
        shape: 'one',
        series: [
          { tSec: 0, pointsPerSec: 500_000 },
          { tSec: 1, pointsPerSec: 600_000 },
        ],
      });
    if (r.scenario === 'soak') await writeFile(join(runDir, 'soak', 'intervals.jsonl'), intervalFile(soakMs));
  }
  await json(join(dir, 'tests', 'vitest-results.json'), vitestJson(options.testsFailed ?? 0));
  await json(
    join(dir, 'coverage', 'unit', 'coverage-final.json'),
    coverageMap(repoRootForTests, 4, fixtureModules),
  );
  await json(
    join(dir, 'embedded', 'coverage', 'e2e', 'coverage-final.json'),
    coverageMap(repoRootForTests, 2, fixtureModules),
  );
  await json(join(dir, 'bench', 'lookup.json'), { lookupsPerSec: 1 });
}

/** Static facts that answer at once (the real ones spawn servers): every one the policy names. */
export function fakeFacts(values: Readonly<Record<string, number>> = {}): StaticFact[] {
  const names = [
    'errors-documented-and-tested',
    'openapi-documented',
    'readme-commands-exist',
    'readme-metrics-exported',
    'password-hash-cost',
  ];
  return names.map((name) => ({
    name,
    description: `${name} (fixture)`,
    async evaluate() {
      const value = values[name] ?? 100;
      return { value, pass: value === 100, detail: `${name}: ${value}` };
    },
  }));
}
