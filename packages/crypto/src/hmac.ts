// HMAC-SHA256 built from two SHA-256 states, so its running state can be cloned on every
// backend (node:crypto's Hmac cannot be copied, its Hash can). Internal.
import type { CryptoBackend, Sha256State } from './backend/types.js';

/** A MAC key with its padded blocks absorbed once; `create()` starts a new MAC cheaply. */
export class HmacKey {
  readonly #inner: Sha256State;
  readonly #outer: Sha256State;

  constructor(backend: CryptoBackend, key: Uint8Array) {
    // Keys here are 32 bytes (≤ the 64-byte block), so no pre-hashing is needed.
    const ipad = new Uint8Array(64).fill(0x36);
    const opad = new Uint8Array(64).fill(0x5c);
    for (let i = 0; i < key.length; i++) {
      ipad[i]! ^= key[i]!;
      opad[i]! ^= key[i]!;
    }
    this.#inner = backend.sha256();
    this.#inner.update(ipad);
    this.#outer = backend.sha256();
    this.#outer.update(opad);
    ipad.fill(0);
    opad.fill(0);
  }

  create(): HmacSha256 {
    return new HmacSha256(this.#inner.clone(), this.#outer);
  }
}

export class HmacSha256 {
  readonly #inner: Sha256State;
  readonly #outer: Sha256State;

  constructor(inner: Sha256State, outer: Sha256State) {
    this.#inner = inner;
    this.#outer = outer;
  }

  update(data: Uint8Array): void {
    this.#inner.update(data);
  }

  digest(): Uint8Array {
    const outer = this.#outer.clone();
    outer.update(this.#inner.digest());
    return outer.digest();
  }

  clone(): HmacSha256 {
    return new HmacSha256(this.#inner.clone(), this.#outer);
  }
}
