// replayCiphertext: the same blob as the first pass, byte for byte, on WebCrypto and on each
// backend; cross-checked against node:crypto and the repository's vectors; a changed source is
// refused before the MAC.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CryptoBackend } from './backend/types.js';
import { MediaEncryptor } from './encrypt.js';
import { isMediaReplayError } from './errors.js';
import { replayCiphertext } from './replay.js';
import {
  backends,
  concat,
  pseudoRandomBytes,
  referenceEncrypt,
  splitAt,
  toHex,
  vector,
} from './test-support/index.js';

const MiB = 1024 * 1024;

/** The first pass: hashes only (updateParts output dropped), as an upload's hash pass does. */
function firstPass(plain: Uint8Array, mediaKey: Uint8Array, type: 'image' | 'video' = 'image') {
  const encryptor = new MediaEncryptor(type, { mediaKey, sidecar: false });
  encryptor.updateParts(plain);
  return encryptor.finalize();
}

async function collect(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of pieces) out.push(piece.slice());
  return out;
}

async function* chunked(pieces: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) yield piece;
}

/** No `backend`: WebCrypto (Node has it); each backend: its own AES-CBC. */
const engines: [string, CryptoBackend | undefined][] = [
  ['webcrypto', undefined],
  ...backends.map(([name, backend]): [string, CryptoBackend] => [name, backend]),
];

describe.each(engines)('replayCiphertext on %s', (_name, backend) => {
  const options = backend === undefined ? {} : { backend };

  it('gives node:crypto’s blob for any plaintext, chunking and offset', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat({ max: 3000 }), { maxLength: 6 }),
        fc.nat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (plain, cuts, offsetSeed, mediaKey) => {
          const reference = referenceEncrypt(plain, mediaKey, 'image');
          const { tail } = firstPass(plain, mediaKey);
          const offset = offsetSeed % (reference.data.length + 1);
          const pieces = await collect(
            replayCiphertext(chunked(splitAt(plain, cuts)), {
              type: 'image',
              mediaKey,
              tail,
              offset,
              ...options,
            }),
          );
          expect(toHex(concat(pieces))).toBe(toHex(reference.data.subarray(offset)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each([
    ['one byte short of a batch', MiB - 1, 64 * 1024],
    ['exactly one batch, read whole', MiB, MiB],
    ['batches read whole, then a partial block', 2 * MiB + 5, MiB],
    ['odd reads across batch edges', 2 * MiB + 16, 777_777],
  ])('%s: the same blob, in pieces of at most 1 MiB', async (_case, size, read) => {
    const plain = pseudoRandomBytes(size, size);
    const mediaKey = pseudoRandomBytes(32, 9);
    const reference = referenceEncrypt(plain, mediaKey, 'video');
    const { tail } = firstPass(plain, mediaKey, 'video');
    const cuts = Array.from({ length: Math.ceil(size / read) }, (_, i) => i * read);
    const pieces = await collect(
      replayCiphertext(chunked(splitAt(plain, cuts)), {
        type: 'video',
        mediaKey,
        tail,
        ...options,
      }),
    );
    expect(pieces.every((piece) => piece.length <= MiB)).toBe(true);
    const blob = concat(pieces);
    expect(blob.length).toBe(reference.data.length);
    expect(Buffer.compare(blob, reference.data)).toBe(0);
  });

  it('reproduces the psr7-task-samples VIDEO blob from its plaintext and key', async () => {
    const mediaKey = vector('psr7-task-samples', 'VIDEO.key');
    const original = vector('psr7-task-samples', 'VIDEO.original');
    const encrypted = vector('psr7-task-samples', 'VIDEO.encrypted');
    const { tail } = firstPass(original, mediaKey, 'video');
    const blob = concat(
      await collect(
        replayCiphertext([original.subarray(0, 100_000), original.subarray(100_000)], {
          type: 'video',
          mediaKey,
          tail,
          ...options,
        }),
      ),
    );
    expect(toHex(blob)).toBe(toHex(encrypted));
  });

  it('a source that changed fails with source-changed, and the MAC is never yielded', async () => {
    const plain = pseudoRandomBytes(50_000, 3);
    const mediaKey = pseudoRandomBytes(32, 4);
    const { tail } = firstPass(plain, mediaKey);
    const flipped = plain.slice();
    flipped[123] = (flipped[123] ?? 0) ^ 1;
    const changed = [flipped, plain.subarray(0, 49_999), concat([plain, new Uint8Array(16)])];
    for (const source of changed) {
      const seen: Uint8Array[] = [];
      const error = await (async () => {
        for await (const piece of replayCiphertext([source], {
          type: 'image',
          mediaKey,
          tail,
          ...options,
        }))
          seen.push(piece);
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isMediaReplayError(error) && error.code).toBe('source-changed');
      expect(seen.some((piece) => toHex(piece) === toHex(tail.subarray(16)))).toBe(false);
    }
  });
});

describe('replayCiphertext arguments and early stops', () => {
  const mediaKey = new Uint8Array(32).fill(1);
  const { tail } = firstPass(new Uint8Array(10), mediaKey);

  it('refuses bad options at once, before reading anything', () => {
    const none: Uint8Array[] = [];
    expect(() =>
      replayCiphertext(none, { type: 'image', mediaKey: new Uint8Array(31), tail }),
    ).toThrow(RangeError);
    expect(() =>
      replayCiphertext(none, { type: 'image', mediaKey, tail: tail.subarray(1) }),
    ).toThrow(RangeError);
    expect(() => replayCiphertext(none, { type: 'image', mediaKey, tail, offset: -1 })).toThrow(
      RangeError,
    );
    expect(() => replayCiphertext(none, { type: 'product-catalog-image', mediaKey, tail })).toThrow(
      TypeError,
    );
  });

  it('a chunk that is not bytes is a TypeError while iterating', async () => {
    const bad = [new Uint8Array(4), 'text' as unknown as Uint8Array];
    await expect(collect(replayCiphertext(bad, { type: 'image', mediaKey, tail }))).rejects.toThrow(
      TypeError,
    );
  });

  it('a consumer that stops early ends the source read too', async () => {
    let finished = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < 8; i++) yield new Uint8Array(MiB);
      } finally {
        finished = true;
      }
    }
    const plainTail = firstPass(new Uint8Array(8 * MiB), mediaKey).tail;
    for await (const _piece of replayCiphertext(source(), {
      type: 'image',
      mediaKey,
      tail: plainTail,
    })) {
      break;
    }
    expect(finished).toBe(true);
  });
});
