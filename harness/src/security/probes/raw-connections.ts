import { openRaw, type RawConnection } from '@omendb/engine';
import { securityConnectTimeoutMs, securityOpenBatchConnections } from '../../limits.ts';
import { type SecurityTarget, sourceAddress } from '../loopback.ts';

/**
 * Raw connections for the probes that hold sockets (slow bodies, idle connections): opened from a
 * source slot, a batch at a time so that the listener's backlog is not what is measured. A
 * connection that cannot be opened is counted, not thrown: a server that stops accepting is
 * what the valid client's latency then shows.
 */

export interface OpenedConnections {
  readonly connections: RawConnection[];
  /** Connections that could not be opened (refused, timed out). */
  readonly failed: number;
}

export async function openConnections(
  target: SecurityTarget,
  count: number,
  slot: number,
  prepare: (connection: RawConnection, index: number) => void,
): Promise<OpenedConnections> {
  const port = Number(
    target.url.port === '' ? (target.url.protocol === 'https:' ? 443 : 80) : target.url.port,
  );
  const options = {
    host: target.connectHost,
    localAddress: sourceAddress(target, slot),
    timeoutMs: securityConnectTimeoutMs,
    ...(target.url.protocol === 'https:' ? { tls: { ca: target.ca ?? '' } } : {}),
  };
  const connections: RawConnection[] = [];
  let failed = 0;
  for (let start = 0; start < count; start += securityOpenBatchConnections) {
    const batch = Array.from({ length: Math.min(securityOpenBatchConnections, count - start) }, (_, i) =>
      openRaw(port, options).then(
        (connection) => {
          prepare(connection, start + i);
          return connection;
        },
        () => undefined,
      ),
    );
    for (const connection of await Promise.all(batch)) {
      if (connection === undefined) failed++;
      else connections.push(connection);
    }
  }
  return { connections, failed };
}

export function destroyAll(connections: readonly RawConnection[]): void {
  for (const connection of connections) connection.destroy();
}
