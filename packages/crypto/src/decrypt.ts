import defaultBackend from '#crypto-backend';
import type { CbcStream, CryptoBackend, Sha256State } from './backend/types.js';
import { assertBytes, assertLength, EMPTY, join, timingSafeEqual } from './bytes.js';
import { resolveEncrypted } from './encrypt.js';
import { MediaIntegrityError } from './errors.js';
import { HmacKey, type HmacSha256 } from './hmac.js';
import { type BackendOption, deriveMediaKeys } from './keys.js';
import type { MediaType } from './media-types.js';

/** Options of {@link MediaDecryptor} and {@link decryptMedia}. */
export interface MediaDecryptorOptions extends BackendOption {
  /** The media type the blob was encrypted as (it selects the keys). */
  type: MediaType;
  /** The 32-byte media key from the message. Required unless the media is unencrypted. */
  mediaKey?: Uint8Array;
  /** Expected SHA-256 of the plaintext (the message's `fileSha256`); checked when given. */
  fileSha256?: Uint8Array;
  /** Expected SHA-256 of the blob (the message's `fileEncSha256`); checked when given. */
  fileEncSha256?: Uint8Array;
  /**
   * `false` for media that is not encrypted (newsletter / channel media): the bytes pass
   * through and only SHA-256 is checked, so `fileSha256` or `fileEncSha256` is then required.
   * A type that is never encrypted (product-catalog-image) is plaintext whatever this says.
   * @default the type's `encrypted` flag
   */
  encrypted?: boolean;
}

/** The hashes and length of a verified blob. */
export interface DecryptedMediaInfo {
  /** SHA-256 of the plaintext. */
  readonly fileSha256: Uint8Array;
  /** SHA-256 of the blob as received. */
  readonly fileEncSha256: Uint8Array;
  /** Plaintext length in bytes. */
  readonly fileLength: number;
}

/** What {@link MediaDecryptor.finalize} returns. */
export interface MediaDecryptorResult {
  /** The last plaintext bytes (the final block without its padding). */
  readonly tail: Uint8Array;
  readonly info: DecryptedMediaInfo;
}

/** Smallest blob: one block and the MAC. */
const MIN_BLOB = 26;
/** Blob bytes withheld until finalize: the last block (for the padding) and the MAC. */
const WITHHELD = 26;

interface DecryptState {
  readonly cipherKey: Uint8Array;
  cbc: CbcStream;
  /** Last ciphertext block fed to `cbc`: the chaining value, so a clone can continue. */
  readonly chain: Uint8Array;
  mac: HmacSha256;
  /** Blob bytes not yet decrypted: between 0 and 41 (26 to 41 once 42 bytes came in). */
  readonly carry: Uint8Array;
  carryLength: number;
}

function hashOption(value: Uint8Array | undefined, name: string): Uint8Array | undefined {
  if (value === undefined) return undefined;
  assertLength(value, 32, name);
  return value.slice();
}

/**
 * Streaming, verifying decryptor. Feed the blob (ciphertext ‖ mac) in chunks of any size;
 * `update` returns plaintext as soon as it can, withholding only the last block and the MAC.
 *
 * **Bytes returned by `update` are unverified until `finalize()` returns.** Write them to a
 * temporary place and present the result only after `finalize` succeeds (rename the temp
 * file, or truncate the writer on failure). `finalize` checks, in this order: length sane,
 * `fileEncSha256` (when given), MAC (constant time), PKCS#7 padding, `fileSha256` (when given),
 * and throws a {@link MediaIntegrityError} with the failing `code`.
 *
 * To resume an interrupted download keep this object, request the blob from byte
 * {@link MediaDecryptor.bytesIn} onwards and keep feeding it. That is exact when every output
 * was written before the next chunk was fed (the chunk API, or {@link decryptIterable}, which
 * only decrypts when its consumer asks); a `TransformStream` may drop an output it had queued
 * when its pipe errors, so check `bytesOut` against what was written before resuming.
 * {@link MediaDecryptor.clone} forks the state in memory (e.g. a checkpoint to retry from);
 * the state cannot be serialized, since node:crypto does not export hash midstates.
 *
 * @example
 * ```ts
 * const decryptor = new MediaDecryptor({ type: 'video', mediaKey, fileSha256, fileEncSha256 });
 * for await (const chunk of response.body) await temp.write(decryptor.update(chunk));
 * await temp.write(decryptor.finalize().tail); // throws MediaIntegrityError on any mismatch
 * await rename(tempPath, finalPath);
 * ```
 */
