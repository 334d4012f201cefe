import { cbc, gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { join } from '../bytes.js';
import type { CbcStream, CryptoBackend, Sha256State } from './types.js';

type NobleSha256 = ReturnType<typeof sha256.create>;

class NobleSha256State implements Sha256State {
  readonly #hash: NobleSha256;
  constructor(hash: NobleSha256 = sha256.create()) {
    this.#hash = hash;
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  digest(): Uint8Array {
    return this.#hash.digest();
  }
  clone(): Sha256State {
    return new NobleSha256State(this.#hash.clone());
  }
}

// noble's CBC is one-shot, so chain calls ourselves: the next call's IV is the last
// ciphertext block of the previous one (exactly what CBC does inside one call).
function cbcStream(key: Uint8Array, iv: Uint8Array, direction: 'encrypt' | 'decrypt'): CbcStream {
  let chain = iv.slice();
  return {
    update(blocks: Uint8Array): Uint8Array {
      if (blocks.length === 0) return new Uint8Array(0);
      const cipher = cbc(key, chain, { disablePadding: true });
      if (direction === 'encrypt') {
        const out = cipher.encrypt(blocks);
        chain = out.slice(out.length - 16);
        return out;
      }
      chain = blocks.slice(blocks.length - 16);
      return cipher.decrypt(blocks);
    },
  };
}

/** The @noble/ciphers + @noble/hashes backend (pure JS, runs anywhere). */
export const nobleBackend: CryptoBackend = Object.freeze({
  name: 'noble',
  randomBytes: (length: number): Uint8Array => randomBytes(length),
  join,
  sha256: (): Sha256State => new NobleSha256State(),
  hkdfSha256: (ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array =>
    hkdf(sha256, ikm, undefined, info, length),
  cbcEncrypt: (key: Uint8Array, iv: Uint8Array): CbcStream => cbcStream(key, iv, 'encrypt'),
  cbcDecrypt: (key: Uint8Array, iv: Uint8Array): CbcStream => cbcStream(key, iv, 'decrypt'),
  gcmSeal: (key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array =>
    gcm(key, iv, aad).encrypt(plaintext),
  gcmOpen(
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    sealed: Uint8Array,
  ): Uint8Array | undefined {
    try {
      return gcm(key, iv, aad).decrypt(sealed);
    } catch {
      return undefined;
    }
  },
});

export default nobleBackend;
