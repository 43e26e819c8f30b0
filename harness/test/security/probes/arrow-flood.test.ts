import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrowFlood, arrowFloodBodies } from '../../../src/security/probes/arrow-flood.ts';
import { json, type ScriptedServer, startScripted } from '../scripted-server.ts';

let server: ScriptedServer;

beforeAll(async () => {
  server = await startScripted();
});

afterAll(async () => {
  await server?.close();
});

describe('the hostile Arrow bodies of the flood', () => {
  it('lie about their row counts or carry dictionaries', () => {
    const names = arrowFloodBodies(2).map((body) => body.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'a batch that declares 100,000 rows and sends 3',
        'a batch declaring 2^53-1 rows',
        'an extra dictionary-encoded column with its dictionary batch',
        'a dictionary batch no column refers to',
        'delta dictionary batches',
      ]),
    );
    expect(names.some((name) => name.includes('Float64 column'))).toBe(false);
  });
});

describe('the arrow-flood probe', () => {
  it('fails bodies that are stored, or refused after the deadline', async () => {
    server.script((_seen, response) => setTimeout(() => json(response, 200, { written: 3 }), 30));
    const report = await arrowFlood(server.client, {
      writers: 2,
      requestsMax: 6,
      durationMs: 5_000,
      authorization: 'Bearer w',
      series: 'flood',
      deadlineMs: 10,
      deltaDictionaryBatches: 2,
    });
    expect(report.checks.map((check) => [check.name, check.pass, check.value])).toEqual([
      ['probe arrow-flood: every hostile Arrow body refused with 400', false, 6],
      ['probe arrow-flood: every hostile Arrow body answered within the deadline', false, expect.any(Number)],
    ]);
    expect(report.metrics).toMatchObject({
      requests: 6,
      examples: expect.arrayContaining([expect.stringMatching(/: 200$/)]),
    });
    expect(server.seen.filter((seen) => seen.path === '/v1/series/flood/points')).toHaveLength(6);
  });
});
