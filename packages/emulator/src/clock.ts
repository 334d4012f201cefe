/**
 * The emulator's notion of "now". Auth tokens, URL expiry (`oe`) and media expiry all read it,
 * so a test can jump 14 days ahead without waiting.
 */
export interface EmulatorClock {
  /** Current emulator time, milliseconds since the Unix epoch. */
  now(): number;
  /** Moves the clock forward (or backward, with a negative value) by `ms`. */
  advance(ms: number): void;
  /** Sets the clock to `ms` (epoch milliseconds); it keeps running from there. */
  set(ms: number): void;
  /** Back to real time. */
  reset(): void;
}

/** A clock that runs with real time plus an adjustable offset. */
export function createClock(startAtMs?: number): EmulatorClock {
  let offset = startAtMs === undefined ? 0 : startAtMs - Date.now();
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      if (!Number.isFinite(ms)) throw new RangeError(`ms must be a finite number, got ${ms}`);
      offset += ms;
    },
    set(ms) {
      if (!Number.isFinite(ms)) throw new RangeError(`ms must be a finite number, got ${ms}`);
      offset = ms - Date.now();
    },
    reset() {
      offset = 0;
    },
  };
}
