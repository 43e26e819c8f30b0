import { OmenDbError } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { classifyError, unclassifiedErrorCode } from '../../src/history/classify-error.ts';

describe('classifyError', () => {
  it('says unknown for codes whose operation may or may not have happened', () => {
    for (const code of [
      'OMENDB_ERR_HARNESS_UNAVAILABLE',
      'OMENDB_ERR_WAL_IO',
      'OMENDB_ERR_ENGINE_FAILED',
      'OMENDB_ERR_HTTP_INTERNAL',
    ] as const)
      expect(classifyError(new OmenDbError(code, 'x'))).toEqual({ outcome: 'unknown', code });
  });

  it('says fail for codes that refused the operation', () => {
    for (const code of [
      'OMENDB_ERR_INPUT_KEY',
      'OMENDB_ERR_LIMIT_BATCH_POINTS',
      'OMENDB_ERR_AUTH_FORBIDDEN',
    ] as const)
      expect(classifyError(new OmenDbError(code, 'x'))).toEqual({ outcome: 'fail', code });
  });

  it('says unknown for any other error, keeping a system code when there is one', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyError(reset)).toEqual({ outcome: 'unknown', code: 'ECONNRESET' });
    expect(classifyError(new TypeError('x'))).toEqual({ outcome: 'unknown', code: unclassifiedErrorCode });
    expect(classifyError(Object.assign(new Error('x'), { code: '' }))).toEqual({
      outcome: 'unknown',
      code: unclassifiedErrorCode,
    });
    expect(classifyError('a string')).toEqual({ outcome: 'unknown', code: unclassifiedErrorCode });
    expect(classifyError(null)).toEqual({ outcome: 'unknown', code: unclassifiedErrorCode });
  });
});
