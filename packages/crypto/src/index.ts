/**
 * @wa-media/crypto — WhatsApp media encryption: keys, the AES-256-CBC + HMAC media format,
 * streaming encryptor/decryptor, sidecars, ranged decryption and media-retry AES-GCM.
 *
 * Sync/async rule: everything that works on bytes in memory is synchronous (node:crypto and
 * `@noble` are both synchronous); only functions that read a stream or iterable return a
 * promise (`computeSidecar`) or carry one (`.info` of the stream and iterable forms).
 */
export type { CbcStream, CryptoBackend, Sha256State } from './backend/types.js';
export { backendName } from './backend-name.js';
export {
  type DecryptedMediaInfo,
  decryptMedia,
  MediaDecryptor,
  type MediaDecryptorOptions,
  type MediaDecryptorResult,
} from './decrypt.js';
export {
  type EncryptedMedia,
  type EncryptedMediaInfo,
  type EncryptedMediaWithKey,
  encryptedLength,
  encryptMedia,
  type HashInWorker,
  MediaEncryptor,
  type MediaEncryptorOptions,
  type MediaEncryptorResult,
  type MediaInfo,
  type PlaintextMediaInfo,
} from './encrypt.js';
export {
  HashWorkerError,
  type HashWorkerErrorCode,
  isHashWorkerError,
  isMediaIntegrityError,
  isMediaReplayError,
  isMediaStateError,
  MediaIntegrityError,
  type MediaIntegrityErrorCode,
  type MediaIntegrityErrorOptions,
  MediaReplayError,
  type MediaReplayErrorCode,
  MediaStateError,
  type MediaStateErrorCode,
} from './errors.js';
export {
  type BackendOption,
  deriveMediaKeys,
  deriveMediaRetryKey,
  generateMediaKey,
  type MediaKeys,
} from './keys.js';
export {
  type DecryptMediaRetryOptions,
  decryptMediaRetry,
  type EncryptMediaRetryOptions,
  encryptMediaRetry,
  type SealedMediaRetry,
} from './media-retry.js';
export {
  type EncryptedMediaType,
  isMediaType,
  MEDIA_TYPE_ALIASES,
  MEDIA_TYPE_NAMES,
  MEDIA_TYPES,
  type MediaType,
  type MediaTypeInfo,
  mediaTypeInfo,
  resolveMediaType,
} from './media-types.js';
export {
  type ByteRange,
  type CiphertextRangeOptions,
  ciphertextRangeFor,
  computeSidecar,
  type DecryptRangeOptions,
  decryptRange,
  type SidecarOptions,
  type VerifySidecarOptions,
  verifySidecarRange,
} from './range.js';
export { type ReplayCiphertextOptions, replayCiphertext } from './replay.js';
export { sidecarEntryCount } from './sidecar.js';
export {
  type ByteSource,
  createDecryptStream,
  createEncryptStream,
  decryptIterable,
  encryptIterable,
  type MediaDecryptIterable,
  type MediaDecryptStream,
  type MediaEncryptIterable,
  type MediaEncryptStream,
} from './streams.js';
