import { expect } from 'vitest';
import { type ErrorCode, errorRegistry } from '../../src/errors.ts';
import type { RawResponse } from '../../src/testing/raw-http.ts';

/**
 * Asserts a raw error response: the code's registry status, a JSON body of exactly
 * `{error: {code, message}}`, a matching content-length, and no stack frame.
 */
export function expectRawRegistryError(response: RawResponse, code: ErrorCode): void {
  const context = `${response.status} ${JSON.stringify(response.headers)} ${response.body.slice(0, 300)}`;
  expect(response.status, context).toBe(errorRegistry[code].status);
  expect(response.headers['content-type'], context).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as { error: { code: string; message: string } };
  expect(Object.keys(body), context).toEqual(['error']);
  expect(Object.keys(body.error).sort(), context).toEqual(['code', 'message']);
  expect(body.error.code, context).toBe(code);
  expect(response.body, context).not.toContain('    at ');
}
