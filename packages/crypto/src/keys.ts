import defaultBackend from '#crypto-backend';
import type { CryptoBackend } from './backend/types.js';
import { assertLength, utf8 } from './bytes.js';
import { type MediaType, mediaTypeInfo } from './media-types.js';

/** The keys HKDF expands a media key into (docs/protocol.md §2). */
export interface MediaKeys {
  /** AES-CBC IV of the first block, 16 bytes. */
  readonly iv: Uint8Array;
  /** AES-256 key, 32 bytes. */
  readonly cipherKey: Uint8Array;
  /** HMAC-SHA256 key for the MAC and the sidecar, 32 bytes. */
  readonly macKey: Uint8Array;
  /** Unused by the media format, kept for completeness; 32 bytes. */
  readonly refKey: Uint8Array;
}

/** Lets a caller pick a backend explicitly (tests, or forcing the pure-JS one). */
export interface BackendOption {
  /**
   * The crypto primitives to use.
   * @default the platform backend (node:crypto under Node, `@noble` elsewhere)
   */
  backend?: CryptoBackend;
}

/**
 * 32 random bytes from the platform CSPRNG, for a new media key.
 *
 * @example
 * ```ts
 * const mediaKey = generateMediaKey();
 * ```
 */
export function generateMediaKey(options: BackendOption = {}): Uint8Array {
  return (options.backend ?? defaultBackend).randomBytes(32);
}

/**
 * Expand a media key into iv, cipherKey, macKey and refKey:
 * HKDF-SHA256(mediaKey, zero salt, the type's info string, 112 bytes).
 *
 * @throws {RangeError} when `mediaKey` is not 32 bytes.
 * @throws {TypeError} when `type` is not a MediaType, or is one that is never encrypted.
 * @example
 * ```ts
 * const { iv, cipherKey, macKey } = deriveMediaKeys(mediaKey, 'video');
 * ```
 */
export function deriveMediaKeys(
  mediaKey: Uint8Array,
  type: MediaType,
  options: BackendOption = {},
): MediaKeys {
  assertLength(mediaKey, 32, 'mediaKey');
  const info = mediaTypeInfo(type).hkdfInfo;
  if (info === undefined) {
    throw new TypeError(`type ${JSON.stringify(type)} is not encrypted and has no media keys`);
  }
  const expanded = (options.backend ?? defaultBackend).hkdfSha256(mediaKey, utf8(info), 112);
  return {
    iv: expanded.slice(0, 16),
    cipherKey: expanded.slice(16, 48),
    macKey: expanded.slice(48, 80),
    refKey: expanded.slice(80, 112),
  };
}

/**
 * The AES-256-GCM key of media-retry payloads:
 * HKDF-SHA256(mediaKey, zero salt, "WhatsApp Media Retry Notification", 32 bytes).
 *
 * @throws {RangeError} when `mediaKey` is not 32 bytes.
 */
export function deriveMediaRetryKey(mediaKey: Uint8Array, options: BackendOption = {}): Uint8Array {
  assertLength(mediaKey, 32, 'mediaKey');
  return (options.backend ?? defaultBackend).hkdfSha256(
    mediaKey,
    utf8('WhatsApp Media Retry Notification'),
    32,
  );
}
