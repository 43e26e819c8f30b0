import { defineConfig } from 'vitest/config';

// One config for every workspace: tests mirror the source tree (engine/test/... for engine/src/...).
export default defineConfig({
  test: {
    include: ['engine/test/**/*.test.ts', 'harness/test/**/*.test.ts', 'scenarios/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two cores here: more workers only adds contention to the fsync-heavy tests.
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['engine/src/**/*.ts', 'harness/src/**/*.ts', 'scenarios/*.ts'],
      reporter: ['text-summary', 'json-summary', 'json'],
      reportsDirectory: 'reports/coverage',
      thresholds: {
        'engine/src/storage/**': { statements: 90, branches: 80 },
        'engine/src/index/**': { statements: 95, branches: 90 },
        'engine/src/server/**': { statements: 90, branches: 80 },
        'harness/src/**': { statements: 90, branches: 80 },
      },
    },
  },
});
