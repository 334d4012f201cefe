// The ciphertext of a file encrypted once already, produced again without hashing: the sending
// pass of a two-pass upload (the hashes and the MAC came from the first pass). AES-CBC with
// the HKDF-derived iv is deterministic, so the same key gives the same blob; only the cipher
// runs, on WebCrypto where there is one (native, and off the calling thread in Node), and the
// last block must equal the first pass's, or the source changed in between.

import defaultBackend from '#crypto-backend';
import type { CryptoBackend } from './backend/types.js';
import { assertBytes, assertLength, timingSafeEqual } from './bytes.js';
import { MediaReplayError } from './errors.js';
import { type BackendOption, deriveMediaKeys } from './keys.js';
import { type MediaType, mediaTypeInfo } from './media-types.js';

/** Options of {@link replayCiphertext}. */
export interface ReplayCiphertextOptions extends BackendOption {
  /** The media type the first pass encrypted as (an encrypted type). */
  type: MediaType;
  /** The first pass's 32-byte media key (secret). */
  mediaKey: Uint8Array;
  /** The first pass's `tail` (`MediaEncryptor.finalize()`): last block ‖ 10-byte MAC. */
  tail: Uint8Array;
  /**
   * First blob byte to produce (a resumed upload); everything before it is still encrypted,
   * since each block chains on the one before.
   * @default 0
   */
  offset?: number;
}

/** Plaintext bytes per cipher call: large enough to amortise the call, small for memory. */
const BATCH = 1024 * 1024;

/** Batches encrypted ahead of the consumer (bounded: memory stays O(batch)). */
const BATCHES_AHEAD = 2;

/** One cipher call: `last` pads (PKCS#7); other calls take and give whole blocks. */
type Encrypt = (plain: Uint8Array, last: boolean) => Promise<Uint8Array> | Uint8Array;

/**
 * The blob (ciphertext ‖ MAC) of `plaintext` under the first pass's key, from `offset` on, in
 * pieces of at most 1 MiB. Without a `backend` option WebCrypto's AES-CBC is used when the
 * runtime has it (decided here: see docs/decisions.md), else the platform backend's.
 *
 * @throws {TypeError} at once for a bad type or option; while iterating, when a chunk is not a
 *   Uint8Array.
 * @throws {RangeError} at once when `mediaKey` is not 32 bytes, `tail` not 26 or `offset` is
 *   not a non-negative integer.
 * @throws {MediaReplayError} `source-changed` (while iterating, before the MAC is yielded) when
 *   the plaintext is not the one the first pass encrypted.
 * @example
 * ```ts
 * const first = new MediaEncryptor('video', { mediaKey });
 * for await (const chunk of file.open()) first.updateParts(chunk); // hashes only
 * const { tail, info } = first.finalize();
 * for await (const piece of replayCiphertext(file.open(), { type: 'video', mediaKey, tail })) send(piece);
 * ```
 */
export function replayCiphertext(
  plaintext: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ReplayCiphertextOptions,
): AsyncGenerator<Uint8Array> {
  if (!mediaTypeInfo(options.type).encrypted) {
    throw new TypeError(`type ${JSON.stringify(options.type)} is never encrypted`);
  }
  assertLength(options.mediaKey, 32, 'options.mediaKey');
  assertLength(options.tail, 26, 'options.tail');
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`options.offset must be a non-negative integer, got ${offset}`);
  }
  const backend = options.backend;
  const keys = deriveMediaKeys(options.mediaKey, options.type, backend ? { backend } : {});
  const subtle = backend === undefined ? globalThis.crypto?.subtle : undefined;
  const encrypt =
    subtle === undefined
      ? backendCipher(backend ?? defaultBackend, keys.cipherKey, keys.iv)
      : webCryptoCipher(subtle, keys.cipherKey, keys.iv);
  const blob = prefetch(blobPieces(plaintext, encrypt, options.tail.slice()), BATCHES_AHEAD);
  return fromOffset(blob, offset);
}

