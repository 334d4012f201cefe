// When the client hashes on @wa-media/crypto's worker thread (`hashInWorker`): all three hash
// passes (MAC, blob SHA-256, plaintext SHA-256) move there; this thread keeps the cipher, the
// socket and the copies into the worker's ring. Only for large transfers: the handoff costs a
// copy per chunk and, once per process, a thread start. Measured outcome: docs/decisions.md.
import type { HashInWorker } from '@wa-media/crypto';

/** Internal: read on each transfer (the bench flips it to measure the variants in one process). */
export const workerHashing: { minBytes: number; split: HashInWorker } = {
  /** Transfers of at least this many plaintext bytes (when known up front) use the worker. */
  minBytes: 8 * 1024 * 1024,
  /**
   * `'all'`: every hash on the worker. Measured faster here than `true` (the two ciphertext
   * hashes only), because this thread also receives, decrypts and writes.
   */
  split: 'all',
};

/** The `hashInWorker` option for a transfer of `length` plaintext bytes (undefined: unknown). */
export function hashInWorkerFor(length: number | undefined): HashInWorker {
  return length !== undefined && length >= workerHashing.minBytes ? workerHashing.split : false;
}
