import { describe, expect, it } from 'vitest';
import { parseParamArgument, parseProfile, resolveParams } from '../../src/runner/params.ts';
import type { Scenario } from '../../src/runner/scenario.ts';

const scenario: Scenario = {
  name: 'demo',
  category: 'meta',
  description: 'parameters',
  requires: [],
  params: {
    count: { description: 'an integer', defaults: { ci: 1, nightly: 10, release: 100 }, min: 1, max: 1000 },
    ratio: { description: 'a fraction', defaults: { ci: 0.5, nightly: 0.5, release: 1 } },
    fast: { description: 'a flag', defaults: { ci: true, nightly: false, release: false } },
    label: { description: 'a string', defaults: { ci: 'a', nightly: 'b', release: 'c' } },
  },
  run: async () => ({ metrics: {}, checks: [] }),
};

function usageCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('resolveParams', () => {
  it('takes the profile defaults', () => {
    expect(resolveParams(scenario, 'nightly')).toEqual({ count: 10, ratio: 0.5, fast: false, label: 'b' });
  });

  it('overrides them, typed by the defaults', () => {
    expect(resolveParams(scenario, 'ci', { count: '7', ratio: '0.25', fast: 'false', label: 'x=y' })).toEqual(
      {
        count: 7,
        ratio: 0.25,
        fast: false,
        label: 'x=y',
      },
    );
    expect(resolveParams(scenario, 'ci', { count: 3, fast: true })).toMatchObject({ count: 3, fast: true });
    expect(resolveParams(scenario, 'ci', { fast: 'true' }).fast).toBe(true);
  });

  it('refuses bad values with OMENDB_ERR_HARNESS_USAGE', () => {
    const usage = 'OMENDB_ERR_HARNESS_USAGE';
    expect(usageCode(() => resolveParams(scenario, 'ci', { nope: '1' }))).toBe(usage);
    expect(usageCode(() => resolveParams(scenario, 'ci', { count: 'ten' }))).toBe(usage);
    expect(usageCode(() => resolveParams(scenario, 'ci', { count: '' }))).toBe(usage);
    expect(usageCode(() => resolveParams(scenario, 'ci', { count: '1.5' }))).toBe(usage);
    expect(usageCode(() => resolveParams(scenario, 'ci', { count: '0' }))).toBe(usage);
    expect(usageCode(() => resolveParams(scenario, 'ci', { count: '1001' }))).toBe(usage);
    expect(usageCode(() => resolveParams(scenario, 'ci', { ratio: 'Infinity' }))).toBe(usage);
    expect(usageCode(() => resolveParams(scenario, 'ci', { fast: 'yes' }))).toBe(usage);
    expect(usageCode(() => resolveParams(scenario, 'ci', { label: 3 }))).toBe(usage);
    expect(usageCode(() => resolveParams(scenario, 'ci', { toString: '1' }))).toBe(usage);
  });

  it('ignores unknown names when asked (a --param meant for another scenario of the run)', () => {
    expect(resolveParams(scenario, 'ci', { nope: '1' }, { ignoreUnknown: true })).not.toHaveProperty('nope');
  });
});

describe('parseProfile and parseParamArgument', () => {
  it('accept what is valid and refuse the rest as usage errors', () => {
    expect(parseProfile('release')).toBe('release');
    expect(usageCode(() => parseProfile('fast'))).toBe('OMENDB_ERR_HARNESS_USAGE');
    expect(parseParamArgument('a=b=c')).toEqual(['a', 'b=c']);
    expect(parseParamArgument('a=')).toEqual(['a', '']);
    expect(usageCode(() => parseParamArgument('=b'))).toBe('OMENDB_ERR_HARNESS_USAGE');
    expect(usageCode(() => parseParamArgument('ab'))).toBe('OMENDB_ERR_HARNESS_USAGE');
  });
});
