import {
  createCipheriv,
  createDecipheriv,
  createHash,
  type Hash,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import {
  stopHashWorker as stopWorker,
  workerSha256,
  workerUpdateBoth,
} from './node-worker-hash.js';
import type { CbcStream, CryptoBackend, Sha256State } from './types.js';

// A view, not a copy: callers get plain Uint8Arrays whatever the backend.
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

// Never Buffer.concat / allocUnsafe: small ones come from Node's shared pool, and a view of
// that pool would hand callers (and anything they transfer) unrelated memory.
function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = view(Buffer.allocUnsafeSlow(length));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

class NodeSha256 implements Sha256State {
  readonly #hash: Hash;
  constructor(hash: Hash = createHash('sha256')) {
    this.#hash = hash;
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  digest(): Uint8Array {
    return view(this.#hash.digest());
  }
  clone(): Sha256State {
    return new NodeSha256(this.#hash.copy());
  }
}

const ZERO_SALT = new Uint8Array(32);

/** The node:crypto backend (OpenSSL; AES-NI where the CPU has it). */
export const nodeBackend: CryptoBackend = Object.freeze({
  name: 'node',
  randomBytes: (length: number): Uint8Array => view(randomBytes(length)),
  join(a: Uint8Array, b: Uint8Array): Uint8Array {
    if (a.length === 0) return b;
    if (b.length === 0) return a;
    return concat([a, b]);
  },
  sha256: (): Sha256State => new NodeSha256(),
  sha256InWorker: workerSha256,
  sha256UpdateBoth: workerUpdateBoth,
  hkdfSha256: (ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array =>
    new Uint8Array(hkdfSync('sha256', ikm, ZERO_SALT, info, length)),
  cbcEncrypt(key: Uint8Array, iv: Uint8Array): CbcStream {
    const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
    return { update: (blocks) => view(cipher.update(blocks)) };
  },
  cbcDecrypt(key: Uint8Array, iv: Uint8Array): CbcStream {
    const decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
    return { update: (blocks) => view(decipher.update(blocks)) };
  },
  gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    return concat([head, tail, cipher.getAuthTag()]);
  },
  gcmOpen(
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    sealed: Uint8Array,
  ): Uint8Array | undefined {
    if (sealed.length < 16) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const head = decipher.update(sealed.subarray(0, sealed.length - 16));
    try {
      return concat([head, decipher.final()]);
    } catch {
      return undefined;
    }
  },
});

export default nodeBackend;

/**
 * Ends the thread `hashInWorker` hashes on (resolves once it has exited), e.g. to free it after
 * a batch of large transfers, or to see how a caller copes when it dies: hashes it still held
 * throw `HashWorkerError` (`'failed'`; nothing is reported verified), and the next use starts a
 * new thread. Never throws.
 *
 * @example
 * ```ts
 * import { stopHashWorker } from '@wa-media/crypto/backend/node';
 * await stopHashWorker();
 * ```
 */
export function stopHashWorker(): Promise<void> {
  return stopWorker();
}
