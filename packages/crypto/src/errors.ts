/**
 * Why a blob (or a range of it, or a media-retry payload) was refused.
 *
 * - `'truncated'`: shorter than the smallest valid blob (26 bytes: one block + 10-byte MAC).
 * - `'bad-length'`: `(length - 10)` is not a multiple of 16.
 * - `'enc-sha256-mismatch'`: SHA-256 of the whole blob ≠ the expected `fileEncSha256`
 *   (for unencrypted media: SHA-256 of the bytes ≠ the expected hash).
 * - `'mac-mismatch'`: the 10-byte HMAC-SHA256 MAC does not match.
 * - `'bad-padding'`: PKCS#7 padding of the last block is not valid.
 * - `'sha256-mismatch'`: SHA-256 of the decrypted plaintext ≠ the expected `fileSha256`.
 * - `'sidecar-mismatch'`: a 64 KiB window of a ranged read does not match the streaming sidecar.
 * - `'retry-auth-failed'`: AES-GCM authentication of a media-retry payload failed.
 */
export type MediaIntegrityErrorCode =
  | 'truncated'
  | 'bad-length'
  | 'enc-sha256-mismatch'
  | 'mac-mismatch'
  | 'bad-padding'
  | 'sha256-mismatch'
  | 'sidecar-mismatch'
  | 'retry-auth-failed';

const messages: Record<MediaIntegrityErrorCode, string> = {
  truncated: 'media blob is truncated (shorter than 26 bytes)',
  'bad-length': 'media blob length is not 16·k + 10 bytes',
  'enc-sha256-mismatch': 'SHA-256 of the media blob does not match fileEncSha256',
  'mac-mismatch': 'media MAC does not match (wrong key, wrong type or corrupted blob)',
  'bad-padding': 'PKCS#7 padding of the decrypted media is invalid',
  'sha256-mismatch': 'SHA-256 of the decrypted media does not match fileSha256',
  'sidecar-mismatch': 'media range does not match the streaming sidecar',
  'retry-auth-failed': 'media retry payload failed AES-GCM authentication',
};

/** Options of {@link MediaIntegrityError}. */
export interface MediaIntegrityErrorOptions {
  /** A more precise message than the code's default. Must not contain key material. */
  message?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The one error thrown (or used to error a stream) when media bytes fail a check.
 * Its message names what failed and never contains key material.
 *
 * @example
 * ```ts
 * try { decryptMedia(blob, { type: 'image', mediaKey }); }
 * catch (error) { if (isMediaIntegrityError(error) && error.code === 'mac-mismatch') … }
 * ```
 */
export class MediaIntegrityError extends Error {
  /** Always `'MediaIntegrityError'` (what {@link isMediaIntegrityError} checks across copies). */
  override readonly name: 'MediaIntegrityError' = 'MediaIntegrityError';
  /** What failed; see {@link MediaIntegrityErrorCode}. */
  readonly code: MediaIntegrityErrorCode;

  constructor(code: MediaIntegrityErrorCode, options: MediaIntegrityErrorOptions = {}) {
    super(
      options.message ?? messages[code],
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
  }
}

/**
 * True for a {@link MediaIntegrityError}, also one from another copy of this package
 * (checks `name` and `code`, not only the prototype).
 */
export function isMediaIntegrityError(error: unknown): error is MediaIntegrityError {
  return (
    error instanceof MediaIntegrityError ||
    hasNameAndCode(error, 'MediaIntegrityError', Object.keys(messages))
  );
}

/**
 * Why a {@link MediaStateError} was thrown: the encryptor/decryptor already `'finalized'`
 * successfully, or its finalize `'failed'` (a decryptor that refused a blob stays refused).
 */
export type MediaStateErrorCode = 'finalized' | 'failed';

/**
 * Thrown when a {@link MediaEncryptor} or {@link MediaDecryptor} is used after `finalize()`
 * (`update`, `updateParts`, `updateDeferred`, `clone` or `finalize` again). A programming error,
 * not bad media: the message names the method, e.g. `MediaDecryptor.update called after
 * finalize`.
 *
 * @example
 * ```ts
 * try { encryptor.update(chunk); }
 * catch (error) { if (isMediaStateError(error)) console.log(error.method, error.code); }
 * ```
 */
export class MediaStateError extends Error {
  /** Always `'MediaStateError'` (what {@link isMediaStateError} checks across copies). */
  override readonly name: 'MediaStateError' = 'MediaStateError';
  /** `'finalized'` or `'failed'`; see {@link MediaStateErrorCode}. */
  readonly code: MediaStateErrorCode;
  /** The method that was called, e.g. `'MediaDecryptor.update'`. */
  readonly method: string;

