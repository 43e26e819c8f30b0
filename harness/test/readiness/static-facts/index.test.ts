import { describe, expect, it } from 'vitest';
import { staticFacts } from '../../../src/readiness/static-facts/index.ts';

describe('staticFacts', () => {
  it('registers every fact the policy may name, once each, described', () => {
    expect(staticFacts.map((fact) => fact.name).sort()).toEqual([
      'backup-command-exists',
      'errors-documented-and-tested',
      'openapi-documented',
      'password-hash-cost',
      'readme-commands-exist',
      'readme-metrics-exported',
    ]);
    for (const fact of staticFacts) expect(fact.description.length).toBeGreaterThan(20);
  });
});
