// Random access into encrypted media: which ciphertext bytes a plaintext range needs, sidecars
// (per-chunk MACs) and verifying and decrypting one range.

import defaultBackend from '#crypto-backend';
import { assertBytes, assertLength, timingSafeEqual } from './bytes.js';
import { MediaIntegrityError } from './errors.js';
import { HmacKey } from './hmac.js';
import { type BackendOption, deriveMediaKeys, type MediaKeys } from './keys.js';
import type { MediaType } from './media-types.js';
import { SIDECAR_ENTRY, SIDECAR_STEP, SidecarBuilder, sidecarEntryCount } from './sidecar.js';
import { type ByteSource, byteChunks } from './streams.js';

/** A half-open byte range `[start, end)`. For HTTP: `Range: bytes=${start}-${end - 1}`. */
export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Byte after the last one (exclusive). */
  readonly end: number;
}

/** Options of {@link ciphertextRangeFor}. */
export interface CiphertextRangeOptions {
  /** Length of the whole blob (ciphertext ‖ mac), e.g. from `Content-Range` or {@link encryptedLength}. */
  blobLength: number;
  /**
   * Widen the range to whole sidecar windows, so {@link decryptRange} can authenticate it.
   * @default false
   */
  sidecar?: boolean;
}

function assertBlobLength(blobLength: number): void {
  if (!Number.isSafeInteger(blobLength) || blobLength < 26 || (blobLength - 10) % 16 !== 0) {
    throw new RangeError(`blobLength must be an integer 16·k + 10 ≥ 26, got ${blobLength}`);
  }
}

function assertPlainRange(start: number, end: number, blobLength: number): void {
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new RangeError(`start must be a non-negative integer, got ${start}`);
  }
  if (!Number.isSafeInteger(end) || end <= start) {
    throw new RangeError(`end must be an integer greater than start, got ${end}`);
  }
  if (start >= blobLength - 10) {
    throw new RangeError(`start must be inside the plaintext (< ${blobLength - 10}), got ${start}`);
  }
}

/**
 * The blob byte range to fetch to decrypt plaintext bytes `[start, end)`: whole AES blocks,
 * plus the block before the first one (its IV), clipped to the ciphertext; with
 * `sidecar: true`, widened to the sidecar windows that authenticate all of it. Pure.
 *
 * @throws {RangeError} for a malformed `blobLength` or range.
 * @example
 * ```ts
 * const { start, end } = ciphertextRangeFor(1_000_000, 2_000_000, { blobLength, sidecar: true });
 * headers.Range = `bytes=${start}-${end - 1}`;
 * ```
 */
export function ciphertextRangeFor(
  start: number,
  end: number,
  options: CiphertextRangeOptions,
): ByteRange {
  const { blobLength } = options;
  assertBlobLength(blobLength);
  assertPlainRange(start, end, blobLength);
  const cipherLength = blobLength - 10;
  const firstBlock = Math.floor(start / 16);
  const fetchStart = Math.max(0, (firstBlock - 1) * 16);
  const fetchEnd = Math.min(cipherLength, Math.ceil(end / 16) * 16);
  if (options.sidecar !== true) return { start: fetchStart, end: fetchEnd };
  // Blob byte p is byte p + 16 of S = iv ‖ blob; window n covers S[n·64Ki, n·64Ki + 64Ki + 16).
  const firstWindow = Math.floor((fetchStart + 16) / SIDECAR_STEP);
  const lastWindow = Math.floor((fetchEnd - 1 + 16) / SIDECAR_STEP);
  return {
    start: Math.max(0, firstWindow * SIDECAR_STEP - 16),
    end: Math.min(blobLength, lastWindow * SIDECAR_STEP + SIDECAR_STEP),
  };
}

/** Options of {@link computeSidecar}. */
export interface SidecarOptions extends BackendOption {
  /** Media type of the blob (selects the HKDF info of the keys). */
  type: MediaType;
  /** The 32-byte media key the blob was encrypted with. */
  mediaKey: Uint8Array;
}

