/** Incremental SHA-256 whose state can be forked (needed to clone a decryptor). */
export interface Sha256State {
  /** Feeds more bytes into the hash. */
  update(data: Uint8Array): void;
  /** Final 32-byte digest; the state must not be used afterwards. */
  digest(): Uint8Array;
  /** An independent copy of the current state. */
  clone(): Sha256State;
}

/**
 * AES-256-CBC without padding, continued across calls: `update` takes whole 16-byte blocks and
 * returns as many; the chaining value carries over to the next call.
 */
export interface CbcStream {
  /** Encrypts or decrypts whole 16-byte blocks; returns as many bytes as it was given. */
  update(blocks: Uint8Array): Uint8Array;
}

/**
 * The primitives the media format needs. Two implementations ship: `node` (node:crypto, picked
 * under the `node` export condition) and `noble` (@noble/ciphers + @noble/hashes, everywhere
 * else). Both are synchronous, so the streaming classes can be too.
 */
export interface CryptoBackend {
  /** `'node'` or `'noble'`. */
  readonly name: string;
  /** `length` cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
  /** `a ‖ b` in a new array (node skips zero-filling it: this is on the hot path). */
  join(a: Uint8Array, b: Uint8Array): Uint8Array;
  /** A fresh incremental SHA-256 on this thread. */
  sha256(): Sha256State;
  /**
   * A SHA-256 state that hashes on another thread (node: one shared worker, fed through a
   * bounded shared-memory ring). Optional: backends without it hash in line.
   */
  sha256InWorker?(): Sha256State;
  /**
   * `a.update(data); b.update(data)` for two states from `sha256InWorker`, copying `data` into
   * the worker's ring once. Optional (with `sha256InWorker`).
   */
  sha256UpdateBoth?(a: Sha256State, b: Sha256State, data: Uint8Array): void;
  /** HKDF-SHA256 (RFC 5869) with an empty salt: `length` bytes of output keying material. */
  hkdfSha256(ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** An AES-256-CBC encryptor (no padding: the caller pads) with a 32-byte key and 16-byte IV. */
  cbcEncrypt(key: Uint8Array, iv: Uint8Array): CbcStream;
  /** An AES-256-CBC decryptor (no unpadding: the caller checks and strips the padding). */
  cbcDecrypt(key: Uint8Array, iv: Uint8Array): CbcStream;
  /** AES-256-GCM; returns ciphertext ‖ 16-byte tag. */
  gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** AES-256-GCM; returns the plaintext, or `undefined` when authentication fails. */
  gcmOpen(
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    sealed: Uint8Array,
  ): Uint8Array | undefined;
}
