// Decryption of WhatsApp media: `MediaDecryptor` (incremental, verifying the MAC and the
// ciphertext/plaintext hashes before anything is reported as valid) and one-shot `decryptMedia`.

import defaultBackend from '#crypto-backend';
import type { CbcStream, CryptoBackend, Sha256State } from './backend/types.js';
import { assertBytes, assertLength, EMPTY, join, timingSafeEqual } from './bytes.js';
import {
  ciphertextHashes,
  type HashInWorker,
  plaintextHash,
  resolveEncrypted,
  updateBoth,
  usesWorker,
} from './encrypt.js';
import { MediaIntegrityError, MediaStateError } from './errors.js';
import type { HmacSha256 } from './hmac.js';
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
  /**
   * Run the MAC and the blob's SHA-256 (`fileEncSha256`) on a worker thread while this one
   * runs the cipher and the plaintext's SHA-256: two of the three hash passes leave this
   * thread. Pays off for large files when a core is free (see the package README for
   * figures); each chunk is copied once into a bounded shared ring (the caller blocks when the
   * worker falls behind, so memory stays bounded) and `finalize()` waits for the worker, then
   * checks in the usual order. Only the node backend has a worker; other backends ignore this.
   * The first use starts one worker thread for the process (unref'd: it never keeps the
   * process alive); `update` and `finalize` throw an `Error` if it fails (the blob is then
   * refused, never reported verified): a `HashWorkerError`.
   *
   * `'all'` moves the plaintext's SHA-256 there too (a second copy per chunk): better when this
   * thread has other work per byte (the client's downloads), worse when the worker then
   * becomes the bottleneck (bare decryption: it measured no faster than one thread).
   * @default false
   */
  hashInWorker?: HashInWorker;
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
  /** What was verified: hashes and length of the whole file. */
  readonly info: DecryptedMediaInfo;
}

/** Smallest blob: one block and the MAC. */
const MIN_BLOB = 26;

interface DecryptState {
  readonly cipherKey: Uint8Array;
  cbc: CbcStream;
  /** Last ciphertext block fed to `cbc`: the chaining value, so a clone can continue. */
  readonly chain: Uint8Array;
  mac: HmacSha256;
  /**
   * Blob bytes after the last whole block: 0 to 15 (in a valid blob the final 10 are the MAC,
   * which never fills a whole block — so every whole block is ciphertext and is decrypted on
   * arrival, in one call per chunk).
   */
  readonly carry: Uint8Array;
  carryLength: number;
  /**
   * Plaintext decrypted but withheld, because its last block may be the final one (its
   * padding is checked by finalize); released when another block arrives. The last block
   * alone (16 bytes) for `update`/`updateParts`, the whole latest chunk for `updateDeferred`.
   * Always an array of its own, never a view of something already returned.
   */
  held: Uint8Array | undefined;
}

function hashOption(value: Uint8Array | undefined, name: string): Uint8Array | undefined {
  if (value === undefined) return undefined;
  assertLength(value, 32, name);
  return value.slice();
}

