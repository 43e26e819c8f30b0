import { describe, expect, it } from 'vitest';
import { markdownCode } from '../../../src/readiness/static-facts/markdown-code.ts';

describe('markdownCode', () => {
  it('returns fenced lines and inline spans, not prose', () => {
    const markdown = [
      'Run `npm run demo` first; the omendb serve in prose is not code.',
      '```sh',
      'npm test',
      '```',
      '~~~',
      'omendb check --data DIR',
      '~~~',
      'and ``omendb users list`` too.',
    ].join('\n');
    expect(markdownCode(markdown)).toEqual([
      'npm test',
      'omendb check --data DIR',
      'npm run demo',
      'omendb users list',
    ]);
  });

  it('leaves out output that the prose introduces with "prints", and reads spans across lines', () => {
    const markdown = 'It prints `omendb listening on http://x` once up. Then `omendb\nserve` runs.';
    expect(markdownCode(markdown)).toEqual(['omendb\nserve']);
  });
});