/**
 * Compute the streaming sidecar of a blob (ciphertext ‖ mac): 10 bytes per 64 KiB of
 * S = iv ‖ blob. Reads the source once, in constant memory. Async because the source may be.
 *
 * @throws {RangeError} when `mediaKey` is not 32 bytes; {TypeError} for a type without keys.
 * @example
 * ```ts
 * const streamingSidecar = await computeSidecar(blob, { type: 'video', mediaKey });
 * ```
 */
export async function computeSidecar(
  source: ByteSource,
  options: SidecarOptions,
): Promise<Uint8Array> {
  const backend = options.backend ?? defaultBackend;
  const keys = deriveMediaKeys(options.mediaKey, options.type, { backend });
  const builder = new SidecarBuilder(new HmacKey(backend, keys.macKey));
  builder.update(keys.iv);
  for await (const chunk of byteChunks(source)) builder.update(chunk);
  return builder.finish();
}

/** Options of {@link verifySidecarRange}. */
export interface VerifySidecarOptions extends BackendOption {
  /** Media type of the blob (selects the HKDF info of the keys). */
  type: MediaType;
  /** The 32-byte media key the blob was encrypted with. */
  mediaKey: Uint8Array;
  /** The message's `streamingSidecar`. */
  sidecar: Uint8Array;
  /** Length of the whole blob (ciphertext ‖ mac). */
  blobLength: number;
  /**
   * Blob offset of `data[0]`.
   * @default 0
   */
  offset?: number;
}

interface Verified extends ByteRange {
  readonly keys: MediaKeys;
}

function verifyWindows(data: Uint8Array, options: VerifySidecarOptions): Verified {
  assertBytes(data, 'data');
  assertBytes(options.sidecar, 'sidecar');
  const { blobLength, sidecar } = options;
  const offset = options.offset ?? 0;
  assertBlobLength(blobLength);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + data.length > blobLength) {
    throw new RangeError(`offset must place data inside the blob, got ${offset}`);
  }
  const backend = options.backend ?? defaultBackend;
  const keys = deriveMediaKeys(options.mediaKey, options.type, { backend });
  const entries = sidecarEntryCount(blobLength);
  if (sidecar.length !== entries * SIDECAR_ENTRY) {
    throw new MediaIntegrityError('sidecar-mismatch', {
      message: `sidecar has ${sidecar.length} bytes, expected ${entries * SIDECAR_ENTRY} for this blob`,
    });
  }
  const macKey = new HmacKey(backend, keys.macKey);
  const dataEnd = offset + data.length;
  let verifiedStart = -1;
  let verifiedEnd = -1;
  for (let n = Math.floor((offset + 16) / SIDECAR_STEP); n < entries; n++) {
    // Window n in blob coordinates; window 0 starts with the iv, which we derive ourselves.
    const windowStart = Math.max(0, n * SIDECAR_STEP - 16);
    const windowEnd = Math.min(blobLength, n * SIDECAR_STEP + SIDECAR_STEP);
    if (windowStart < offset) continue;
    if (windowEnd > dataEnd) break;
    const mac = macKey.create();
    if (n === 0) mac.update(keys.iv);
    mac.update(data.subarray(windowStart - offset, windowEnd - offset));
    const expected = sidecar.subarray(n * SIDECAR_ENTRY, (n + 1) * SIDECAR_ENTRY);
    if (!timingSafeEqual(mac.digest().subarray(0, SIDECAR_ENTRY), expected)) {
      throw new MediaIntegrityError('sidecar-mismatch', {
        message: `media bytes ${windowStart}–${windowEnd} do not match sidecar entry ${n}`,
      });
    }
    if (verifiedStart < 0) verifiedStart = windowStart;
    verifiedEnd = windowEnd;
  }
  if (verifiedStart < 0) return { start: offset, end: offset, keys };
  return { start: verifiedStart, end: verifiedEnd, keys };
}

/**
 * Check the sidecar windows that lie wholly inside `data` (blob bytes starting at
 * `options.offset`). Returns the blob range those windows authenticate (empty when `data`
 * holds no whole window). Synchronous.
 *
 * @throws {MediaIntegrityError} `sidecar-mismatch` when a window or the sidecar's size is wrong.
 * @throws {RangeError} for a malformed `blobLength`/`offset` or a `mediaKey` not of 32 bytes.
 */