/**
 * Streaming, verifying decryptor. Feed the blob (ciphertext ‖ mac) in chunks of any size;
 * `update` returns plaintext as soon as it can, withholding only the plaintext of the last whole
 * block (it may be the padded final one) and the bytes after it (the MAC, in the end).
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
 * {@link MediaDecryptor.clone} forks the state in memory (e.g. a checkpoint to retry from).
 * The state cannot be serialized (node:crypto does not export hash midstates): after a process
 * restart, rebuild it from the kept ciphertext prefix with {@link MediaDecryptor.resumeFrom}.
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
   *   media, or given for unencrypted media, or neither hash is given for unencrypted media.
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
    const inWorker = usesWorker(backend, options.hashInWorker);
    // With `hashInWorker` the plaintext's hash stays here, the ciphertext's hashes move.
    this.#plainHash = plaintextHash(backend, this.encrypted ? options.hashInWorker : false);
    // (Encrypted media replaces it below by the one paired with the MAC.)
    this.#blobHash = inWorker && !this.encrypted ? backend.sha256InWorker!() : backend.sha256();
    if (!this.encrypted) {
      if (options.mediaKey !== undefined) {
        // Like the encryptor: a key here means the caller believes the media is encrypted.
        throw new TypeError('mediaKey must not be given for unencrypted media');
      }
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
    const { blobHash, mac } = ciphertextHashes(backend, keys.macKey, inWorker);
    this.#blobHash = blobHash;
    mac.update(keys.iv);
    this.#state = {
      cipherKey: keys.cipherKey,
      cbc: backend.cbcDecrypt(keys.cipherKey, keys.iv),
      chain: keys.iv.slice(),
      mac,
      carry: new Uint8Array(16),
      carryLength: 0,
      held: undefined,
    };
  }

  /**
   * A decryptor that has consumed `ciphertextPrefix` (the blob bytes downloaded before), ready
   * to continue from `bytesIn` = the prefix's length. This is how to resume after a process
   * restart: the hash and MAC states cannot be serialized (node:crypto does not export them),
   * but replaying the prefix rebuilds them exactly — so keep the downloaded ciphertext (or
   * re-read it from where it is kept). The prefix's plaintext is discarded; `bytesOut` tells
   * how many plaintext bytes it gave, so truncate a kept plaintext file to `bytesOut` and
   * append what `update` returns from there. Within one process, keep the decryptor (or a
   * {@link MediaDecryptor.clone}) instead. Pass a large prefix as an iterable of chunks.
   *
   * @throws {TypeError} / {RangeError} for malformed options (see the constructor), or when a
   *   prefix chunk is not a Uint8Array.
   * @example
   * ```ts
   * const decryptor = MediaDecryptor.resumeFrom(options, keptCiphertext);
   * await plainFile.truncate(decryptor.bytesOut);
   * const rest = await fetch(url, { headers: { Range: `bytes=${decryptor.bytesIn}-` } });
   * ```
   */
  static resumeFrom(
    options: MediaDecryptorOptions,
    ciphertextPrefix: Uint8Array | Iterable<Uint8Array>,
  ): MediaDecryptor {
    const decryptor = new MediaDecryptor(options);
    const chunks = ciphertextPrefix instanceof Uint8Array ? [ciphertextPrefix] : ciphertextPrefix;
    for (const chunk of chunks) decryptor.updateParts(chunk);
    return decryptor;
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
   * @throws {MediaStateError} after finalize (`code: 'finalized'`) or after a failed finalize
   *   (`code: 'failed'`).
   */
  update(chunk: Uint8Array): Uint8Array {
    const parts = this.#decrypt(chunk, false, 'update');
    if (parts.length === 0) return EMPTY;
    if (parts.length === 1) return parts[0]!;
    return this.#backend.join(parts[0]!, parts[1]!);
  }

  /**
   * Like {@link MediaDecryptor.update}, but returns the plaintext as up to two arrays, in
   * order, instead of joining them: the block withheld from before (≤ 32 bytes), then the
   * chunk's own plaintext as the cipher produced it. Saves copying each chunk once.
   *
   * @throws {TypeError} when `chunk` is not a Uint8Array.
   * @throws {MediaStateError} after finalize (`code: 'finalized'`) or after a failed finalize
   *   (`code: 'failed'`).
   */
  updateParts(chunk: Uint8Array): Uint8Array[] {
    return this.#decrypt(chunk, false, 'updateParts');
  }

  /**
   * Like {@link MediaDecryptor.update}, but one chunk late and never split: withholds the
   * plaintext of the whole latest chunk (not only its last block) and returns it, as one array,
   * once the next chunk brings a new block. Every call returns at most one array, the cipher's
   * own output when chunks are block-aligned (joined with the block completed across the chunk
   * boundary otherwise). The stream and iterable forms use it: one output per input chunk.
   * The withheld plaintext stays in this decryptor (and its clones), so resuming from
   * `bytesIn` loses nothing; `bytesOut` counts what was returned.
   *
   * @throws {TypeError} when `chunk` is not a Uint8Array.
   * @throws {MediaStateError} after finalize (`code: 'finalized'`) or after a failed finalize
   *   (`code: 'failed'`).
   */
  updateDeferred(chunk: Uint8Array): Uint8Array {
    const parts = this.#decrypt(chunk, true, 'updateDeferred');
    return parts.length === 0 ? EMPTY : parts[0]!;
  }

  /**
   * Decrypts the chunk's blocks. `whole`: hold all the new plaintext (one array) and release
   * what was held before; otherwise hold only the new last block and release the rest.
   */
  #decrypt(chunk: Uint8Array, whole: boolean, method: string): Uint8Array[] {
    assertBytes(chunk, 'chunk');
    this.#assertOpen(method);
    this.#bytesIn += chunk.length;
    const blobHash = this.#blobHash;
    const state = this.#state;
    if (state === undefined) {
      blobHash.update(chunk);
      this.#plainHash.update(chunk);
      this.#bytesOut += chunk.length;
      return chunk.length === 0 ? [] : [chunk];
    }
    const { carry } = state;
    // New plaintext, in order: `first` (the block completed from the carry), then the chunk's
    // whole blocks — `body`, and in block mode `last` (the chunk's last block, decrypted on
    // its own so that it can be held without copying). In a valid blob every whole block is
    // ciphertext (the 10-byte MAC never fills one), so nothing else needs holding back.
    let first: Uint8Array | undefined;
    let body: Uint8Array | undefined;
    let last: Uint8Array | undefined;
    let offset = 0;
    if (state.carryLength > 0) {
      offset = 16 - state.carryLength;
      if (chunk.length < offset) {
        blobHash.update(chunk);
        carry.set(chunk, state.carryLength);
        state.carryLength += chunk.length;
        return [];
      }
      blobHash.update(chunk.subarray(0, offset));
      carry.set(chunk.subarray(0, offset), state.carryLength);
      state.carryLength = 0;
      state.mac.update(carry);
      first = state.cbc.update(carry);
      state.chain.set(carry);
    }
    const blocksEnd = offset + ((chunk.length - offset) & ~15);
    if (blocksEnd > offset) {
      const lastStart = blocksEnd - 16;
      // The blob's hash and the MAC read the same blocks: one call (one copy to the worker).
      updateBoth(this.#backend, blobHash, state.mac.inner, chunk.subarray(offset, blocksEnd));
      if (whole) {
        body = state.cbc.update(chunk.subarray(offset, blocksEnd));
      } else {
        if (lastStart > offset) body = state.cbc.update(chunk.subarray(offset, lastStart));
        last = state.cbc.update(chunk.subarray(lastStart, blocksEnd));
      }
      state.chain.set(chunk.subarray(lastStart, blocksEnd));
    }
    if (blocksEnd < chunk.length) {
      blobHash.update(chunk.subarray(blocksEnd));
      carry.set(chunk.subarray(blocksEnd), 0);
      state.carryLength = chunk.length - blocksEnd;
    }
    if (first === undefined && body === undefined && last === undefined) return [];
    // A new block arrived: whatever was held is not the final block, so it goes out now.
    const held = state.held;
    const parts: Uint8Array[] = [];
    if (whole) {
      state.held = first !== undefined && body !== undefined ? join(first, body) : (body ?? first);
      if (held !== undefined) this.#release(held, parts);
      return parts;
    }
    if (last === undefined) {
      // Only the carry's block: it becomes the held one.
      state.held = first;
      if (held !== undefined) this.#release(held, parts);
      return parts;
    }
    state.held = last;
    const small = held !== undefined && first !== undefined ? join(held, first) : (held ?? first);
    if (small !== undefined) this.#release(small, parts);
    if (body !== undefined) this.#release(body, parts);
    return parts;
  }

  /**
   * Verify everything and return the last plaintext bytes. After it returns, all bytes returned
   * by `update` plus `tail` are the verified plaintext.
   *
   * @throws {MediaIntegrityError} `truncated`, `bad-length`, `enc-sha256-mismatch`,
   *   `mac-mismatch`, `bad-padding` or `sha256-mismatch` (checked in that order).
   * @throws {MediaStateError} when called again (`code: 'finalized'` or `'failed'`).
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
    // With a sane length every whole block went through the MAC, the carry is exactly the MAC,
    // and the last block's plaintext is held.
    const expectedMac = state.mac.digest().subarray(0, 10);
    if (!timingSafeEqual(expectedMac, state.carry.subarray(0, 10))) {
      throw new MediaIntegrityError('mac-mismatch');
    }
    // A sane length means at least one block arrived, so something is held.
    const held = state.held!;
    // A copy: an array of its own, like every other output (the held array may be a chunk).
    const tail = held.slice(0, held.length - padding(held.subarray(held.length - 16)));
    this.#plainHash.update(tail);
    const fileSha256 = this.#plainHash.digest();
    if (this.#fileSha256 && !timingSafeEqual(fileSha256, this.#fileSha256)) {
      throw new MediaIntegrityError('sha256-mismatch');
    }
    this.#bytesOut += tail.length;
    state.carry.fill(0);
    state.held = undefined;
    this.#status = 'finalized';
    return { tail, info: { fileSha256, fileEncSha256, fileLength: this.#bytesOut } };
  }

  /**
   * An independent copy of this decryptor in its current state (same key, same position).
   *
   * @throws {MediaStateError} after finalize (`code: 'finalized'` or `'failed'`).
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
      copy.#state = {
        cipherKey: state.cipherKey,
        cbc: backend.cbcDecrypt(state.cipherKey, state.chain),
        chain: state.chain.slice(),
        mac: state.mac.clone(),
        carry: state.carry.slice(),
        carryLength: state.carryLength,
        held: state.held?.slice(),
      };
    }
    return copy;
  }

  #release(plain: Uint8Array, parts: Uint8Array[]): void {
    this.#plainHash.update(plain);
    this.#bytesOut += plain.length;
    parts.push(plain);
  }

  #assertOpen(method: string): void {
    if (this.#status !== 'open')
      throw new MediaStateError(`MediaDecryptor.${method}`, this.#status);
  }
}

/** The PKCS#7 padding length of the last block, checking every padding byte. */
function padding(block: Uint8Array): number {
  const count = block[15]!;
  let bad = count === 0 || count > 16 ? 1 : 0;
  for (let i = 16 - Math.min(Math.max(count, 1), 16); i < 16; i++) bad |= block[i]! ^ count;
  if (bad !== 0) throw new MediaIntegrityError('bad-padding');
  return count;
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
