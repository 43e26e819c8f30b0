import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, cleanEnv, type ServeProcess, startServe } from '../cli/cli-process.ts';

/**
 * Failed logins against the real `omendb serve` (a child process on 127.0.0.1): an attacker
 * floods wrong passwords from 127.0.0.1 while a bystander (source address 127.0.0.2) reads with
 * a cached credential and a token, and writes 1,000 points with a synchronous commit. Before the
 * fix every wrong password was hashed (none got 429), the hashes filled libuv's thread pool, and
 * the bystander's read waited 40 s and its write's fsync 41 s.
 */

const adminPassword = 'auth-flood-admin-password';
const attackerAddress = '127.0.0.1';
const bystanderAddress = '127.0.0.2';
const floodRequests = 200;
/** Every request here is bounded; the flood as a whole too. */
const requestTimeoutMs = 60_000;
const floodTimeoutMs = 90_000;
/** The acceptance bound for the bystander's reads during the flood. */
const validReadMsMax = 100;
/**
 * A bound for the bystander's 1,000-point write (sync commit) during a flood: it takes tens of
 * milliseconds here, and took 41 s when its fsync waited behind password hashes.
 */
const floodWriteMsMax = 1000;
/**
 * The bystander goes once 190 of the flood's requests are answered (the rest wait for a hash or
 * are still being refused), so that it measures the hashes' effect rather than its place in the
 * event loop's queue behind 200 requests; or after this long: before the fix no answer came for
 * seconds, every wrong password waiting for its hash.
 */
const floodSettleMsMax = 5000;

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | undefined;
  readonly ms: number;
  /** performance.now() when the request was sent and when its answer was complete. */
  readonly startedAt: number;
  readonly endedAt: number;
}

interface Call {
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly authorization: string;
  readonly localAddress: string;
  readonly agent: Agent;
  readonly body?: string;
}

let server: ServeProcess | undefined;
let dir: string;
let origin: URL;
const agents: Agent[] = [];

function newAgent(maxSockets: number): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets });
  agents.push(agent);
  return agent;
}

function send(call: Call): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: origin.hostname,
        port: origin.port,
        method: call.method ?? 'GET',
        path: call.path,
        agent: call.agent,
        localAddress: call.localAddress,
        timeout: requestTimeoutMs,
        headers: {
          authorization: call.authorization,
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          const endedAt = performance.now();
          const retryAfter = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            code,
            retryAfter,
            ms: endedAt - started,
            startedAt: started,
            endedAt,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${requestTimeoutMs} ms: ${call.path}`)));
    req.on('error', reject);
    req.end(call.body);
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = `${answer.status} ${answer.code ?? ''}`.trim();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function thousandPoints(offset: number): string {
  return JSON.stringify({ points: Array.from({ length: 1000 }, (_, i) => [offset + i, i / 8]) });
}

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/omendb-auth-flood-`);
  server = await startServe(
    ['--data', dir, '--host', '127.0.0.1', '--port', '0', '--sync', 'commit'],
    cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword }),
  );
  origin = new URL(server.url);
}, 60_000);

