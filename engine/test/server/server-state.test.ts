import { describe, expect, it } from 'vitest';
import { healthErrorWindowSeconds } from '../../src/limits.ts';
import { ServerState } from '../../src/server/server-state.ts';
import { codeOfCall } from '../support/codes.ts';

describe('ServerState', () => {
  it('answers 503 OMENDB_ERR_HTTP_NOT_READY for the engine until ready', () => {
    const state = new ServerState();
    expect(state.phase).toBe('starting');
    expect(codeOfCall(() => state.engine())).toBe('OMENDB_ERR_HTTP_NOT_READY');
  });

  it('computes the 5xx rate over the last window only', () => {
    const state = new ServerState();
    const t0 = 1_700_000_000_000;
    expect(state.errorRate(t0)).toBe(0);
    for (let i = 0; i < 3; i++) state.recordResponse(200, t0);
    state.recordResponse(503, t0 + 1000);
    expect(state.errorRate(t0 + 1000)).toBe(0.25);
    state.recordResponse(500, t0 + 2000);
    expect(state.errorRate(t0 + 2000)).toBe(0.4);
    // Past the window, the old seconds no longer count.
    expect(state.errorRate(t0 + 1000 + healthErrorWindowSeconds * 1000)).toBe(1);
    expect(state.errorRate(t0 + 3000 + healthErrorWindowSeconds * 1000)).toBe(0);
  });
});
