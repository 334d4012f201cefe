// Encryption of WhatsApp media: key expansion, AES-256-CBC with the HMAC tail, the ciphertext
// and plaintext hashes (on this thread or the hash worker), incremental and one-shot.

import defaultBackend from '#crypto-backend';
import type { CbcStream, CryptoBackend, Sha256State } from './backend/types.js';
import { assertBytes, assertLength, EMPTY, join } from './bytes.js';
import { MediaStateError } from './errors.js';
import { HmacKey, type HmacSha256, hmacWithInner } from './hmac.js';
import { type BackendOption, deriveMediaKeys } from './keys.js';
import { type EncryptedMediaType, type MediaType, mediaTypeInfo } from './media-types.js';
import { SidecarBuilder } from './sidecar.js';

/** Options of {@link MediaEncryptor} and {@link encryptMedia}. */
export interface MediaEncryptorOptions extends BackendOption {
  /**
   * The 32-byte media key to use (e.g. a sticker-pack thumbnail shares its pack's key).
   * Must be fresh random bytes: reusing a key across files breaks confidentiality.
   * @default a new key from {@link generateMediaKey}
   */
  mediaKey?: Uint8Array;
  /**
   * Compute the streaming sidecar while encrypting.
   * @default true for audio and video, false otherwise
   */
  sidecar?: boolean;
  /**
   * `false` uploads the bytes as they are (newsletter / channel media, which WhatsApp does
   * not encrypt): output = input, no key, and `fileEncSha256` = `fileSha256` (the upload
   * token). A type that is never encrypted (product-catalog-image) is plaintext whatever
   * this says.
   * @default the type's `encrypted` flag
   */
  encrypted?: boolean;
  /**
   * Run the MAC and the blob's SHA-256 (`fileEncSha256`) on a worker thread while this one
   * runs the cipher and the plaintext's SHA-256: two of the three hash passes leave this
   * thread. Pays off for large files when a core is free (see the package README for
   * figures); each block of ciphertext is copied once into a bounded shared ring (the caller
   * blocks when the worker falls behind, so memory stays bounded) and `finalize()` waits for
   * the worker. Only the node backend has a worker; other backends ignore this. The first use
   * starts one worker thread for the process (unref'd: it never keeps the process alive);
   * `update` and `finalize` throw a `HashWorkerError` if it fails.
   *
   * `'all'` moves the plaintext's SHA-256 there too (a second copy per chunk): better when this
   * thread has other work per byte (the client's uploads and downloads), worse when the worker
   * then becomes the bottleneck (bare decryption).
   * @default false
   */
  hashInWorker?: HashInWorker;
}

/** What an encrypted upload needs besides the bytes (message fields). */
export interface EncryptedMediaInfo {
  /** Discriminant: the blob is ciphertext ‖ mac. */
  readonly encrypted: true;
  /** The 32-byte media key (secret: it goes only into the end-to-end encrypted message). */
  readonly mediaKey: Uint8Array;
  /** SHA-256 of the plaintext. */
  readonly fileSha256: Uint8Array;
  /** SHA-256 of the uploaded blob (ciphertext ‖ mac); its base64url is the upload token. */
  readonly fileEncSha256: Uint8Array;
  /** Plaintext length in bytes. */
  readonly fileLength: number;
  /** The streaming sidecar, when computed (audio and video by default). */
  readonly streamingSidecar?: Uint8Array;
}

/** What a plaintext upload (newsletter media, product-catalog-image) needs besides the bytes. */
export interface PlaintextMediaInfo {
  /** Discriminant: the blob is the plaintext itself. */
  readonly encrypted: false;
  /** Plaintext media has no key. */
  readonly mediaKey?: undefined;
  /** SHA-256 of the bytes. */
  readonly fileSha256: Uint8Array;
  /** Equal to `fileSha256`: for plaintext media the upload token hashes the bytes themselves. */
  readonly fileEncSha256: Uint8Array;
  /** Length in bytes. */
  readonly fileLength: number;
  /** Plaintext media has no sidecar (it is computed with the media key). */
  readonly streamingSidecar?: undefined;
}

/** Result metadata of an encryption; narrow on `encrypted`. */
export type MediaInfo = EncryptedMediaInfo | PlaintextMediaInfo;

