import { OmenDbError } from '../errors.ts';
import { healthErrorWindowSeconds } from '../limits.ts';
import type { Engine } from '../engine.ts';

export type Phase = 'starting' | 'ready' | 'stopping';

/**
 * What /ready, /status and /health report: the phase (the server listens while the engine is
 * still recovering, so that a load balancer sees 503 rather than a refused connection), the
 * engine once open, and the share of 5xx answers over the last minute.
 */
export class ServerState {
  phase: Phase = 'starting';
  readonly startedAtMs = Date.now();
  private engineRef: Engine | undefined;
  // A ring of per-second buckets: bounded memory whatever the request rate.
  private readonly requests = new Uint32Array(healthErrorWindowSeconds);
  private readonly errors = new Uint32Array(healthErrorWindowSeconds);
  private readonly bucketSecond = new Float64Array(healthErrorWindowSeconds);

  get engineOrUndefined(): Engine | undefined {
    return this.engineRef;
  }

  /**
   * The engine for a request; 503 while starting. While stopping, requests already in flight
   * still reach it (that is the grace period): the closing listener refuses new ones, and the
   * engine itself refuses once it is closed.
   */
  engine(): Engine {
    if (this.phase === 'starting' || this.engineRef === undefined)
      throw new OmenDbError('OMENDB_ERR_HTTP_NOT_READY', `server is ${this.phase}`, { phase: this.phase });
    return this.engineRef;
  }

  markReady(engine: Engine): void {
    this.engineRef = engine;
    this.phase = 'ready';
  }

  recordResponse(status: number, nowMs = Date.now()): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % healthErrorWindowSeconds;
    if (this.bucketSecond[slot] !== second) {
      this.bucketSecond[slot] = second;
      this.requests[slot] = 0;
      this.errors[slot] = 0;
    }
    this.requests[slot]!++;
    if (status >= 500) this.errors[slot]!++;
  }

  /** 5xx answers / all answers over the window (0 with no requests). */
  errorRate(nowMs = Date.now()): number {
    const second = Math.floor(nowMs / 1000);
    let requests = 0;
    let errors = 0;
    for (let slot = 0; slot < healthErrorWindowSeconds; slot++) {
      if (second - this.bucketSecond[slot]! >= healthErrorWindowSeconds) continue;
      requests += this.requests[slot]!;
      errors += this.errors[slot]!;
    }
    return requests === 0 ? 0 : errors / requests;
  }
}
