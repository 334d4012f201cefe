// HMAC-SHA256 built from two SHA-256 states, so its running state can be cloned on every
// backend (node:crypto's Hmac cannot be copied, its Hash can). Internal.
import type { CryptoBackend, Sha256State } from './backend/types.js';

/** A MAC key with its padded blocks absorbed once; `create()` starts a new MAC cheaply. */
export class HmacKey {
  readonly #inner: Sha256State;
  readonly #outer: Sha256State;

  constructor(backend: CryptoBackend, key: Uint8Array) {
    this.#inner = backend.sha256();
    this.#outer = backend.sha256();
    absorbPads(key, this.#inner, this.#outer);
  }

  create(): HmacSha256 {
    return new HmacSha256(this.#inner.clone(), this.#outer);
  }
}

/** Start `inner` and `outer` as HMAC-SHA256 with `key`: they absorb `key ⊕ ipad` / `⊕ opad`. */
function absorbPads(key: Uint8Array, inner: Sha256State, outer: Sha256State): void {
  // Keys here are 32 bytes (≤ the 64-byte block), so no pre-hashing is needed.
  const ipad = new Uint8Array(64).fill(0x36);
  const opad = new Uint8Array(64).fill(0x5c);
  for (let i = 0; i < key.length; i++) {
    ipad[i]! ^= key[i]!;
    opad[i]! ^= key[i]!;
  }
  inner.update(ipad);
  outer.update(opad);
  ipad.fill(0);
  opad.fill(0);
}

/**
 * A MAC whose inner hash (the one that reads the message) is the fresh state `inner` — e.g.
 * a state on the worker thread; the outer hash (32 bytes at the end) stays here.
 */
export function hmacWithInner(
  backend: CryptoBackend,
  key: Uint8Array,
  inner: Sha256State,
): HmacSha256 {
  const outer = backend.sha256();
  absorbPads(key, inner, outer);
  return new HmacSha256(inner, outer);
}

export class HmacSha256 {
  readonly #inner: Sha256State;
  readonly #outer: Sha256State;

  constructor(inner: Sha256State, outer: Sha256State) {
    this.#inner = inner;
    this.#outer = outer;
  }

  /** The state that reads the message (to feed it together with another, see `updateBoth`). */
  get inner(): Sha256State {
    return this.#inner;
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
