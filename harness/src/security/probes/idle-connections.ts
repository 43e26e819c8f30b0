import { setTimeout as delay } from 'node:timers/promises';
import type { RawConnection } from '@omendb/engine';
import { type SecurityTarget, sourceSlots } from '../loopback.ts';
import { destroyAll, openConnections } from './raw-connections.ts';
import type { AttackReport } from './run-probe.ts';

/**
 * A flood of idle connections: half never send a byte, half send the start of a request head and
 * stop. They are held for the probe's window; the valid client must keep being answered (a
 * server that gives each connection a thread, or waits forever for heads, shows here).
 */

export interface IdleConnectionsOptions {
  readonly count: number;
  readonly holdMs: number;
}

export async function idleConnections(
  target: SecurityTarget,
  options: IdleConnectionsOptions,
): Promise<AttackReport> {
  const started = performance.now();
  const { connections, failed } = await openConnections(
    target,
    options.count,
    sourceSlots.idleConnections,
    (connection: RawConnection, index: number) => {
      if (index % 2 === 1) connection.write(`GET /ready HTTP/1.1\r\nHost: ${target.url.host}\r\nX-Idle: `);
    },
  );
  const openedMs = performance.now() - started;
  await delay(options.holdMs);
  const closedByServer = connections.filter((connection) => connection.isClosed()).length;
  destroyAll(connections);
  return {
    checks: [],
    metrics: { idleConnections: options.count, notOpened: failed, openedMs, closedByServer },
  };
}
