import { setTimeout as delay } from 'node:timers/promises';
import { parseResponse, type RawConnection, rawErrorCode, requestHead } from '@omendb/engine';
import { securitySlowAnnouncedBytes, securitySlowTrickleMs } from '../../limits.ts';
import { type SecurityTarget, sourceSlots } from '../loopback.ts';
import type { AttackReport } from './run-probe.ts';
import { destroyAll, openConnections } from './raw-connections.ts';

/**
 * Slow request bodies: POSTs that announce a large body and trickle it a byte now and then, half
 * without credentials and half with a writer's token, held open for the probe's window. The
 * unauthenticated ones must be refused (401) and closed at once, before any body is read; the
 * authenticated ones may only be waiting, or cut with 408: nothing of theirs may be stored (the
 * probe's state check) or answered with success.
 */

export interface SlowBodiesOptions {
  readonly count: number;
  readonly authorization: string;
  readonly holdMs: number;
  /** An unauthenticated slow body must be closed within this of its opening. */
  readonly closeMsMax: number;
  readonly seriesPrefix: string;
}

export async function slowBodies(target: SecurityTarget, options: SlowBodiesOptions): Promise<AttackReport> {
  const anonymousCount = Math.floor(options.count / 2);
  const started = performance.now();
  const anonymousSet = new Set<RawConnection>();
  const { connections, failed } = await openConnections(
    target,
    options.count,
    sourceSlots.slowBodies,
    (connection: RawConnection, index: number) => {
      const anonymous = index < anonymousCount;
      if (anonymous) anonymousSet.add(connection);
      connection.write(
        requestHead(
          'POST',
          `/v1/series/${options.seriesPrefix}-${index}/points`,
          {
            'content-type': 'application/json',
            'content-length': securitySlowAnnouncedBytes,
            ...(anonymous ? {} : { authorization: options.authorization }),
          },
          target.url.host,
        ),
      );
      connection.write('{"points": [');
      connection.trickle(securitySlowTrickleMs + (index % 200), '[');
    },
  );
  const openedMs = performance.now() - started;
  await delay(options.holdMs);
  const anonymous = connections.filter((connection) => anonymousSet.has(connection));
  const authenticated = connections.filter((connection) => !anonymousSet.has(connection));
  let anonymousNotRefused = 0;
  let anonymousHeld = 0;
  for (const connection of anonymous) {
    const response = parseResponse(connection.received());
    if (
      response === undefined ||
      response.status !== 401 ||
      rawErrorCode(response) !== 'OMENDB_ERR_AUTH_REQUIRED'
    )
      anonymousNotRefused++;
    // Closed within the bound of its opening: never waiting for a body it will not read.
    const closedAfter = connection.isClosed() ? await connection.closed(0) : Number.POSITIVE_INFINITY;
    if (closedAfter > options.closeMsMax) anonymousHeld++;
  }
  let authenticatedAnswered = 0;
  let authenticatedTimedOut = 0;
  for (const connection of authenticated) {
    const response = parseResponse(connection.received());
    if (response === undefined) continue;
    if (response.status === 408) authenticatedTimedOut++;
    else authenticatedAnswered++;
  }
  destroyAll(connections);
  return {
    checks: [
      {
        name: 'probe slow-bodies: unauthenticated slow bodies refused with 401',
        pass: anonymousNotRefused === 0,
        value: anonymousNotRefused,
        threshold: `== 0 of ${anonymous.length}`,
      },
      {
        name: 'probe slow-bodies: unauthenticated slow bodies closed at once',
        pass: anonymousHeld === 0,
        value: anonymousHeld,
        threshold: `== 0 of ${anonymous.length} open after ${options.closeMsMax} ms`,
      },
      {
        name: 'probe slow-bodies: no slow body answered but with 408',
        pass: authenticatedAnswered === 0,
        value: authenticatedAnswered,
        threshold: `== 0 of ${authenticated.length}`,
      },
    ],
    metrics: {
      slowBodies: options.count,
      notOpened: failed,
      openedMs,
      authenticatedTimedOut,
    },
  };
}