/** What {@link MediaEncryptor.finalize} returns. */
export interface MediaEncryptorResult {
  /** The last output bytes: padded final block(s) and the 10-byte MAC (empty for plaintext). */
  readonly tail: Uint8Array;
  /** The message fields of the whole file. */
  readonly info: MediaInfo;
}

/** {@link encryptMedia}'s result: the blob to upload plus its metadata. */
export type EncryptedMedia = MediaInfo & {
  /** The bytes to upload: ciphertext ‖ mac (or the plaintext itself when not encrypted). */
  readonly data: Uint8Array;
};

/** {@link encryptMedia}'s result when the media is known to be encrypted. */
export type EncryptedMediaWithKey = EncryptedMediaInfo & {
  /** The bytes to upload: ciphertext ‖ mac. */
  readonly data: Uint8Array;
};

/** Blob length of an encrypted file of `plaintextLength` bytes: `(⌊n/16⌋ + 1)·16 + 10`. */
export function encryptedLength(plaintextLength: number): number {
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0) {
    throw new RangeError(`plaintextLength must be a non-negative integer, got ${plaintextLength}`);
  }
  return (Math.floor(plaintextLength / 16) + 1) * 16 + 10;
}

/** Decides plaintext vs encrypted from the type and the `encrypted` option. */
export function resolveEncrypted(type: MediaType, encrypted: boolean | undefined): boolean {
  const typeEncrypted = mediaTypeInfo(type).encrypted;
  if (encrypted === true && !typeEncrypted) {
    throw new TypeError(`encrypted must not be true for type ${JSON.stringify(type)}`);
  }
  return typeEncrypted && encrypted !== false;
}

/** Which hashes run on the worker thread: see the `hashInWorker` options. */
export type HashInWorker = boolean | 'all';

/** The plaintext's hash: on the worker with `hashInWorker: 'all'` (when there is one). */
export function plaintextHash(
  backend: CryptoBackend,
  inWorker: HashInWorker | undefined,
): Sha256State {
  return inWorker === 'all' && backend.sha256InWorker !== undefined
    ? backend.sha256InWorker()
    : backend.sha256();
}

/** True when `hashInWorker` is asked for and the backend has a worker. */
export function usesWorker(backend: CryptoBackend, inWorker: HashInWorker | undefined): boolean {
  return (inWorker === true || inWorker === 'all') && backend.sha256InWorker !== undefined;
}

/** The blob's hash and the MAC: on the backend's worker thread with `inWorker`, else here. */
export function ciphertextHashes(
  backend: CryptoBackend,
  macKey: Uint8Array,
  inWorker: boolean,
): { blobHash: Sha256State; mac: HmacSha256 } {
  if (inWorker && backend.sha256InWorker !== undefined) {
    return {
      blobHash: backend.sha256InWorker(),
      mac: hmacWithInner(backend, macKey, backend.sha256InWorker()),
    };
  }
  return { blobHash: backend.sha256(), mac: new HmacKey(backend, macKey).create() };
}

/** `a.update(data); b.update(data)`, with a single copy when both are on the worker thread. */
export function updateBoth(
  backend: CryptoBackend,
  a: Sha256State,
  b: Sha256State,
  data: Uint8Array,
): void {
  if (backend.sha256UpdateBoth !== undefined) {
    backend.sha256UpdateBoth(a, b, data);
  } else {
    a.update(data);
    b.update(data);
  }
}

interface EncryptState {
  readonly mediaKey: Uint8Array;
  readonly cbc: CbcStream;
  readonly mac: HmacSha256;
  readonly sidecar: SidecarBuilder | undefined;
  /** Plaintext not yet encrypted: at most 15 bytes. */
  readonly pending: Uint8Array;
  pendingLength: number;
}

/**
 * Streaming encryptor: feed plaintext chunks of any size, upload what it returns, then the
 * `tail` of {@link MediaEncryptor.finalize}. Emits whole AES blocks at once and buffers at most
 * 15 bytes, so memory stays constant whatever the file size. Synchronous.
 *
 * @example
 * ```ts
 * const encryptor = new MediaEncryptor('video');
 * for await (const chunk of file) await upload.write(encryptor.update(chunk));
 * const { tail, info } = encryptor.finalize();
 * await upload.write(tail);
 * ```
 */
