import type { Scenario } from '@omendb/harness';

/**
 * canary: a scenario that must fail. It proves the plumbing from a failing check to the result
 * file and the exit code: if `omendb-harness run canary` ever exits 0, a failing check can be
 * lost on its way, and no passing result of any other scenario can be trusted.
 */
export const canary: Scenario = {
  name: 'canary',
  category: 'meta',
  description: 'Must fail: proves that a failing check reaches the result file and the exit code (1).',
  requires: [],
  params: {},
  async run(ctx) {
    // One real operation, so the canary also shows that the history reaches the evidence.
    const series = 'canary';
    const points = [[BigInt(ctx.prng.int(1_000_000)), 1]] as const;
    await ctx.history.run(0, 'write', series, { points }, () => ctx.adapter.write(series, points));
    const read = await ctx.history.run(0, 'get', series, { key: points[0][0] }, () =>
      ctx.adapter.get(series, points[0][0]),
    );
    return {
      metrics: { canaryValue: read ?? null },
      checks: [
        { name: 'canary-read-back', pass: read === 1, value: read ?? null, threshold: '== 1' },
        {
          name: 'canary-must-fail',
          pass: false,
          value: false,
          threshold: '== true (never: the canary always fails)',
        },
      ],
    };
  },
};
