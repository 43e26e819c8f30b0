import { OmenDbError } from '../errors.ts';

/** An IPv4 octet, 0 to 255, without leading zeros (a browser never writes them). */
const octet = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const port = '(?::\\d{1,5})?';
const loopbackHostHeader = new RegExp(
  `^(?:localhost|127\\.${octet}\\.${octet}\\.${octet}|\\[::1\\])${port}$`,
  'i',
);

/**
 * Whether a Host header names the loopback interface: localhost, 127.0.0.0/8 or [::1], each with
 * an optional port. A browser sends the name it resolved: a page on evil.example that rebinds
 * that name to 127.0.0.1 still sends `Host: evil.example`, so this is what stops it.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined || !loopbackHostHeader.test(host)) return false;
  const portText = /:(\d+)$/.exec(host)?.[1];
  return portText === undefined || Number(portText) <= 65_535;
}

/**
 * With auth off, the server trusts whoever can reach it, which must be this machine only: a
 * request that does not name a loopback host (or names none) is refused before anything else.
 */
export function checkHostHeader(authOff: boolean, host: string | undefined): void {
  if (authOff && !isLoopbackHostHeader(host))
    throw new OmenDbError(
      'OMENDB_ERR_HTTP_HOST_NOT_ALLOWED',
      'with --auth off, the Host header must name a loopback host (localhost, 127.0.0.0/8, [::1])',
    );
}
