import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HdrLatencyRecorder } from '../../../src/runner/latency.ts';
import { type ProbeSetup, runProbe } from '../../../src/security/probes/run-probe.ts';
import { measureValidClient } from '../../../src/security/probes/valid-client.ts';
import { readStoredState } from '../../../src/security/stored-state.ts';
import { json, registryError, type ScriptedServer, startScripted } from '../scripted-server.ts';

let server: ScriptedServer;

beforeAll(async () => {
  server = await startScripted();
});

afterAll(async () => {
  await server?.close();
});

async function setup(latencyMsMax = 1_000): Promise<ProbeSetup> {
  return {
    client: server.client,
    validAuthorization: 'Bearer r',
    validPath: '/v1/series/c/points/1',
    reader: 'Bearer r',
    canary: 'c',
    baseline: await readStoredState(server.client, 'Bearer r', 'c'),
    recorder: new HdrLatencyRecorder(),
    latencyMsMax,
    samplesMin: 3,
    samplesMax: 50,
    windowMsMax: 2_000,
    intervalMs: 1,
  };
}

describe('a probe', () => {
  it('passes when the valid client is answered promptly and nothing changed', async () => {
    server.script((_seen, response) => json(response, 200, { ok: true }));
    const outcome = await runProbe('quiet', await setup(), async () => ({
      checks: [],
      metrics: { attack: 1 },
    }));
    expect(outcome.checks.map((check) => [check.name, check.pass])).toEqual([
      ['probe quiet: valid client answered', true],
      ['probe quiet: valid client p99', true],
      ['probe quiet: server ready afterwards', true],
      ['probe quiet: stored nothing', true],
    ]);
    expect(outcome.metrics).toMatchObject({ attack: 1, validReads: 3, validFailures: [] });
  });

  it('fails when the valid client goes unanswered, the server is not ready, or the state changed', async () => {
    const probeSetup = await setup(0.001);
    let attacked = false;
    server.script((seen, response) => {
      if (!attacked) return json(response, 200, { ok: true });
      if (seen.path === '/v1/series') return json(response, 200, { series: ['intruder'] });
      json(response, 503, registryError('OMENDB_ERR_HTTP_NOT_READY'));
    });
    const outcome = await runProbe('loud', probeSetup, async () => {
      attacked = true;
      return {
        checks: [{ name: 'probe loud: own check', pass: false, value: 1, threshold: '== 0' }],
        metrics: {},
      };
    });
    expect(outcome.checks.filter((check) => !check.pass).map((check) => check.name)).toEqual([
      'probe loud: valid client answered',
      'probe loud: valid client p99',
      'probe loud: server ready afterwards',
      'probe loud: stored nothing',
      'probe loud: own check',
    ]);
    expect(outcome.metrics.validFailures).toContain('503 OMENDB_ERR_HTTP_NOT_READY');
  });

  it('keeps the valid client within its bounds', async () => {
    server.script((_seen, response) => json(response, 200, { ok: true }));
    const recorder = new HdrLatencyRecorder();
    const bounded = await measureValidClient(server.client, {
      authorization: 'Bearer r',
      path: '/x',
      recorder,
      done: () => false,
      samplesMin: 1,
      samplesMax: 4,
      windowMsMax: 10_000,
      intervalMs: 1,
    });
    expect(bounded).toMatchObject({ samples: 4, failures: [] });
    expect(recorder.summary().count).toBe(4);
    const timed = await measureValidClient(server.client, {
      authorization: 'Bearer r',
      path: '/x',
      recorder,
      done: () => false,
      samplesMin: 1,
      samplesMax: 1_000,
      windowMsMax: 50,
      intervalMs: 20,
    });
    expect(timed.samples).toBeLessThan(10);
  });
});