export class MediaDecryptor {
  /** The media type being decrypted. */
  readonly type: MediaType;
  /** False in plaintext mode (newsletter media, product-catalog-image). */
  readonly encrypted: boolean;
  readonly #options: MediaDecryptorOptions;
  readonly #backend: CryptoBackend;
  readonly #fileSha256: Uint8Array | undefined;
  readonly #fileEncSha256: Uint8Array | undefined;
  #blobHash: Sha256State;
  #plainHash: Sha256State;
  #state: DecryptState | undefined;
  #bytesIn = 0;
  #bytesOut = 0;
  #status: 'open' | 'finalized' | 'failed' = 'open';

  /**
   * @throws {TypeError} when `type` is not a MediaType, `mediaKey` is missing for encrypted
   *   media, or neither hash is given for unencrypted media.
   * @throws {RangeError} when `mediaKey`, `fileSha256` or `fileEncSha256` has the wrong length.
   */
  constructor(options: MediaDecryptorOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('options must be an object with type and mediaKey');
    }
    const backend: CryptoBackend = options.backend ?? defaultBackend;
    this.type = options.type;
    this.encrypted = resolveEncrypted(options.type, options.encrypted);
    // Own copies: a caller reusing its arrays must not change a running (or cloned) decryptor.
    this.#options =
      options.mediaKey instanceof Uint8Array
        ? { ...options, mediaKey: options.mediaKey.slice() }
        : options;
    this.#backend = backend;
    this.#fileSha256 = hashOption(options.fileSha256, 'fileSha256');
    this.#fileEncSha256 = hashOption(options.fileEncSha256, 'fileEncSha256');
    this.#blobHash = backend.sha256();
    this.#plainHash = backend.sha256();
    if (!this.encrypted) {
      if (this.#fileSha256 === undefined && this.#fileEncSha256 === undefined) {
        throw new TypeError(
          'fileSha256 is required for unencrypted media (nothing else verifies it)',
        );
      }
      return;
    }
    if (options.mediaKey === undefined) {
      throw new TypeError('mediaKey is required for encrypted media');
    }
    assertLength(options.mediaKey, 32, 'mediaKey');
    const keys = deriveMediaKeys(options.mediaKey, options.type, { backend });
    const mac = new HmacKey(backend, keys.macKey).create();
    mac.update(keys.iv);
    this.#state = {
      cipherKey: keys.cipherKey,
      cbc: backend.cbcDecrypt(keys.cipherKey, keys.iv),
      chain: keys.iv.slice(),
      mac,
      carry: new Uint8Array(48),
      carryLength: 0,
    };
  }

  /** Blob bytes consumed so far: the offset to resume a download from. */
  get bytesIn(): number {
    return this.#bytesIn;
  }

  /** Plaintext bytes returned so far (unverified until finalize). */
  get bytesOut(): number {
    return this.#bytesOut;
  }

  /**
   * Feed the next blob bytes; returns the plaintext decrypted so far (unverified, possibly
   * empty). In plaintext mode returns `chunk` itself.
   *
   * @throws {TypeError} when `chunk` is not a Uint8Array.
   * @throws {Error} after finalize or after a failed finalize.
   */
  update(chunk: Uint8Array): Uint8Array {
    const parts = this.updateParts(chunk);
    if (parts.length === 0) return EMPTY;
    if (parts.length === 1) return parts[0]!;
    return this.#backend.join(parts[0]!, parts[1]!);
  }

  /**
   * Like {@link MediaDecryptor.update}, but returns the plaintext as up to two arrays, in
   * order, instead of joining them: saves copying each chunk once (the stream forms use it).
   *
   * @throws {TypeError} when `chunk` is not a Uint8Array.
   * @throws {Error} after finalize or after a failed finalize.
   */
  updateParts(chunk: Uint8Array): Uint8Array[] {
    assertBytes(chunk, 'chunk');
    this.#assertOpen('update');
    this.#bytesIn += chunk.length;
    this.#blobHash.update(chunk);
    const state = this.#state;
    if (state === undefined) {
      this.#plainHash.update(chunk);
      this.#bytesOut += chunk.length;
      return chunk.length === 0 ? [] : [chunk];
    }
    const { carry } = state;
    const available = state.carryLength + chunk.length;
    // Decrypt whole blocks while keeping at least WITHHELD bytes back.
    const ready = available < WITHHELD + 16 ? 0 : Math.floor((available - WITHHELD) / 16) * 16;
    if (ready === 0) {
      carry.set(chunk, state.carryLength);
      state.carryLength = available;
      return [];
    }
    const parts: Uint8Array[] = [];
    if (state.carryLength >= ready) {
      parts.push(this.#decrypt(state, carry.subarray(0, ready)));
      carry.copyWithin(0, ready, state.carryLength);
      carry.set(chunk, state.carryLength - ready);
    } else {
      // Complete the carried bytes to whole blocks, then decrypt straight from the chunk.
      const headLength = Math.min(ready, Math.ceil(state.carryLength / 16) * 16);
      const taken = headLength - state.carryLength;
      if (headLength > 0) {
        carry.set(chunk.subarray(0, taken), state.carryLength);
        parts.push(this.#decrypt(state, carry.subarray(0, headLength)));
      }
      const bodyEnd = taken + (ready - headLength);
      if (bodyEnd > taken) parts.push(this.#decrypt(state, chunk.subarray(taken, bodyEnd)));
      carry.set(chunk.subarray(bodyEnd), 0);
    }
    state.carryLength = available - ready;
    return parts;
  }

  /**
   * Verify everything and return the last plaintext bytes. After it returns, all bytes returned
   * by `update` plus `tail` are the verified plaintext.
   *
   * @throws {MediaIntegrityError} `truncated`, `bad-length`, `enc-sha256-mismatch`,
   *   `mac-mismatch`, `bad-padding` or `sha256-mismatch` (checked in that order).
   * @throws {Error} when called twice.
   */
  finalize(): MediaDecryptorResult {
    this.#assertOpen('finalize');
    this.#status = 'failed';
    const state = this.#state;
    const fileEncSha256 = this.#blobHash.digest();
    if (state === undefined) {
      const fileSha256 = this.#plainHash.digest();
      if (this.#fileEncSha256 && !timingSafeEqual(fileEncSha256, this.#fileEncSha256)) {
        throw new MediaIntegrityError('enc-sha256-mismatch');
      }
      if (this.#fileSha256 && !timingSafeEqual(fileSha256, this.#fileSha256)) {
        throw new MediaIntegrityError('sha256-mismatch');
      }
      this.#status = 'finalized';
      return { tail: EMPTY, info: { fileSha256, fileEncSha256, fileLength: this.#bytesOut } };
    }
    const length = this.#bytesIn;
    if (length < MIN_BLOB) {
      throw new MediaIntegrityError('truncated', {
        message: `media blob is truncated: ${length} bytes, at least 26 expected`,
      });
    }
    if ((length - 10) % 16 !== 0) {
      throw new MediaIntegrityError('bad-length', {
        message: `media blob length ${length} is not 16·k + 10`,
      });
    }
    if (this.#fileEncSha256 && !timingSafeEqual(fileEncSha256, this.#fileEncSha256)) {
      throw new MediaIntegrityError('enc-sha256-mismatch');
    }
    // With a sane length, exactly the last block and the MAC are carried.
    const lastBlock = state.carry.subarray(0, 16);
    state.mac.update(lastBlock);
    const expectedMac = state.mac.digest().subarray(0, 10);
    if (!timingSafeEqual(expectedMac, state.carry.subarray(16, 26))) {
      throw new MediaIntegrityError('mac-mismatch');
    }
    const last = state.cbc.update(lastBlock);
    const tail = unpad(last);
    this.#plainHash.update(tail);
    const fileSha256 = this.#plainHash.digest();
    if (this.#fileSha256 && !timingSafeEqual(fileSha256, this.#fileSha256)) {
      throw new MediaIntegrityError('sha256-mismatch');
    }
    this.#bytesOut += tail.length;
    state.carry.fill(0);
    this.#status = 'finalized';
    return { tail, info: { fileSha256, fileEncSha256, fileLength: this.#bytesOut } };
  }

  /**
   * An independent copy of this decryptor in its current state (same key, same position).
   *
   * @throws {Error} after finalize.
   */
  clone(): MediaDecryptor {
    this.#assertOpen('clone');
    const copy = new MediaDecryptor(this.#options);
    copy.#blobHash = this.#blobHash.clone();
    copy.#plainHash = this.#plainHash.clone();
    copy.#bytesIn = this.#bytesIn;
    copy.#bytesOut = this.#bytesOut;
    const state = this.#state;
    if (state !== undefined) {
      const backend = this.#backend;
      const carry = state.carry.slice();
      copy.#state = {
        cipherKey: state.cipherKey,
        cbc: backend.cbcDecrypt(state.cipherKey, state.chain),
        chain: state.chain.slice(),
        mac: state.mac.clone(),
        carry,
        carryLength: state.carryLength,
      };
    }
    return copy;
  }

  #decrypt(state: DecryptState, blocks: Uint8Array): Uint8Array {
    state.mac.update(blocks);
    const out = state.cbc.update(blocks);
    state.chain.set(blocks.subarray(blocks.length - 16));
    this.#plainHash.update(out);
    this.#bytesOut += out.length;
    return out;
  }

  #assertOpen(method: string): void {
    if (this.#status === 'finalized') {
      throw new Error(`MediaDecryptor.${method} called after finalize`);
    }
    if (this.#status === 'failed') {
      throw new Error(`MediaDecryptor.${method} called after a failed finalize`);
    }
  }
}

/** Strips PKCS#7 padding from the last block, checking every padding byte. */
function unpad(block: Uint8Array): Uint8Array {
  const padding = block[15]!;
  let bad = padding === 0 || padding > 16 ? 1 : 0;
  for (let i = 16 - Math.min(Math.max(padding, 1), 16); i < 16; i++) bad |= block[i]! ^ padding;
  if (bad !== 0) throw new MediaIntegrityError('bad-padding');
  return block.subarray(0, 16 - padding);
}

/**
 * Decrypt and verify a whole blob in memory (for large files use {@link MediaDecryptor} or
 * {@link createDecryptStream}). Nothing is returned unless every check passes. Synchronous.
 *
 * @throws {MediaIntegrityError} `truncated`, `bad-length`, `enc-sha256-mismatch`,
 *   `mac-mismatch`, `bad-padding` or `sha256-mismatch`.
 * @throws {TypeError} / {RangeError} for malformed options (see {@link MediaDecryptor}).
 * @example
 * ```ts
 * const plaintext = decryptMedia(blob, { type: 'image', mediaKey, fileSha256, fileEncSha256 });
 * ```
 */
export function decryptMedia(data: Uint8Array, options: MediaDecryptorOptions): Uint8Array {
  assertBytes(data, 'data');
  const decryptor = new MediaDecryptor(options);
  const body = decryptor.update(data);
  const { tail } = decryptor.finalize();
  // In plaintext mode body is the caller's array: return a copy, like the encrypted path.
  return decryptor.encrypted ? join(body, tail) : data.slice();
}
