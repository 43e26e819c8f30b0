import { isIP } from 'node:net';
import { OmenDbError } from '@omendb/engine';

/**
 * The security scenario probes loopback servers only: its floods and slow clients are attacks,
 * and 127.0.0.0/8 gives it many source addresses, so that one client's failed logins do not
 * limit another's. Against ::1 every client shares the one address.
 */

export interface SecurityTarget {
  /** The origin, e.g. http://127.0.0.1:40123. */
  readonly url: URL;
  /** The address to connect to (localhost resolved to 127.0.0.1, IPv6 without brackets). */
  readonly connectHost: string;
  readonly family: 4 | 6;
  readonly ca?: string;
}

/** Who sends what: each part of the scenario from its own source address. */
export const sourceSlots = {
  /** Setup, users, tokens, the canary and its read-backs. */
  setup: 1,
  /** The valid client whose latency the exhaustion probes measure. */
  validClient: 2,
  /** Failed logins of the login flood. */
  loginFlood: 3,
  /** Matrix cells with no credentials or a role's own. */
  matrix: 4,
  hostile: 5,
  slowBodies: 6,
  idleConnections: 7,
  arrowFlood: 8,
  /** After the matrix: the password a refused caller tried to set, tried once. */
  hijackCheck: 9,
  /**
   * Refused credentials that cost no hash (tokens, malformed headers): each counts as a failure
   * against its address, so they never share one with a valid Basic header that may need a
   * hash again (its verification expires).
   */
  matrixInvalid: 10,
  /** The first of the addresses the password cells of the matrix are spread over. */
  passwordCellsFirst: 16,
} as const;

/** The highest host number a slot may use (127.0.0.254). */
const hostNumberMax = 254;

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = stripBrackets(hostname).toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

/** The target of an endpoint URL; anything but a loopback http(s) origin is a usage error. */
export function securityTarget(url: string, ca?: string): SecurityTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', `not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_USAGE',
      `the security scenario needs an http(s) URL, not ${url}`,
    );
  if (!isLoopbackHost(parsed.hostname))
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_USAGE',
      `the security scenario attacks loopback servers only (127.0.0.0/8, ::1, localhost), not ${parsed.hostname}`,
    );
  const host = stripBrackets(parsed.hostname).toLowerCase();
  const connectHost = host === 'localhost' ? '127.0.0.1' : host;
  return {
    url: parsed,
    connectHost,
    family: isIP(connectHost) === 6 ? 6 : 4,
    ...(ca === undefined ? {} : { ca }),
  };
}

/** The source address of a slot (127.0.0.<slot>; ::1 for an IPv6 target). */
export function sourceAddress(target: SecurityTarget, slot: number): string {
  if (!Number.isInteger(slot) || slot < 1 || slot > hostNumberMax)
    throw new Error(`OmenDB harness invariant violated: source slot ${slot} is not 1..${hostNumberMax}`);
  return target.family === 6 ? '::1' : `127.0.0.${slot}`;
}

/** The number of password-cell addresses that fit above passwordCellsFirst. */
export const passwordCellAddressesMax = hostNumberMax - sourceSlots.passwordCellsFirst + 1;
