import type { ErrorCode } from '@omendb/engine';
import { errorRegistry, keyToJson, OmenDbError } from '@omendb/engine';
import type { Point } from '../../adapter.ts';

/**
 * The server's JSON encoding: keys are JSON numbers when they are safe integers and decimal
 * strings otherwise (a number beyond 2^53 would be rounded by a JSON parser), and errors are
 * `{"error": {"code", "message"}}` with a registry code.
 */

/** A key as the server writes it: the engine's own encoder, so the two cannot drift apart. */
export const keyToWire: (key: bigint) => number | string = keyToJson;

/** A key from a response: a safe-integer number or a decimal string; anything else is a protocol error. */
export function keyFromWire(value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?[0-9]{1,20}$/.test(value)) return BigInt(value);
  throw protocolError(`a key in a response is neither a safe integer nor a decimal string: ${String(value)}`);
}

export function pointsToJson(points: readonly Point[]): string {
  const wire = new Array<[number | string, number]>(points.length);
  for (let i = 0; i < points.length; i++) {
    const [key, value] = points[i]!;
    wire[i] = [keyToWire(key), value];
  }
  return JSON.stringify({ points: wire });
}

export function pointsFromJson(value: unknown): Point[] {
  if (!Array.isArray(value)) throw protocolError('points in a response is not an array');
  const points = new Array<Point>(value.length);
  for (let i = 0; i < value.length; i++) {
    const pair: unknown = value[i];
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'number')
      throw protocolError('a point in a response is not [key, value]');
    points[i] = [keyFromWire(pair[0]), pair[1]];
  }
  return points;
}

/**
 * A path segment for a series name. Names are [A-Za-z0-9_.:-]; dots are escaped too, so that a
 * series called `.` or `..` is a name, not a path step a client or proxy would normalize away.
 */
export function seriesSegment(series: string): string {
  return encodeURIComponent(series).replaceAll('.', '%2E');
}

/** `?a=1&b=2` of the defined entries, or '' when none is. */
export function queryString(entries: Record<string, string | number | bigint | undefined>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(entries)) {
    if (value !== undefined) parts.push(`${name}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** Whether `code` is a code of the engine's error registry. */
export function isRegistryCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorRegistry, code);
}

/**
 * The error of an HTTP error response: the registry code of its body, or
 * OMENDB_ERR_HTTP_INTERNAL when the body names none (a proxy's page, a truncated body).
 */
export function errorFromResponse(status: number, body: Buffer): OmenDbError {
  let code: unknown;
  let message = `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { code?: unknown; message?: unknown } };
    code = parsed.error?.code;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // Not JSON: the code stays unknown.
  }
  if (isRegistryCode(code)) return new OmenDbError(code, message, { status });
  return new OmenDbError('OMENDB_ERR_HTTP_INTERNAL', `${message} (no registry code in the body)`, {
    status,
    code: typeof code === 'string' ? code : null,
  });
}

/** A response that does not follow the protocol: the server answered, wrongly. */
export function protocolError(message: string): OmenDbError {
  return new OmenDbError('OMENDB_ERR_HTTP_INTERNAL', `unexpected response: ${message}`);
}
