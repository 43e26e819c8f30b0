import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorDocs } from '../../scripts/error-docs.ts';
import { assert, errorRegistry, isOmenDbError, OmenDbError } from '../src/errors.ts';

describe('error registry', () => {
  it('uses OMENDB_ERR_<AREA>_<WHAT> codes with HTTP statuses', () => {
    for (const [code, spec] of Object.entries(errorRegistry)) {
      expect(code).toMatch(/^OMENDB_ERR_[A-Z]+_[A-Z_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
      expect(spec.description.length).toBeGreaterThan(10);
    }
  });

  it('is documented in docs/errors.md, generated from the registry', () => {
    const committed = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderErrorDocs());
  });

  it('carries code, status and details', () => {
    const error = new OmenDbError('OMENDB_ERR_DIR_LOCKED', 'locked', { dir: '/x' });
    expect(error.code).toBe('OMENDB_ERR_DIR_LOCKED');
    expect(error.status).toBe(409);
    expect(error.details).toEqual({ dir: '/x' });
    expect(isOmenDbError(error)).toBe(true);
    expect(isOmenDbError(error, 'OMENDB_ERR_WAL_CORRUPT')).toBe(false);
    expect(isOmenDbError(new Error('x'))).toBe(false);
  });

  it('assert throws on a violated invariant and passes otherwise', () => {
    expect(() => assert(false, 'broken')).toThrow(/invariant/);
    expect(() => assert(true, 'fine')).not.toThrow();
  });
});
