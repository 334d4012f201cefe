// Idle detection without a timer per chunk: one timer that, when it fires, checks how long we
// have really been waiting and re-arms for the remainder.

/** Fires `onIdle` once a wait started with `waiting()` lasts `timeoutMs` without `progress()`. */
export class IdleWatchdog {
  readonly #timeoutMs: number;
  readonly #onIdle: () => void;
  #waitingSince: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  constructor(timeoutMs: number, onIdle: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onIdle = onIdle;
  }

  /** We now expect bytes from the network (or the network to accept ours). */
  waiting(): void {
    if (this.#stopped || !Number.isFinite(this.#timeoutMs) || this.#timeoutMs <= 0) return;
    if (this.#waitingSince === null) this.#waitingSince = performance.now();
    if (this.#timer === null) this.#arm(this.#timeoutMs);
  }

  /** Bytes moved: the current wait is over. */
  progress(): void {
    this.#waitingSince = null;
  }

  stop(): void {
    this.#stopped = true;
    this.#waitingSince = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#stopped || this.#waitingSince === null) return;
      const waited = performance.now() - this.#waitingSince;
      if (waited >= this.#timeoutMs - 1) {
        this.stop();
        this.#onIdle();
      } else {
        this.#arm(this.#timeoutMs - waited);
      }
    }, delayMs);
  }
}
