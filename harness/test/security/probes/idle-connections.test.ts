import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { idleConnections } from '../../../src/security/probes/idle-connections.ts';
import { closeFaultServer, listenFaulty } from './fault-server.ts';

afterEach(closeFaultServer);

describe('the idle-connections probe', () => {
  it('counts the idle connections the server closed while they were held', async () => {
    const target = await listenFaulty(() => {
      const made = createServer({ connectionsCheckingInterval: 25 }, () => undefined);
      made.headersTimeout = 100;
      made.requestTimeout = 100;
      return made;
    });
    const report = await idleConnections(target, { count: 4, holdMs: 600 });
    expect(report.checks).toEqual([]);
    expect(report.metrics).toMatchObject({ idleConnections: 4, notOpened: 0, closedByServer: 4 });
  });
});
