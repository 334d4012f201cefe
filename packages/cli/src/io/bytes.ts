// Bytes on the command line travel as base64. We accept both alphabets (standard and URL-safe,
// padded or not) because WhatsApp tooling prints either, and 32-byte keys and hashes also as
// hex; we print standard padded base64.
import { UsageError } from '../errors.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes a base64 (or base64url) flag value. The error names the flag, never the value (it
 * may be a media key).
 * @throws {UsageError} when the value is not base64 or not `length` bytes long.
 */
export function parseBase64(flag: string, value: string, length?: number): Uint8Array {
  const trimmed = value.trim();
  if (trimmed === '' || !(BASE64.test(trimmed) || BASE64URL.test(trimmed))) {
    throw new UsageError(`${flag} must be base64`);
  }
  const unpadded = trimmed.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) throw new UsageError(`${flag} must be base64 (bad length)`);
  const bytes = new Uint8Array(
    Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64'),
  );
  if (length !== undefined && bytes.length !== length) {
    throw new UsageError(`${flag} must be ${length} bytes (got ${bytes.length})`);
  }
  return bytes;
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * Decodes a 32-byte value given on the command line or in a file (a media key, a SHA-256):
 * 64 hex digits (as `sha256sum` and many tools print) or base64 / base64url. The error names
 * the flag and says what was wrong, never the value.
 * @throws {UsageError} for anything that is not exactly 32 bytes in one of those forms.
 */
export function parseKey32(flag: string, value: string): Uint8Array {
  const trimmed = value.trim();
  if (HEX.test(trimmed) && trimmed.length === 64) {
    return new Uint8Array(Buffer.from(trimmed, 'hex'));
  }
  const base64Length = trimmed.replace(/=+$/, '').length;
  // Digits and a-f only, but not the length of a base64 key: a hex string of the wrong size.
  if (HEX.test(trimmed) && base64Length !== 43) {
    throw new UsageError(
      `${flag} must be 32 bytes: 64 hex digits (this looks like hex, with ${trimmed.length}) ` +
        'or base64 (44 characters)',
      { code: 'bad-key' },
    );
  }
  if (!(BASE64.test(trimmed) || BASE64URL.test(trimmed)) || base64Length % 4 === 1) {
    throw new UsageError(`${flag} must be base64 (44 characters) or 64 hex digits`, {
      code: 'bad-key',
    });
  }
  const bytes = parseBase64(flag, trimmed);
  if (bytes.length !== 32) {
    throw new UsageError(
      `${flag} must be 32 bytes (64 hex digits or 44 base64 characters); got ${bytes.length} bytes`,
      { code: 'bad-key' },
    );
  }
  return bytes;
}

/** Standard padded base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** `12.3 MiB`-style size. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** Throughput as `123 MiB/s`. */
export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return '∞ MiB/s';
  const rate = bytes / 1024 / 1024 / (ms / 1000);
  return `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} MiB/s`;
}