afterAll(async () => {
  for (const agent of agents) agent.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('omendb serve under a flood of wrong passwords', () => {
  it(`answers at least 190 of ${floodRequests} concurrent wrong passwords from one address with 429, while another client reads in under ${validReadMsMax} ms`, async () => {
    const bystander = newAgent(4);
    const cachedBasic = basic('admin', adminPassword);
    const asBystander = (call: Omit<Call, 'agent' | 'localAddress'>) =>
      send({ ...call, agent: bystander, localAddress: bystanderAddress });
    // Before the flood: the bystander's Basic credential is verified once (and cached), it gets
    // a token and uses it once, and the series exists.
    expect((await asBystander({ path: '/v1/series', authorization: cachedBasic })).status).toBe(200);
    const tokenAnswer = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: origin.hostname,
          port: origin.port,
          method: 'POST',
          path: '/v1/auth/token',
          agent: bystander,
          localAddress: bystanderAddress,
          timeout: requestTimeoutMs,
          headers: { authorization: cachedBasic },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    const bearer = `Bearer ${(JSON.parse(tokenAnswer) as { token: string }).token}`;
    expect((await asBystander({ path: '/v1/series', authorization: bearer })).status).toBe(200);
    const warmWrite = await asBystander({
      method: 'POST',
      path: '/v1/series/flood.write/points',
      authorization: bearer,
      body: thousandPoints(0),
    });
    expect(warmWrite.status).toBe(200);
    console.log(`1000-point write before the flood: ${warmWrite.ms.toFixed(1)} ms`);

    const attacker = newAgent(floodRequests);
    const floodStarted = performance.now();
    let answeredCount = 0;
    let mostAnswered: () => void = () => {};
    const settled = new Promise<void>((resolve) => {
      mostAnswered = resolve;
      setTimeout(resolve, floodSettleMsMax);
    });
    const flood = Promise.all(
      Array.from({ length: floodRequests }, (_, i) =>
        send({
          path: '/v1/series',
          authorization: basic('admin', `wrong-password-${i}`),
          localAddress: attackerAddress,
          agent: attacker,
        }).then((answer) => {
          if (++answeredCount >= 190) mostAnswered();
          return answer;
        }),
      ),
    );
    await settled;
    const answeredBefore = answeredCount;
    const read = await asBystander({ path: '/v1/series', authorization: cachedBasic });
    const tokenRead = await asBystander({ path: '/v1/series', authorization: bearer });
    const write = await asBystander({
      method: 'POST',
      path: '/v1/series/flood.write/points',
      authorization: bearer,
      body: thousandPoints(1000),
    });
    const answers = await within(flood, floodTimeoutMs, 'the flood to be answered');
    const floodMs = performance.now() - floodStarted;

    const counts = tally(answers);
    const limited = answers.filter((answer) => answer.status === 429);
    const lastHashed = Math.max(
      0,
      ...answers.filter((answer) => answer.status === 401).map((answer) => answer.endedAt),
    );
    console.log(
      [
        `flood of ${floodRequests} wrong passwords from ${attackerAddress}: ${JSON.stringify(counts)} in ${floodMs.toFixed(0)} ms (${answeredBefore} answered when the bystander went)`,
        `bystander (${bystanderAddress}) during the flood: cached Basic read ${read.ms.toFixed(1)} ms, ` +
          `token read ${tokenRead.ms.toFixed(1)} ms, 1000-point write (sync commit) ${write.ms.toFixed(1)} ms`,
        `the last wrong password was answered ${(lastHashed - write.endedAt).toFixed(0)} ms after the write`,
      ].join('\n'),
    );
    expect(limited.length, JSON.stringify(counts)).toBeGreaterThanOrEqual(190);
    for (const answer of limited) {
      expect(['OMENDB_ERR_AUTH_RATE_LIMITED', 'OMENDB_ERR_AUTH_BUSY']).toContain(answer.code);
      expect(answer.retryAfter).toMatch(/^[1-9][0-9]*$/);
    }
    expect(answers.every((answer) => answer.status === 429 || answer.status === 401)).toBe(true);
    expect([read.status, tokenRead.status, write.status]).toEqual([200, 200, 200]);
    expect(read.ms, 'cached Basic read during the flood').toBeLessThan(validReadMsMax);
    expect(tokenRead.ms, 'token read during the flood').toBeLessThan(validReadMsMax);
    expect(write.ms, 'a 1,000-point write during the flood').toBeLessThan(floodWriteMsMax);
  }, 180_000);

  it('keeps a cached read and a 1,000-point write prompt while a flood from 20 addresses keeps every hash slot busy', async () => {
    const bystander = newAgent(4);
    const cachedBasic = basic('admin', adminPassword);
    const asBystander = (call: Omit<Call, 'agent' | 'localAddress'>) =>
      send({ ...call, agent: bystander, localAddress: bystanderAddress });
    expect((await asBystander({ path: '/v1/series', authorization: cachedBasic })).status).toBe(200);

    // Each attacker address stays under its own failure limit and guesses names that do not
    // exist, so only the bound on hashes in flight stands between it and the thread pool.
    const floodMs = 3000;
    const requestsPerAddressMax = 200;
    // The attackers retry at once but for this pause: enough to keep every slot taken (the busy
    // answers show it) without a request rate that would measure the event loop instead.
    const busyPauseMs = 100;
    const attacker = newAgent(64);
    const started = performance.now();
    const attackers = Array.from({ length: 20 }, async (_, a) => {
      const answers: Answer[] = [];
      for (let n = 0; n < requestsPerAddressMax && performance.now() - started < floodMs; n++) {
        const answer = await send({
          path: '/v1/series',
          authorization: basic(`ghost-${a}-${n}`, 'a-wrong-password'),
          localAddress: `127.0.0.${10 + a}`,
          agent: attacker,
        });
        answers.push(answer);
        if (answer.status === 429) await new Promise((resolve) => setTimeout(resolve, busyPauseMs));
      }
      return answers;
    });
    const rounds: { read: Answer; write: Answer }[] = [];
    for (let round = 0; round < 5; round++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const read = await asBystander({ path: '/v1/series', authorization: cachedBasic });
      const write = await asBystander({
        method: 'POST',
        path: '/v1/series/flood.saturated/points',
        authorization: cachedBasic,
        body: thousandPoints(round * 1000),
      });
      rounds.push({ read, write });
    }
    const answers = (await within(Promise.all(attackers), floodTimeoutMs, 'the attackers to stop')).flat();
    const roundsFrom = rounds[0]!.read.startedAt;
    const roundsTo = rounds.at(-1)!.write.endedAt;
    const hashedDuringRounds = answers.filter(
      (answer) => answer.status === 401 && answer.startedAt < roundsTo && answer.endedAt > roundsFrom,
    ).length;
    console.log(
      [
        `flood from 20 addresses for ${floodMs} ms: ${JSON.stringify(tally(answers))}`,
        `bystander reads (ms): ${rounds.map((r) => r.read.ms.toFixed(1)).join(' ')}`,
        `bystander 1000-point writes, sync commit (ms): ${rounds.map((r) => r.write.ms.toFixed(1)).join(' ')}`,
        `wrong passwords hashed while the bystander ran: ${hashedDuringRounds}`,
      ].join('\n'),
    );
    expect(hashedDuringRounds, 'the hash slots were busy during the rounds').toBeGreaterThan(0);
    for (const { read, write } of rounds) {
      expect([read.status, write.status]).toEqual([200, 200]);
      expect(write.ms, '1,000-point write while every hash slot is busy').toBeLessThan(floodWriteMsMax);
    }
    const readsMs = rounds.map((round) => round.read.ms).sort((a, b) => a - b);
    expect(readsMs[2], 'median cached read while every hash slot is busy').toBeLessThan(validReadMsMax);
  }, 180_000);
});
