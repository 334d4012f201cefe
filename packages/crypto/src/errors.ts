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
  if (error instanceof MediaIntegrityError) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'MediaIntegrityError' &&
    typeof (error as { code?: unknown }).code === 'string' &&
    Object.hasOwn(messages, (error as { code: string }).code)
  );
}