/** WebCrypto pads every call: the extra block is dropped and the last block chains on. */
function webCryptoCipher(subtle: SubtleCrypto, cipherKey: Uint8Array, iv: Uint8Array): Encrypt {
  const key = subtle.importKey('raw', cipherKey.slice(), 'AES-CBC', false, ['encrypt']);
  let chain: Uint8Array<ArrayBuffer> = iv.slice();
  return async (plain, last) => {
    // WebCrypto copies its input when called (the spec says so): the caller may reuse it.
    const promise = subtle.encrypt(
      { name: 'AES-CBC', iv: chain },
      await key,
      plain as Uint8Array<ArrayBuffer>,
    );
    const out = new Uint8Array(await promise);
    if (last) return out;
    const body = out.subarray(0, plain.length);
    chain = body.slice(plain.length - 16);
    return body;
  };
}

/** The backend's streaming AES-CBC; the last call pads (PKCS#7) by hand. */
function backendCipher(backend: CryptoBackend, cipherKey: Uint8Array, iv: Uint8Array): Encrypt {
  const cbc = backend.cbcEncrypt(cipherKey, iv);
  return (plain, last) => {
    if (!last) return cbc.update(plain);
    const padded = new Uint8Array((Math.floor(plain.length / 16) + 1) * 16);
    padded.set(plain);
    padded.fill(padded.length - plain.length, plain.length);
    return cbc.update(padded);
  };
}

/**
 * The blob: the plaintext in batches of {@link BATCH} bytes through `encrypt`, the rest padded
 * at the end, then the first pass's MAC once the last block proved the plaintext is the one it
 * hashed. One batch buffer serves every call (no 1 MiB allocation per batch for the garbage
 * collector); a read of exactly one batch (file sources read 1 MiB) goes through uncopied.
 */
async function* blobPieces(
  plaintext: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  encrypt: Encrypt,
  tail: Uint8Array,
): AsyncGenerator<Uint8Array> {
  const batch = new Uint8Array(BATCH);
  let filled = 0;
  for await (const chunk of plaintext) {
    assertBytes(chunk, 'chunk');
    if (filled === 0 && chunk.length === BATCH) {
      yield await encrypt(chunk, false);
      continue;
    }
    let rest = chunk;
    while (rest.length > 0) {
      const take = Math.min(rest.length, BATCH - filled);
      batch.set(rest.subarray(0, take), filled);
      filled += take;
      rest = rest.subarray(take);
      if (filled === BATCH) {
        filled = 0;
        yield await encrypt(batch, false);
      }
    }
  }
  const last = await encrypt(batch.subarray(0, filled), true);
  if (!timingSafeEqual(last.subarray(last.length - 16), tail.subarray(0, 16))) {
    throw new MediaReplayError('source-changed');
  }
  yield last;
  yield tail.subarray(16);
}

/**
 * Runs `source` up to `ahead` items before its consumer (an async generator queues the calls
 * and computes them in order), so the cipher works while the consumer sends.
 */
async function* prefetch<T>(source: AsyncGenerator<T>, ahead: number): AsyncGenerator<T> {
  const pending: Promise<IteratorResult<T>>[] = [];
  try {
    for (;;) {
      while (pending.length < ahead) {
        const next = source.next();
        next.catch(() => {}); // rethrown below, in order; never an unhandled rejection
        pending.push(next);
      }
      const result = await (pending.shift() as Promise<IteratorResult<T>>);
      if (result.done === true) return;
      yield result.value;
    }
  } finally {
    await Promise.allSettled(pending);
    await source.return(undefined);
  }
}

/** `blob` without its first `offset` bytes. */
async function* fromOffset(
  blob: AsyncGenerator<Uint8Array>,
  offset: number,
): AsyncGenerator<Uint8Array> {
  let position = 0;
  for await (const piece of blob) {
    const end = position + piece.length;
    if (end > offset) yield position >= offset ? piece : piece.subarray(offset - position);
    position = end;
  }
}
