import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorRegistry } from '../../src/errors.ts';
import {
  flipBit,
  type FuzzBody,
  fuzzBodies,
  type StoredPoint,
  storedPoints,
} from '../../src/testing/bit-flip-bodies.ts';
import { seededPrng } from '../support/seeds.ts';
import { createServerFixture, type ServerFixture } from './server-fixture.ts';

/**
 * Every single-bit flip of a valid Arrow body and of a valid JSON body, posted to the server
 * (fastify inject), each to a fresh series. Each case must be answered within fuzzCaseDeadlineMs
 * with 2xx or a registry 4xx, never 5xx and never a hang. On 4xx nothing at all is written (the
 * WAL's last sequence number is unchanged); on 2xx exactly one WAL record was added and the
 * series holds exactly what the flipped body says, as decoded by an independent reference
 * (apache-arrow, or JSON.parse). Every series is checked against the model of what was accepted
 * every checkEveryCases cases and at the end.
 *
 * Default run: every flip of a 3-point Arrow stream, of the same points as an Arrow file and of a
 * 3-point JSON body, the points seeded. OMENDB_FUZZ_ALL=1 (the long run): the same with 64 Arrow
 * points and 32 JSON points.
 */

/** One case (a POST of one flipped body) must be answered within this. */
const fuzzCaseDeadlineMs = 2_000;
const checkEveryCases = 500;
const longRun = process.env.OMENDB_FUZZ_ALL === '1';
const arrowPoints = longRun ? 64 : 3;
const jsonPoints = longRun ? 32 : 3;
const sentinel = 'sentinel';
const sentinelPoints: [number | string, number][] = [
  ['-9223372036854775808', -1],
  [0, 0.5],
  ['9223372036854775807', 2],
];

let fixture: ServerFixture;

beforeAll(async () => {
  // sync 'none': what is checked is what the server stores and answers, not fsync latency.
  fixture = await createServerFixture({ config: { sync: 'none' } });
  const response = await fixture.inject({
    method: 'POST',
    url: `/v1/series/${sentinel}/points`,
    headers: { authorization: fixture.basicFor('writer') },
    payload: { points: sentinelPoints },
  });
  expect(response.statusCode).toBe(200);
});

afterAll(async () => {
  await fixture?.close();
});

async function readSeries(series: string): Promise<StoredPoint[]> {
  const response = await fixture.inject({
    method: 'GET',
    url: `/v1/series/${series}/points?limit=1000`,
    headers: { authorization: fixture.basicFor('reader') },
  });
  expect(response.statusCode).toBe(200);
  const page = response.json() as { points: StoredPoint[]; next: unknown };
  expect(page.next).toBeNull();
  return page.points;
}

/** Every series the server lists is the sentinel or one the model holds, with the model's points. */
async function expectModel(model: ReadonlyMap<string, StoredPoint[]>): Promise<void> {
  const response = await fixture.inject({
    method: 'GET',
    url: '/v1/series',
    headers: { authorization: fixture.basicFor('reader') },
  });
  const listed = (response.json() as { series: string[] }).series;
  expect(listed.sort()).toEqual([sentinel, ...model.keys()].sort());
  expect(await readSeries(sentinel)).toEqual(sentinelPoints);
}

interface Tally {
  cases: number;
  statuses: Map<string, number>;
  slowestMs: number;
}

async function runCase(
  kind: FuzzBody,
  bit: number,
  model: Map<string, StoredPoint[]>,
  tally: Tally,
): Promise<void> {
  const series = `${kind.name}-${bit}`;
  const body = flipBit(kind.body, bit);
  const lastSeq = fixture.engine.stats().lastSeq;
  const started = performance.now();
  const response: LightMyRequestResponse = await fixture.inject({
    method: 'POST',
    url: `/v1/series/${series}/points`,
    headers: { authorization: fixture.basicFor('writer'), 'content-type': kind.contentType },
    payload: Buffer.from(body),
  });
  const elapsed = performance.now() - started;
  const status = response.statusCode;
  const context = `${series} (byte ${bit >> 3}, mask 0x${(1 << (bit & 7)).toString(16)}): ${status} ${response.body.slice(0, 200)}`;
  expect(elapsed, context).toBeLessThan(fuzzCaseDeadlineMs);
  tally.slowestMs = Math.max(tally.slowestMs, elapsed);
  tally.cases++;
  if (status >= 400) {
    expect(status, context).toBeLessThan(500);
    const code = (response.json() as { error: { code: keyof typeof errorRegistry } }).error.code;
    expect(errorRegistry[code]?.status, context).toBe(status);
    expect(fixture.engine.stats().lastSeq, context).toBe(lastSeq);
    const label = `${kind.name} ${status} ${code}`;
    tally.statuses.set(label, (tally.statuses.get(label) ?? 0) + 1);
    return;
  }
  expect(status, context).toBe(200);
  const pairs = [...kind.reference(body)];
  // Exactly one write (one WAL record) happened, this case's batch, unless the body holds no
  // rows (a flip can leave a valid file that lists no batch): then none.
  const writes = pairs.length > 0 ? 1n : 0n;
  expect(BigInt(fixture.engine.stats().lastSeq), context).toBe(BigInt(lastSeq) + writes);
  const expected = storedPoints(pairs);
  expect(await readSeries(series), context).toEqual(expected);
  if (expected.length > 0) model.set(series, expected);
  const label = `${kind.name} 200`;
  tally.statuses.set(label, (tally.statuses.get(label) ?? 0) + 1);
}

describe('single-bit flips of valid bodies', () => {
  it(
    `answers every flip with 2xx or 4xx within ${fuzzCaseDeadlineMs} ms and stores exactly what an accepted body says`,
    async () => {
      const prng = seededPrng();
      const kinds = fuzzBodies(prng, arrowPoints, jsonPoints);
      const model = new Map<string, StoredPoint[]>();
      const tally: Tally = { cases: 0, statuses: new Map(), slowestMs: 0 };
      const started = performance.now();
      for (const kind of kinds) {
        // The unflipped body is accepted and read back exactly: the reference agrees with the server.
        await runCase({ ...kind, name: `${kind.name}-valid` }, -1, model, tally);
        expect(model.has(`${kind.name}-valid--1`)).toBe(true);
        for (let bit = 0; bit < kind.body.length * 8; bit++) {
          await runCase(kind, bit, model, tally);
          if (tally.cases % checkEveryCases === 0) await expectModel(model);
        }
      }
      await expectModel(model);
      for (const [series, points] of model) expect(await readSeries(series), series).toEqual(points);
      const ready = await fixture.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(200);
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `bit-flip fuzz${longRun ? ' (OMENDB_FUZZ_ALL)' : ''}: ${tally.cases} cases in ${seconds.toFixed(1)} s, ` +
          `bodies ${kinds.map((k) => `${k.name} ${k.body.length} B`).join(', ')}, slowest case ${tally.slowestMs.toFixed(0)} ms, ` +
          `accepted ${model.size}, statuses ${JSON.stringify(Object.fromEntries([...tally.statuses].sort()))}`,
      );
      expect(tally.cases).toBeGreaterThanOrEqual(2000);
    },
    longRun ? 3_600_000 : 120_000,
  );
});
