// When the client hashes on @wa-media/crypto's worker thread (`hashInWorker`): the MAC and the
// blob's SHA-256 move there, the cipher and the plaintext's SHA-256 stay on the caller's thread.
// Only for large transfers: the handoff costs a copy per chunk and, once, a thread start, which
// only pays off over megabytes. The measured outcome is in docs/decisions.md and the README.

/** Internal: read on each transfer (the bench flips it to measure both paths in one process). */
export const workerHashing: { minBytes: number } = {
  /** Transfers of at least this many plaintext bytes (when known up front) use the worker. */
  minBytes: 8 * 1024 * 1024,
};

/** True when a transfer of `length` plaintext bytes (undefined: unknown) should use it. */
export function useHashWorker(length: number | undefined): boolean {
  return length !== undefined && length >= workerHashing.minBytes;
}
