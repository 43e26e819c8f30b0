import { describe, expect, it } from 'vitest';
import { withSourceCondition } from '../../src/coverage/coverage-run.ts';

describe('withSourceCondition', () => {
  it('runs a coverage child on the sources, keeping the options it had and adding the condition once', () => {
    expect(withSourceCondition(undefined)).toBe('--conditions=source');
    expect(withSourceCondition('  ')).toBe('--conditions=source');
    expect(withSourceCondition('--max-old-space-size=4096')).toBe(
      '--max-old-space-size=4096 --conditions=source',
    );
    expect(withSourceCondition('--enable-source-maps --conditions=source')).toBe(
      '--enable-source-maps --conditions=source',
    );
  });
});
