import { randomBytes } from 'node:crypto';
import type { EmulatorClock } from '../clock.js';

export type AuthCheck = 'ok' | 'unknown' | 'expired';

/** The `auth` tokens media_conn hands out, each valid until its own expiry on the emulator clock. */
export class AuthTokens {
  readonly #clock: EmulatorClock;
  readonly #expiries = new Map<string, number>();

  constructor(clock: EmulatorClock) {
    this.#clock = clock;
  }

  /**
   * A new token. Standard base64, always with a `+` and `==`, as real ones look: a client that
   * forgets to percent-encode it gets a 401.
   */
  issue(ttlMs: number): { auth: string; expiresAtMs: number } {
    let auth: string;
    do {
      auth = randomBytes(33).toString('base64');
    } while (!auth.includes('+'));
    auth = `${auth}==`.slice(0, 46);
    const expiresAtMs = this.#clock.now() + ttlMs;
    this.#expiries.set(auth, expiresAtMs);
    return { auth, expiresAtMs };
  }

  check(auth: string | null): AuthCheck {
    if (auth === null) return 'unknown';
    const expiresAtMs = this.#expiries.get(auth);
    if (expiresAtMs === undefined) return 'unknown';
    return this.#clock.now() >= expiresAtMs ? 'expired' : 'ok';
  }

  clear(): void {
    this.#expiries.clear();
  }
}
