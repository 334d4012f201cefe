import defaultBackend from '#crypto-backend';
import { assertBytes, assertLength, utf8 } from './bytes.js';
import { MediaIntegrityError } from './errors.js';
import { type BackendOption, deriveMediaRetryKey } from './keys.js';

/** Options of {@link encryptMediaRetry}. */
export interface EncryptMediaRetryOptions extends BackendOption {
  /** The media key of the message whose media is re-requested (32 bytes). */
  mediaKey: Uint8Array;
  /** The message id; authenticated as AES-GCM additional data (UTF-8). */
  messageId: string;
  /** The protobuf to seal (a `ServerErrorReceipt` for a request). */
  plaintext: Uint8Array;
  /**
   * 12-byte GCM nonce. Only for tests and known-answer vectors: a reused nonce breaks GCM.
   * @default 12 random bytes
   */
  iv?: Uint8Array;
}

/** A sealed media-retry payload: the `<enc_p>` and `<enc_iv>` contents. */
export interface SealedMediaRetry {
  /** AES-256-GCM ciphertext ‖ 16-byte tag (`<enc_p>`). */
  readonly ciphertext: Uint8Array;
  /** The 12-byte nonce (`<enc_iv>`). */
  readonly iv: Uint8Array;
}

/** Options of {@link decryptMediaRetry}. */
export interface DecryptMediaRetryOptions extends BackendOption {
  /** The message's 32-byte media key (the retry key is derived from it). */
  mediaKey: Uint8Array;
  /** Id of the message the retry is for: the AAD, so an answer for another message fails. */
  messageId: string;
  /** `<enc_p>`: ciphertext ‖ tag. */
  ciphertext: Uint8Array;
  /** `<enc_iv>`: the 12-byte nonce. */
  iv: Uint8Array;
}

/**
 * Seal a media-retry payload: AES-256-GCM under {@link deriveMediaRetryKey}, AAD = message id.
 * Synchronous.
 *
 * @throws {RangeError} when `mediaKey` is not 32 bytes or `iv` not 12.
 * @throws {TypeError} when `messageId` is not a string or `plaintext` not a Uint8Array.
 * @example
 * ```ts
 * const { ciphertext, iv } = encryptMediaRetry({ mediaKey, messageId, plaintext: receipt });
 * ```
 */
export function encryptMediaRetry(options: EncryptMediaRetryOptions): SealedMediaRetry {
  assertLength(options.mediaKey, 32, 'mediaKey');
  assertBytes(options.plaintext, 'plaintext');
  assertMessageId(options.messageId);
  const backend = options.backend ?? defaultBackend;
  if (options.iv !== undefined) assertLength(options.iv, 12, 'iv');
  const iv = options.iv?.slice() ?? backend.randomBytes(12);
  const key = deriveMediaRetryKey(options.mediaKey, { backend });
  const ciphertext = backend.gcmSeal(key, iv, utf8(options.messageId), options.plaintext);
  return { ciphertext, iv };
}

/**
 * Open a media-retry payload (a `MediaRetryNotification` from the phone). Synchronous.
 *
 * @throws {MediaIntegrityError} `retry-auth-failed` when the tag, key, nonce or id don't match.
 * @throws {RangeError} when `mediaKey` is not 32 bytes or `iv` not 12.
 */
export function decryptMediaRetry(options: DecryptMediaRetryOptions): Uint8Array {
  assertLength(options.mediaKey, 32, 'mediaKey');
  assertLength(options.iv, 12, 'iv');
  assertBytes(options.ciphertext, 'ciphertext');
  assertMessageId(options.messageId);
  const backend = options.backend ?? defaultBackend;
  const key = deriveMediaRetryKey(options.mediaKey, { backend });
  const plaintext = backend.gcmOpen(key, options.iv, utf8(options.messageId), options.ciphertext);
  if (plaintext === undefined) throw new MediaIntegrityError('retry-auth-failed');
  return plaintext;
}

function assertMessageId(messageId: unknown): asserts messageId is string {
  if (typeof messageId !== 'string' || messageId.length === 0) {
    throw new TypeError('messageId must be a non-empty string');
  }
}
