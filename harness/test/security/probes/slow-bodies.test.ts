import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { slowBodies } from '../../../src/security/probes/slow-bodies.ts';
import { json, registryError } from '../scripted-server.ts';
import { closeFaultServer, listenFaulty } from './fault-server.ts';

afterEach(closeFaultServer);

describe('the slow-bodies probe', () => {
  it('fails a server that waits for the bodies of unauthenticated requests and answers slow ones with success', async () => {
    const target = await listenFaulty(() =>
      createServer((request, response) => {
        // Answers an authenticated request at once with 200 (without its body); never answers the others.
        if (request.headers.authorization !== undefined) json(response, 200, { written: 0 });
      }),
    );
    const report = await slowBodies(target, {
      count: 6,
      authorization: 'Bearer w',
      holdMs: 300,
      closeMsMax: 200,
      seriesPrefix: 'slow',
    });
    expect(report.checks.map((check) => [check.name, check.pass, check.value])).toEqual([
      ['probe slow-bodies: unauthenticated slow bodies refused with 401', false, 3],
      ['probe slow-bodies: unauthenticated slow bodies closed at once', false, 3],
      ['probe slow-bodies: no slow body answered but with 408', false, 3],
    ]);
    expect(report.metrics).toMatchObject({ slowBodies: 6, notOpened: 0, authenticatedTimedOut: 0 });
  });

  it('passes a server that refuses the unauthenticated at once and times the others out with 408', async () => {
    const target = await listenFaulty(() =>
      createServer((request, response) => {
        if (request.headers.authorization === undefined) {
          response.setHeader('connection', 'close');
          json(response, 401, registryError('OMENDB_ERR_AUTH_REQUIRED'));
        } else setTimeout(() => json(response, 408, registryError('OMENDB_ERR_HTTP_TIMEOUT')), 100);
      }),
    );
    const report = await slowBodies(target, {
      count: 4,
      authorization: 'Bearer w',
      holdMs: 400,
      closeMsMax: 300,
      seriesPrefix: 'slow',
    });
    expect(report.checks.every((check) => check.pass)).toBe(true);
    expect(report.metrics).toMatchObject({ authenticatedTimedOut: 2 });
  });
});
