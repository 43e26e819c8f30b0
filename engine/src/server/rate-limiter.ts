import { OmenDbError } from '../errors.ts';
import {
  authClientsTrackedMax,
  authFailuresMax,
  authFailuresPerUserMax,
  authFailureWindowMs,
  authUsersTrackedMax,
  userNameLengthMax,
} from '../limits.ts';

interface Window {
  readonly startedMs: number;
  failures: number;
}

/** A reserved attempt: it counts as a failure unless it is given back. */
export interface AuthAttempt {
  /** The attempt succeeded (or was never checked): it no longer counts. Only the first call counts. */
  giveBack(): void;
}

/** Failures per key in fixed windows, for a bounded number of keys. */
class FailureWindows {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly now: () => number,
    private readonly failuresMax: number,
    private readonly windowMs: number,
    private readonly keysMax: number,
  ) {}

  /** Seconds to wait when the key is limited, else 0. */
  retryAfterSeconds(key: string): number {
    const window = this.current(key);
    if (window === undefined || window.failures < this.failuresMax) return 0;
    return Math.max(1, Math.ceil((window.startedMs + this.windowMs - this.now()) / 1000));
  }

  /** Counts one failure; the window it went into, so that a success can take it back. */
  add(key: string): Window {
    let window = this.current(key);
    if (window === undefined) {
      // Bounded memory: past the limit, the key tracked longest is forgotten.
      if (this.windows.size >= this.keysMax) this.windows.delete(this.windows.keys().next().value!);
      window = { startedMs: this.now(), failures: 0 };
      this.windows.set(key, window);
    }
    window.failures++;
    return window;
  }

  /** Takes back a failure counted in `window`, unless that window has ended since. */
  takeBack(key: string, window: Window): void {
    if (this.current(key) === window && window.failures > 0) window.failures--;
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window !== undefined && this.now() - window.startedMs >= this.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}

/**
 * Limits failed authentications per client address and per user name, each in fixed windows. A
 * password attempt is counted when it is reserved, before its hash, so concurrent guesses cannot
 * all pass the check before any of them fails; a success gives its attempt back. The address limit
 * stops one client; the per-name limit stops many addresses guessing at one account. Credentials
 * that need no hash (tokens, Basic already verified) do not ask: only their failures are counted.
 */
export class AuthRateLimiter {
  private readonly addresses: FailureWindows;
  private readonly userNames: FailureWindows;

  constructor(
    now: () => number = Date.now,
    addressFailuresMax = authFailuresMax,
    windowMs = authFailureWindowMs,
    userFailuresMax = authFailuresPerUserMax,
  ) {
    this.addresses = new FailureWindows(now, addressFailuresMax, windowMs, authClientsTrackedMax);
    this.userNames = new FailureWindows(now, userFailuresMax, windowMs, authUsersTrackedMax);
  }

  /** Seconds until the address, and the user name when given, may try a password again; else 0. */
  retryAfterSeconds(client: string, userName?: string): number {
    const byName = userName === undefined ? 0 : this.userNames.retryAfterSeconds(userKey(userName));
    return Math.max(this.addresses.retryAfterSeconds(client), byName);
  }

  /**
   * Counts a password attempt before it is checked, against the address and the name; throws
   * AUTH_RATE_LIMITED (with retryAfterSeconds) when either is already limited.
   */
  reserve(client: string, userName: string): AuthAttempt {
    const retryAfterSeconds = this.retryAfterSeconds(client, userName);
    if (retryAfterSeconds > 0)
      throw new OmenDbError('OMENDB_ERR_AUTH_RATE_LIMITED', 'too many failed authentications', {
        retryAfterSeconds,
      });
    const name = userKey(userName);
    const byAddress = this.addresses.add(client);
    const byName = this.userNames.add(name);
    let given = false;
    return {
      giveBack: () => {
        if (given) return;
        given = true;
        this.addresses.takeBack(client, byAddress);
        this.userNames.takeBack(name, byName);
      },
    };
  }

  /** A failure that named no user or needed no hash (a bad token, a malformed header). */
  recordFailure(client: string): void {
    this.addresses.add(client);
  }
}

/**
 * The key of a name: valid names are at most userNameLengthMax characters, so anything longer is
 * cut to one character more (still no valid name), and a 16 KiB header costs no 16 KiB of memory.
 */
function userKey(userName: string): string {
  return userName.slice(0, userNameLengthMax + 1);
}
