import { OmenDbError } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { staticFactOffendersShown } from '../../../src/limits.ts';
import {
  guarded,
  listOffenders,
  noEvidence,
  shareResult,
} from '../../../src/readiness/static-facts/fact-result.ts';

describe('shareResult', () => {
  it('scores nothing counted as no evidence, never a pass', () => {
    expect(shareResult('things', 0, [])).toEqual({
      value: 0,
      pass: false,
      detail: 'no evidence: nothing to count (0 things)',
    });
  });

  it('passes only when every item passed', () => {
    expect(shareResult('things', 4, [])).toEqual({ value: 100, pass: true, detail: '4/4 things' });
    expect(shareResult('things', 3, ['b'])).toEqual({
      value: 66.7,
      pass: false,
      detail: '2/3 things; failing: b',
    });
  });

  it('refuses more offenders than items', () => {
    expect(() => shareResult('things', 1, ['a', 'b'])).toThrow(/invariant violated/);
  });
});

describe('listOffenders', () => {
  it('names the first few and counts the rest', () => {
    const many = Array.from({ length: staticFactOffendersShown + 3 }, (_, i) => `o${i}`);
    const text = listOffenders(many);
    expect(text).toContain('o0; o1');
    expect(text).not.toContain(`o${staticFactOffendersShown}`);
    expect(text).toMatch(/; and 3 more$/);
    expect(listOffenders(['x', 'y'])).toBe('x; y');
  });
});

describe('guarded', () => {
  it('turns a registry failure or a system error into no evidence with its code', async () => {
    const fromCode = await guarded(async () => {
      throw new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', 'down');
    });
    expect(fromCode).toMatchObject({ value: 0, pass: false });
    expect(fromCode.detail).toMatch(/^no evidence: OMENDB_ERR_HARNESS_UNAVAILABLE/);
    const system = Object.assign(new Error('gone'), { code: 'ENOENT' });
    expect(
      (
        await guarded(async () => {
          throw system;
        })
      ).detail,
    ).toBe('no evidence: ENOENT: gone');
  });

  it('lets a bug through', async () => {
    await expect(
      guarded(async () => {
        throw new TypeError('bug');
      }),
    ).rejects.toThrow('bug');
  });

  it('returns what the evaluation returns', async () => {
    expect(await guarded(async () => noEvidence('x'))).toEqual(noEvidence('x'));
  });
});
