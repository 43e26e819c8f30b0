import { authClientsTrackedMax, authFailureWindowMs, authFailuresMax } from '../limits.ts';

interface Window {
  startedMs: number;
  failures: number;
}

/**
 * Counts failed authentications per client in fixed windows. A client with authFailuresMax
 * failures in the current window is refused (429) until the window ends, before any password
 * is hashed: the limit protects both the passwords and the CPU that scrypt spends.
 */
export class AuthRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly failuresMax = authFailuresMax,
    private readonly windowMs = authFailureWindowMs,
  ) {}

  /** Seconds to wait when the client is limited, else 0. */
  retryAfterSeconds(client: string): number {
    const window = this.current(client);
    if (window === undefined || window.failures < this.failuresMax) return 0;
    return Math.max(1, Math.ceil((window.startedMs + this.windowMs - this.now()) / 1000));
  }

  recordFailure(client: string): void {
    let window = this.current(client);
    if (window === undefined) {
      // Bounded memory: past the limit, the client tracked longest is forgotten.
      if (this.windows.size >= authClientsTrackedMax) this.windows.delete(this.windows.keys().next().value!);
      window = { startedMs: this.now(), failures: 0 };
      this.windows.set(client, window);
    }
    window.failures++;
  }

  private current(client: string): Window | undefined {
    const window = this.windows.get(client);
    if (window !== undefined && this.now() - window.startedMs >= this.windowMs) {
      this.windows.delete(client);
      return undefined;
    }
    return window;
  }
}
