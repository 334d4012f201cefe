/**
 * A bandwidth limit: each `delayFor(n)` reserves `n` bytes of the budget and says how long to
 * wait before moving them. Shared by every request when it is the global limit.
 */
export class Pacer {
  readonly bytesPerSec: number;
  #availableAt = 0;

  constructor(bytesPerSec: number) {
    this.bytesPerSec = bytesPerSec;
  }

  /** Milliseconds to wait before moving `bytes` bytes. */
  delayFor(bytes: number): number {
    const now = performance.now();
    const start = Math.max(now, this.#availableAt);
    this.#availableAt = start + (bytes / this.bytesPerSec) * 1000;
    return start - now;
  }

  /** Chunk size that keeps writes at about 20 per second, so pauses stay fine-grained. */
  chunkSize(): number {
    return Math.max(1, Math.min(64 * 1024, Math.floor(this.bytesPerSec / 20)));
  }
}
