import { hostileInputCases, limits } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CorpusCase, corpusCases, runCorpus } from '../../src/security/hostile-corpus.ts';
import { readStoredState } from '../../src/security/stored-state.ts';
import { json, registryError, type ScriptedServer, startScripted } from './scripted-server.ts';

let server: ScriptedServer;

beforeAll(async () => {
  server = await startScripted();
});

afterAll(async () => {
  await server?.close();
});

describe('the corpus', () => {
  it("is the engine's corpus less its inject-only cases, the hostile Arrow bodies and the oversized bodies", () => {
    const options = { canary: 'c', arrowTarget: 'arrow-t', deltaDictionaryBatches: 3, chunkedBodyBytes: 0 };
    const cases = corpusCases(options);
    const engine = hostileInputCases('c');
    const engineCount = [...engine.bodies, ...engine.queries, ...engine.routes].filter(
      (hostile) => hostile.transport === undefined,
    ).length;
    expect(engineCount).toBeGreaterThan(80);
    expect(cases.some((hostile) => hostile.name.includes('via inject'))).toBe(false);
    const arrow = cases.filter((hostile) => hostile.name.startsWith('Arrow: '));
    expect(arrow.length).toBeGreaterThan(30);
    expect(arrow.every((hostile) => hostile.path === '/v1/series/arrow-t/points')).toBe(true);
    expect(cases.at(-1)).toMatchObject({
      headers: { 'content-length': limits.httpBodyBytesMax + 1 },
      code: 'OMENDB_ERR_HTTP_BODY_TOO_LARGE',
    });
    expect(cases).toHaveLength(engineCount + arrow.length + 1);

    const chunked = corpusCases({ ...options, chunkedBodyBytes: 3 * 1024 * 1024 + 5 }).at(-1)!;
    expect(chunked.alsoRight).toEqual(['OMENDB_ERR_HTTP_BAD_REQUEST']);
    const parts = [...chunked.chunks!()];
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    expect(total).toBeGreaterThanOrEqual(3 * 1024 * 1024 + 5);
    expect(Buffer.from(parts[0]!).toString()).toBe('{"points": [');
  });
});

describe('running the corpus', () => {
  it('tells right, wrong-code, failed and slow cases apart, finds the case that changed data, and stops at the one that killed the server', async () => {
    let canaryVersion = 0;
    let ready = true;
    server.script((seen, response) => {
      if (seen.path === '/ready') return json(response, ready ? 200 : 503, {});
      if (seen.path === '/v1/series') return json(response, 200, { series: ['c'] });
      if (seen.path.startsWith('/v1/series/c/points?limit')) return json(response, 200, { v: canaryVersion });
      const name = seen.path.slice(1);
      if (name === 'right') return json(response, 400, registryError('OMENDB_ERR_INPUT_KEY'));
      if (name === 'wrong') return json(response, 400, registryError('OMENDB_ERR_INPUT_VALUE'));
      if (name === 'crash') return json(response, 500, registryError('OMENDB_ERR_HTTP_INTERNAL'));
      if (name === 'slow') {
        setTimeout(() => json(response, 400, registryError('OMENDB_ERR_INPUT_KEY')), 150);
        return;
      }
      if (name === 'writes') {
        canaryVersion++;
        return json(response, 400, registryError('OMENDB_ERR_INPUT_KEY'));
      }
      if (name === 'kills') {
        ready = false;
        return json(response, 400, registryError('OMENDB_ERR_INPUT_KEY'));
      }
      json(response, 200, {});
    });
    const hostile = (name: string): CorpusCase => ({
      name,
      method: 'POST',
      path: `/${name}`,
      body: '{}',
      code: 'OMENDB_ERR_INPUT_KEY',
    });
    const cases = ['right', 'wrong', 'crash', 'slow', 'right', 'writes', 'right', 'kills', 'never'].map(
      hostile,
    );
    const baseline = await readStoredState(server.client, 'Bearer r', 'c');
    const progress: number[] = [];
    const result = await runCorpus(server.client, cases, {
      writer: 'Bearer w',
      reader: 'Bearer r',
      canary: 'c',
      baseline,
      caseDeadlineMs: 100,
      stateCheckEvery: 2,
      onCase: (done) => progress.push(done),
    });
    expect(result.cases).toBe(8);
    expect(result.wrongCode.map((f) => f.name)).toEqual(['wrong']);
    expect(result.wrongCode[0]).toMatchObject({
      expected: '400 OMENDB_ERR_INPUT_KEY',
      got: '400 OMENDB_ERR_INPUT_VALUE',
    });
    expect(result.failed.map((f) => f.name)).toEqual(['crash']);
    expect(result.slow.map((f) => f.name)).toEqual(['slow']);
    // Checked every 2 cases: the change shows at the check after 'right', 'writes'.
    expect(result.changedData).toEqual(['right', 'writes']);
    expect(result.killed).toEqual(['kills']);
    expect(result.slowestMs).toBeGreaterThanOrEqual(150);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(server.seen.some((seen) => seen.path === '/never')).toBe(false);
  });

  it('sends anonymous cases without credentials, and a chunked case in chunks', async () => {
    server.script((seen, response) => {
      if (seen.path === '/ready') return json(response, 200, {});
      if (seen.path === '/v1/series') return json(response, 200, { series: [] });
      if (seen.path.startsWith('/v1/series/c/points?limit')) return json(response, 200, {});
      if (seen.headers.authorization === undefined)
        return json(response, 401, registryError('OMENDB_ERR_AUTH_REQUIRED'));
      json(response, 400, registryError('OMENDB_ERR_HTTP_BAD_REQUEST'));
    });
    const baseline = await readStoredState(server.client, 'Bearer r', 'c');
    const result = await runCorpus(
      server.client,
      [
        { name: 'anon', method: 'GET', path: '/a', anonymous: true, code: 'OMENDB_ERR_AUTH_REQUIRED' },
        {
          name: 'chunks',
          method: 'POST',
          path: '/b',
          chunks: () => [Buffer.from('{'), Buffer.from('}')],
          contentType: null,
          code: 'OMENDB_ERR_HTTP_BODY_TOO_LARGE',
          alsoRight: ['OMENDB_ERR_HTTP_BAD_REQUEST'],
        },
      ],
      {
        writer: 'Bearer w',
        reader: 'Bearer r',
        canary: 'c',
        baseline,
        caseDeadlineMs: 5_000,
        stateCheckEvery: 5,
      },
    );
    expect(result).toMatchObject({ cases: 2, wrongCode: [], failed: [], killed: [], changedData: [] });
    const chunked = server.seen.find((seen) => seen.path === '/b')!;
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    expect(chunked.headers['content-type']).toBeUndefined();
    expect(chunked.body.toString()).toBe('{}');
  });
});
