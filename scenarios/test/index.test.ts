import { profiles } from '@omendb/harness';
import { describe, expect, it } from 'vitest';
import { scenarios } from '../index.ts';

describe('the scenario registry', () => {
  it('holds the scenarios of the harness core plus scale and soak, each once, by a kebab-case name', () => {
    const names = scenarios.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([
      'canary',
      'corruption',
      'crash-kill',
      'crash-power-loss',
      'property-model',
      'scale',
      'security',
      'soak',
    ]);
    for (const name of names) expect(name).toMatch(/^[a-z0-9][a-z0-9-]{0,63}$/);
  });

  it('gives every parameter a description and a default for each profile, within its bounds', () => {
    for (const scenario of scenarios) {
      expect(scenario.description.length, scenario.name).toBeGreaterThan(0);
      for (const [name, spec] of Object.entries(scenario.params)) {
        expect(spec.description.length, `${scenario.name}.${name}`).toBeGreaterThan(0);
        for (const profile of profiles) {
          const value = spec.defaults[profile];
          expect(value, `${scenario.name}.${name}.${profile}`).toBeDefined();
          expect(typeof value).toBe(typeof spec.defaults.ci);
          if (typeof value === 'number') {
            if (spec.min !== undefined) expect(value).toBeGreaterThanOrEqual(spec.min);
            if (spec.max !== undefined) expect(value).toBeLessThanOrEqual(spec.max);
          }
        }
      }
    }
  });
});