export class MediaEncryptor {
  /** The media type being encrypted. */
  readonly type: MediaType;
  /** False in plaintext mode (newsletter media, product-catalog-image). */
  readonly encrypted: boolean;
  readonly #backend: CryptoBackend;
  readonly #plainHash: Sha256State;
  readonly #blobHash: Sha256State | undefined;
  readonly #state: EncryptState | undefined;
  #bytesIn = 0;
  #bytesOut = 0;
  #finished = false;

  /**
   * @throws {TypeError} when `type` is not a MediaType, or `encrypted: true` for a plaintext type,
   *   or a `mediaKey` is given in plaintext mode.
   * @throws {RangeError} when `options.mediaKey` is not 32 bytes.
   */
  constructor(type: MediaType, options: MediaEncryptorOptions = {}) {
    const backend: CryptoBackend = options.backend ?? defaultBackend;
    this.type = type;
    this.#backend = backend;
    this.encrypted = resolveEncrypted(type, options.encrypted);
    // The plaintext's hash stays on this thread: with `hashInWorker` the two ciphertext
    // hashes move instead (one copy feeds both; this thread keeps the serial CBC encryption).
    this.#plainHash = plaintextHash(backend, options.hashInWorker);
    if (!this.encrypted) {
      if (options.mediaKey !== undefined) {
        throw new TypeError('mediaKey must not be given for unencrypted media');
      }
      return;
    }
    if (options.mediaKey !== undefined) assertLength(options.mediaKey, 32, 'options.mediaKey');
    const mediaKey = options.mediaKey?.slice() ?? backend.randomBytes(32);
    const keys = deriveMediaKeys(mediaKey, type, { backend });
    const { blobHash, mac } = ciphertextHashes(
      backend,
      keys.macKey,
      usesWorker(backend, options.hashInWorker),
    );
    mac.update(keys.iv);
    const sidecarWanted = options.sidecar ?? mediaTypeInfo(type).streamable;
    // The sidecar's many short MACs stay on this thread (each digest would wait for the worker).
    const sidecar = sidecarWanted
      ? new SidecarBuilder(new HmacKey(backend, keys.macKey))
      : undefined;
    sidecar?.update(keys.iv);
    this.#blobHash = blobHash;
    this.#state = {
      mediaKey,
      cbc: backend.cbcEncrypt(keys.cipherKey, keys.iv),
      mac,
      sidecar,
      pending: new Uint8Array(16),
      pendingLength: 0,
    };
  }

  /** Plaintext bytes fed so far. */
  get bytesIn(): number {
    return this.#bytesIn;
  }

  /** Output bytes returned so far (including the tail once finalized). */
  get bytesOut(): number {
    return this.#bytesOut;
  }

  /**
   * Encrypt the next chunk. Returns the ciphertext of every block completed so far (possibly
   * empty); in plaintext mode returns `chunk` itself.
   *
   * @throws {TypeError} when `chunk` is not a Uint8Array.
   * @throws {MediaStateError} after {@link MediaEncryptor.finalize} (`code: 'finalized'`).
   */
  update(chunk: Uint8Array): Uint8Array {
    const parts = this.#encrypt(chunk, 'update');
    if (parts.length === 0) return EMPTY;
    if (parts.length === 1) return parts[0]!;
    return this.#backend.join(parts[0]!, parts[1]!);
  }

  /**
   * Like {@link MediaEncryptor.update}, but returns the output as up to two arrays, in order,
   * instead of joining them: saves a copy when chunks are not block-aligned (the stream forms
   * use it).
   *
   * @throws {TypeError} when `chunk` is not a Uint8Array.
   * @throws {MediaStateError} after {@link MediaEncryptor.finalize} (`code: 'finalized'`).
   */
  updateParts(chunk: Uint8Array): Uint8Array[] {
    return this.#encrypt(chunk, 'updateParts');
  }

  #encrypt(chunk: Uint8Array, method: string): Uint8Array[] {
    assertBytes(chunk, 'chunk');
    if (this.#finished) throw new MediaStateError(`MediaEncryptor.${method}`, 'finalized');
    this.#bytesIn += chunk.length;
    this.#plainHash.update(chunk);
    const state = this.#state;
    if (state === undefined) {
      this.#bytesOut += chunk.length;
      return chunk.length === 0 ? [] : [chunk];
    }
    const { pending } = state;
    const available = state.pendingLength + chunk.length;
    if (available < 16) {
      pending.set(chunk, state.pendingLength);
      state.pendingLength = available;
      return [];
    }
    const parts: Uint8Array[] = [];
    let offset = 0;
    if (state.pendingLength > 0) {
      offset = 16 - state.pendingLength;
      pending.set(chunk.subarray(0, offset), state.pendingLength);
      parts.push(this.#emit(state, state.cbc.update(pending)));
    }
    const bodyEnd = offset + Math.floor((chunk.length - offset) / 16) * 16;
    if (bodyEnd > offset) {
      parts.push(this.#emit(state, state.cbc.update(chunk.subarray(offset, bodyEnd))));
    }
    state.pendingLength = chunk.length - bodyEnd;
    pending.set(chunk.subarray(bodyEnd), 0);
    return parts;
  }

  /**
   * Pad and encrypt the last block, append the MAC, and return them with the metadata.
   *
   * @throws {MediaStateError} when called twice (`code: 'finalized'`).
   */
  finalize(): MediaEncryptorResult {
    if (this.#finished) throw new MediaStateError('MediaEncryptor.finalize', 'finalized');
    this.#finished = true;
    const fileSha256 = this.#plainHash.digest();
    const state = this.#state;
    if (state === undefined) {
      return {
        tail: EMPTY,
        info: {
          encrypted: false,
          fileSha256,
          fileEncSha256: fileSha256,
          fileLength: this.#bytesIn,
        },
      };
    }
    // PKCS#7: always pad, a whole block of 16s when the plaintext is block-aligned.
    const padding = 16 - state.pendingLength;
    state.pending.fill(padding, state.pendingLength);
    const last = state.cbc.update(state.pending);
    state.pending.fill(0);
    state.mac.update(last);
    const mac = state.mac.digest().subarray(0, 10);
    const tail = join(last, mac);
    this.#emit(state, tail);
    const streamingSidecar = state.sidecar?.finish();
    const info: EncryptedMediaInfo = {
      encrypted: true,
      mediaKey: state.mediaKey,
      fileSha256,
      fileEncSha256: this.#blobHash!.digest(),
      fileLength: this.#bytesIn,
      ...(streamingSidecar === undefined ? {} : { streamingSidecar }),
    };
    return { tail, info };
  }

  #emit(state: EncryptState, out: Uint8Array): Uint8Array {
    if (out.length === 0) return out;
    this.#bytesOut += out.length;
    // The MAC covers iv ‖ ciphertext only: finalize feeds the last block itself, before the MAC.
    if (this.#finished) this.#blobHash!.update(out);
    else updateBoth(this.#backend, this.#blobHash!, state.mac.inner, out);
    state.sidecar?.update(out);
    return out;
  }
}

/**
 * Encrypt a whole file in memory (for large files use {@link MediaEncryptor} or
 * {@link createEncryptStream}). Synchronous. `data` is always a new array, also for
 * unencrypted media (a copy of `plaintext`).
 *
 * @throws {TypeError} when `plaintext` is not a Uint8Array or `type` is not a MediaType.
 * @throws {RangeError} when `options.mediaKey` is not 32 bytes.
 * @example
 * ```ts
 * const { data, mediaKey, fileSha256, fileEncSha256, fileLength } = encryptMedia(bytes, 'image');
 * ```
 */
export function encryptMedia(
  plaintext: Uint8Array,
  type: EncryptedMediaType,
  options?: MediaEncryptorOptions & { encrypted?: true },
): EncryptedMediaWithKey;
export function encryptMedia(
  plaintext: Uint8Array,
  type: MediaType,
  options?: MediaEncryptorOptions,
): EncryptedMedia;
export function encryptMedia(
  plaintext: Uint8Array,
  type: MediaType,
  options: MediaEncryptorOptions = {},
): EncryptedMedia {
  assertBytes(plaintext, 'plaintext');
  const encryptor = new MediaEncryptor(type, options);
  const body = encryptor.update(plaintext);
  const { tail, info } = encryptor.finalize();
  // In plaintext mode body is the caller's array: return a copy (like decryptMedia), so the
  // result never aliases, nor changes with, the caller's buffer.
  return { ...info, data: encryptor.encrypted ? join(body, tail) : plaintext.slice() };
}