export function verifySidecarRange(data: Uint8Array, options: VerifySidecarOptions): ByteRange {
  const { start, end } = verifyWindows(data, options);
  return { start, end };
}

/** Options of {@link decryptRange}. */
export interface DecryptRangeOptions extends BackendOption {
  /** Media type of the blob (selects the HKDF info of the keys). */
  type: MediaType;
  /** The 32-byte media key the blob was encrypted with. */
  mediaKey: Uint8Array;
  /** Length of the whole blob (ciphertext ‖ mac). */
  blobLength: number;
  /** First plaintext byte wanted. */
  start: number;
  /** Plaintext byte after the last one wanted (clipped to the end of the file). */
  end: number;
  /**
   * Blob offset of `data[0]`.
   * @default 0
   */
  offset?: number;
  /**
   * The message's `streamingSidecar`. When given, every byte used is authenticated first
   * (fetch {@link ciphertextRangeFor} with `sidecar: true`). Without it the output is
   * **unauthenticated**: AES-CBC alone does not detect tampering.
   */
  sidecar?: Uint8Array;
}

/**
 * Decrypt plaintext bytes `[start, end)` from a range of the blob (fetched per
 * {@link ciphertextRangeFor}). Synchronous.
 *
 * @throws {MediaIntegrityError} `sidecar-mismatch` (with a sidecar) or `bad-padding` (a range
 *   reaching the last block).
 * @throws {RangeError} when `data` does not cover the needed bytes, or for malformed numbers.
 * @example
 * ```ts
 * const plain = decryptRange(bytes, { type: 'video', mediaKey, blobLength, start, end, offset, sidecar });
 * ```
 */
export function decryptRange(data: Uint8Array, options: DecryptRangeOptions): Uint8Array {
  assertBytes(data, 'data');
  assertLength(options.mediaKey, 32, 'mediaKey');
  const { blobLength, start } = options;
  const offset = options.offset ?? 0;
  const needed = ciphertextRangeFor(start, options.end, {
    blobLength,
    sidecar: options.sidecar !== undefined,
  });
  if (!Number.isSafeInteger(offset) || offset > needed.start || offset + data.length < needed.end) {
    throw new RangeError(
      `data must cover blob bytes [${needed.start}, ${needed.end}), got [${offset}, ${offset + data.length})`,
    );
  }
  const backend = options.backend ?? defaultBackend;
  const keys =
    options.sidecar === undefined
      ? deriveMediaKeys(options.mediaKey, options.type, { backend })
      : verifyWindows(data.subarray(needed.start - offset, needed.end - offset), {
          ...options,
          sidecar: options.sidecar,
          offset: needed.start,
        }).keys;
  const cipherLength = blobLength - 10;
  const firstBlock = Math.floor(start / 16);
  const endBlock = Math.min(cipherLength / 16, Math.ceil(options.end / 16));
  const at = (blobOffset: number): number => blobOffset - offset;
  const iv =
    firstBlock === 0 ? keys.iv : data.subarray(at(firstBlock * 16 - 16), at(firstBlock * 16));
  const ciphertext = data.subarray(at(firstBlock * 16), at(endBlock * 16));
  const plain = backend.cbcDecrypt(keys.cipherKey, iv).update(ciphertext);
  let plainEnd = endBlock * 16;
  if (endBlock * 16 === cipherLength) {
    // The last block carries the padding: validate it and cut it off.
    const padding = plain[plain.length - 1]!;
    let bad = padding === 0 || padding > 16 ? 1 : 0;
    for (let i = plain.length - Math.min(Math.max(padding, 1), 16); i < plain.length; i++) {
      bad |= plain[i]! ^ padding;
    }
    if (bad !== 0) throw new MediaIntegrityError('bad-padding');
    plainEnd -= padding;
  }
  const from = start - firstBlock * 16;
  const to = Math.min(options.end, plainEnd) - firstBlock * 16;
  return plain.slice(from, Math.max(from, to));
}
