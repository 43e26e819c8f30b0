import { createPrng, fuzzBodies, storedPoints } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityFuzzBodyPoints } from '../../src/limits.ts';
import { runBitFlipFuzz } from '../../src/security/bit-flip-fuzz.ts';
import { readStoredState } from '../../src/security/stored-state.ts';
import { json, registryError, type ScriptedServer, startScripted } from './scripted-server.ts';

let server: ScriptedServer;

beforeAll(async () => {
  server = await startScripted();
});

afterAll(async () => {
  await server?.close();
});

const seed = 4242;

/**
 * A server that stores the valid bodies exactly (by the same reference the fuzz uses) and
 * answers flipped ones by a script keyed on the case number.
 */
function scriptServer(flip: (index: number) => 'refuse' | 'crash' | 'lose' | 'kill' | 'touch-canary'): {
  stored: Map<string, unknown>;
} {
  const kinds = fuzzBodies(createPrng(seed), securityFuzzBodyPoints, securityFuzzBodyPoints);
  const stored = new Map<string, unknown>();
  let ready = true;
  let canary = 0;
  server.script((seen, response) => {
    if (seen.path === '/ready') return json(response, ready ? 200 : 503, {});
    if (seen.path === '/v1/series') return json(response, 200, { series: ['c', ...stored.keys()] });
    const read = /^\/v1\/series\/([^/]+)\/points\?limit=\d+$/.exec(seen.path);
    if (seen.method === 'GET' && read !== null)
      return json(
        response,
        200,
        read[1] === 'c' ? { canary } : (stored.get(read[1]!) ?? { points: [], next: null }),
      );
    const series = /^\/v1\/series\/([^/]+)\/points$/.exec(seen.path)![1]!;
    const valid = /^f-(.+)-valid$/.exec(series);
    if (valid !== null) {
      const kind = kinds.find((k) => k.name === valid[1])!;
      stored.set(series, { points: storedPoints(kind.reference(seen.body)), next: null });
      return json(response, 200, { written: 3 });
    }
    const action = flip(Number(series.split('-').at(-1)));
    if (action === 'crash') return json(response, 500, registryError('OMENDB_ERR_HTTP_INTERNAL'));
    if (action === 'lose') return json(response, 200, { written: 3 });
    if (action === 'kill') ready = false;
    if (action === 'touch-canary') canary++;
    json(response, 400, registryError('OMENDB_ERR_INPUT_ARROW'));
  });
  return { stored };
}

const options = async (cases: number) => ({
  writer: 'Bearer w',
  reader: 'Bearer r',
  canary: 'c',
  baseline: await readStoredState(server.client, 'Bearer r', 'c'),
  seriesPrefix: 'f',
  cases,
  caseDeadlineMs: 5_000,
  stateCheckEvery: 4,
  prng: createPrng(seed),
});

describe('bit-flip fuzz', () => {
  it('posts the valid bodies first, then seeded flips, each to its own series', async () => {
    const { stored } = scriptServer(() => 'refuse');
    const progress: number[] = [];
    const result = await runBitFlipFuzz(server.client, {
      ...(await options(10)),
      onCase: (done) => progress.push(done),
    });
    expect(result).toMatchObject({
      cases: 10,
      accepted: 3,
      refused: 7,
      failed: [],
      wrongStored: [],
      killed: [],
    });
    expect(result.changedData).toEqual([]);
    expect([...result.acceptedSeries].sort()).toEqual([...stored.keys()].sort());
    expect(progress).toHaveLength(10);
    const names = server.seen.filter((seen) => seen.method === 'POST').map((seen) => seen.path);
    expect(names.slice(-10, -7)).toEqual([
      '/v1/series/f-arrow-stream-valid/points',
      '/v1/series/f-arrow-file-valid/points',
      '/v1/series/f-json-valid/points',
    ]);
    expect(Object.values(result.statuses).reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('replays the same flips from the same seed', async () => {
    scriptServer(() => 'refuse');
    const first = server.seen.length;
    await runBitFlipFuzz(server.client, await options(8));
    const once = server.seen
      .slice(first)
      .filter((s) => s.method === 'POST')
      .map((s) => s.path);
    const second = server.seen.length;
    await runBitFlipFuzz(server.client, await options(8));
    const again = server.seen
      .slice(second)
      .filter((s) => s.method === 'POST')
      .map((s) => s.path);
    expect(again).toEqual(once);
  });

  it('finds a 5xx, an accepted body not stored, a changed canary, and stops at the case that killed the server', async () => {
    scriptServer((index) =>
      index === 3
        ? 'crash'
        : index === 4
          ? 'lose'
          : index === 2
            ? 'touch-canary'
            : index === 8
              ? 'kill'
              : 'refuse',
    );
    const result = await runBitFlipFuzz(server.client, await options(20));
    expect(result.failed.map((f) => f.name)).toEqual([expect.stringMatching(/-3$/)]);
    expect(result.wrongStored).toEqual([expect.stringMatching(/-4: stored 200/)]);
    // Read back every 4 cases (the 3 valid ones count): the change shows with cases 1 to 4.
    expect(result.changedData).toEqual([1, 2, 3, 4].map((i) => expect.stringMatching(new RegExp(`-${i}$`))));
    expect(result.killed).toEqual([expect.stringMatching(/-8$/)]);
    // The three valid bodies and flips 0 to 8.
    expect(result.cases).toBe(12);
  });

  it('counts a valid body the server refuses as not stored', async () => {
    server.script((seen, response) => {
      if (seen.path === '/ready') return json(response, 200, {});
      if (seen.method === 'GET') return json(response, 200, { series: [] });
      json(response, 400, registryError('OMENDB_ERR_INPUT_ARROW'));
    });
    const result = await runBitFlipFuzz(server.client, await options(3));
    expect(result.wrongStored).toEqual([
      expect.stringMatching(/f-arrow-stream-valid: the valid body was refused/),
      expect.stringMatching(/f-arrow-file-valid: the valid body was refused/),
      expect.stringMatching(/f-json-valid: the valid body was refused/),
    ]);
  });
});