  constructor(method: string, code: MediaStateErrorCode) {
    super(
      code === 'finalized'
        ? `${method} called after finalize`
        : `${method} called after a failed finalize`,
    );
    this.method = method;
    this.code = code;
  }
}

/** True for a {@link MediaStateError}, also one from another copy of this package. */
export function isMediaStateError(error: unknown): error is MediaStateError {
  return (
    error instanceof MediaStateError ||
    hasNameAndCode(error, 'MediaStateError', ['finalized', 'failed'])
  );
}

/** Why a {@link HashWorkerError} was thrown: the thread `'failed'` or `'stopped-responding'`. */
export type HashWorkerErrorCode = 'failed' | 'stopped-responding';

/**
 * Thrown with `hashInWorker` (node backend) when the hashing worker thread failed or stopped
 * responding: the hashes it held are lost, so the encryptor/decryptor cannot produce a result
 * (never unverified bytes reported as verified). Start over; the next use starts a new thread.
 *
 * @example
 * ```ts
 * try { decryptor.finalize(); }
 * catch (error) { if (isHashWorkerError(error)) retryWithoutWorker(); }
 * ```
 */
export class HashWorkerError extends Error {
  /** Always `'HashWorkerError'` (what {@link isHashWorkerError} checks across copies). */
  override readonly name: 'HashWorkerError' = 'HashWorkerError';
  /** `'failed'` or `'stopped-responding'`; see {@link HashWorkerErrorCode}. */
  readonly code: HashWorkerErrorCode;

  constructor(code: HashWorkerErrorCode, options?: { cause?: unknown }) {
    super(
      code === 'failed'
        ? 'the SHA-256 worker thread failed'
        : 'the SHA-256 worker thread stopped responding',
      options,
    );
    this.code = code;
  }
}

/** True for a {@link HashWorkerError}, also one from another copy of this package. */
export function isHashWorkerError(error: unknown): error is HashWorkerError {
  return (
    error instanceof HashWorkerError ||
    hasNameAndCode(error, 'HashWorkerError', ['failed', 'stopped-responding'])
  );
}

/** Why {@link replayCiphertext} stopped: `'source-changed'` (the plaintext is not the first pass's). */
export type MediaReplayErrorCode = 'source-changed';

/**
 * Thrown while iterating `replayCiphertext` when the plaintext read again does not encrypt to
 * the first pass's last block: the source changed between the passes, so the hashes and the
 * MAC already sent (or about to be) do not describe these bytes. Nothing after it is yielded.
 */
export class MediaReplayError extends Error {
  /** Always `'MediaReplayError'`. */
  override readonly name: 'MediaReplayError' = 'MediaReplayError';
  /** Why it stopped; see {@link MediaReplayErrorCode}. */
  readonly code: MediaReplayErrorCode;

  constructor(code: MediaReplayErrorCode) {
    super('the plaintext changed since the pass that hashed it');
    this.code = code;
  }
}

/** True for a {@link MediaReplayError}, also one from another copy of this package. */
export function isMediaReplayError(error: unknown): error is MediaReplayError {
  return (
    error instanceof MediaReplayError ||
    hasNameAndCode(error, 'MediaReplayError', ['source-changed'])
  );
}

/**
 * The one shape check behind every guard here: the `name`, and a `code` the class can have
 * (works for errors from another copy of this package, or rebuilt by a transport).
 */
function hasNameAndCode(error: unknown, name: string, codes: readonly string[]): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name: actual, code } = error as { name?: unknown; code?: unknown };
  return actual === name && typeof code === 'string' && codes.includes(code);
}
