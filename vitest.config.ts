import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The scenario tests (scenarios/test: 10 to 40 s each) start first. On a fresh clone vitest has
 * no durations to order files by and starts the larger files first; the scenario tests are small
 * files, so they started last, and a CI run ended with the security and crash-kill scenarios
 * running on their own for 37 s beside the timing tests. With durations known they are among
 * the longest anyway. The order within each project is otherwise vitest's.
 */
class ScenariosFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const scenario = (spec: TestSpecification) => spec.moduleId.includes('/scenarios/test/');
    const ordered: TestSpecification[] = [];
    for (let start = 0; start < sorted.length; ) {
      let end = start;
      while (end < sorted.length && sorted[end]!.project.name === sorted[start]!.project.name) end++;
      const project = sorted.slice(start, end);
      ordered.push(...project.filter(scenario), ...project.filter((spec) => !scenario(spec)));
      start = end;
    }
    return ordered;
  }
}

/**
 * Tests whose assertions are latencies under load (a valid client answered in under 100 ms while
 * thousands of hostile connections are open), or a server's major GCs under load (the untuned
 * server's count falls when other tests take the CPU: 1.8 per thousand POSTs against 4.3 to 5.7
 * alone): they run alone, after everything else, so that a second test file sharing the two cores
 * cannot decide their outcome.
 */
const timingSensitive = [
  'engine/test/server/slow-clients.test.ts',
  'engine/test/server/auth-flood.test.ts',
  'engine/test/server/heap-tuning.test.ts',
];

/**
 * The tests run the TypeScript sources, never engine/dist: `@omendb/engine` resolves under the
 * `source` condition of its package.json exports, here and (through NODE_OPTIONS) in every process
 * a test spawns: `node engine/bin/omendb.js` then runs src/ through tsx, not a build that may be
 * older than the sources.
 */
const sourceCondition = '--conditions=source';
const nodeOptions = [process.env.NODE_OPTIONS, sourceCondition].filter((o) => o !== undefined && o !== '');

// One config for every workspace: tests mirror the source tree (engine/test/... for engine/src/...).
export default defineConfig({
  resolve: { conditions: ['source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    env: {
      NODE_OPTIONS: nodeOptions.join(' '),
      // New password hashes at the floor that verification accepts (N=2^15, r=8, p=1), a quarter
      // of the engine's cost: hundreds of hashes at full cost were a fifth of the suite's CPU
      // (655 s against 526 s, on two cores), which kept CI from running it on Node 20 and 22 in
      // 15 minutes. The tests of the cost itself clear it (passwords.test.ts, the
      // password-hash-cost fact's tests), and the readiness run never sets it.
      OMENDB_PASSWORD_HASH_COST: '32768,8,1',
    },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two cores here: more workers only adds contention to the fsync-heavy tests.
    maxWorkers: 2,
    sequence: { sequencer: ScenariosFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['engine/test/**/*.test.ts', 'harness/test/**/*.test.ts', 'scenarios/test/**/*.test.ts'],
          exclude: timingSensitive,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'timing',
          include: timingSensitive,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['engine/src/**/*.ts', 'harness/src/**/*.ts', 'scenarios/*.ts'],
      reporter: ['text-summary', 'json-summary', 'json'],
      reportsDirectory: 'reports/coverage',
      // Written even when a test fails: the readiness report scores the failure in its test
      // share, and the coverage the run did measure is still evidence, not "no evidence".
      reportOnFailure: true,
      thresholds: {
        'engine/src/storage/**': { statements: 90, branches: 80 },
        'engine/src/engine.ts': { statements: 90, branches: 80 },
        'engine/src/index/**': { statements: 95, branches: 90 },
        'engine/src/server/**': { statements: 90, branches: 80 },
        'harness/src/**': { statements: 90, branches: 80 },
      },
    },
  },
});
