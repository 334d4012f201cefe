// SHA-256 on the worker thread (node backend): same digests as node:crypto, and typed failures
// when the thread dies.
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaDecryptor } from '../decrypt.js';
import { encryptMedia, MediaEncryptor } from '../encrypt.js';
import { HashWorkerError, isHashWorkerError } from '../errors.js';
import { deriveMediaKeys } from '../keys.js';
import { createDecryptStream, createEncryptStream, decryptIterable } from '../streams.js';
import {
  backends,
  concat,
  pseudoRandomBytes,
  referenceEncrypt,
  splitAt,
} from '../test-support/index.js';
import { nobleBackend } from './noble.js';
import { nodeBackend } from './node.js';
import { stopHashWorker, workerSha256 } from './node-worker-hash.js';

const nodeSha256 = (data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(data).digest());

const MiB = 1024 * 1024;

describe('SHA-256 on the worker thread (node backend)', () => {
  it('equals node:crypto over random data and random chunkings', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 5000 }),
        fc.array(fc.nat({ max: 5100 }), { maxLength: 10 }),
        (data, cuts) => {
          const hash = workerSha256();
          for (const piece of splitAt(data, cuts)) hash.update(piece);
          expect(hash.digest()).toEqual(nodeSha256(data));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps up across several trips around its 4 MiB ring (backpressure, big updates)', () => {
    // 13 MiB: whole ring laps, updates bigger than a ring record (split), odd sizes.
    const data = pseudoRandomBytes(13 * MiB + 7, 11);
    const hash = workerSha256();
    for (const piece of splitAt(data, [1, 3 * MiB + 5, 3 * MiB + 65541, 9 * MiB])) {
      hash.update(piece);
    }
    expect(hash.digest()).toEqual(nodeSha256(data));
  });

  it('keeps interleaved states apart, and a clone continues independently', () => {
    const a = pseudoRandomBytes(200_000, 1);
    const b = pseudoRandomBytes(150_000, 2);
    const first = workerSha256();
    const second = workerSha256();
    first.update(a.subarray(0, 70_000));
    second.update(b);
    const fork = first.clone();
    first.update(a.subarray(70_000));
    fork.update(b);
    expect(second.digest()).toEqual(nodeSha256(b));
    expect(first.digest()).toEqual(nodeSha256(a));
    expect(fork.digest()).toEqual(nodeSha256(concat([a.subarray(0, 70_000), b])));
  });

  it('is what the node backend offers; the noble backend has none (the option is ignored)', () => {
    expect(nodeBackend.sha256InWorker).toBe(workerSha256);
    expect(nobleBackend.sha256InWorker).toBeUndefined();
  });

  it('refuses to be used after digest', () => {
    const hash = workerSha256();
    hash.update(new Uint8Array([1, 2, 3]));
    hash.digest();
    expect(() => hash.update(new Uint8Array(1))).toThrow('used after digest');
    expect(() => hash.digest()).toThrow('used after digest');
  });

  it('does not hold on to the caller’s bytes: changing them after update is harmless', () => {
    const data = pseudoRandomBytes(100_000, 3);
    const expected = nodeSha256(data);
    const hash = workerSha256();
    const buffer = data.slice();
    hash.update(buffer);
    buffer.fill(0);
    expect(hash.digest()).toEqual(expected);
  });
});

describe.each(backends)('hashInWorker with the %s backend', (_name, backend) => {
  it('encrypts and decrypts to the same bytes and hashes as without it', () => {
    const plaintext = pseudoRandomBytes(300_000, 5);
    const mediaKey = pseudoRandomBytes(32, 6);
    const reference = referenceEncrypt(plaintext, mediaKey, 'video');
    const encryptor = new MediaEncryptor('video', { mediaKey, backend, hashInWorker: true });
    const body = splitAt(plaintext, [1, 65_536, 100_001]).flatMap((piece) =>
      encryptor.updateParts(piece),
    );
    const { tail, info } = encryptor.finalize();
    expect(concat([...body, tail])).toEqual(reference.data);
    expect(info.fileSha256).toEqual(reference.fileSha256);
    expect(info.fileEncSha256).toEqual(reference.fileEncSha256);

    const decryptor = new MediaDecryptor({
      type: 'video',
      mediaKey,
      fileSha256: reference.fileSha256,
      backend,
      hashInWorker: true,
    });
    const plain = splitAt(reference.data, [17, 65_536, 200_000]).flatMap((piece) =>
      decryptor.updateParts(piece),
    );
    const result = decryptor.finalize();
    expect(concat([...plain, result.tail])).toEqual(plaintext);
    expect(result.info.fileSha256).toEqual(reference.fileSha256);
  });

  it('still refuses a plaintext whose SHA-256 does not match', () => {
    const { data, mediaKey } = encryptMedia(pseudoRandomBytes(70_000, 7), 'image', { backend });
    const decryptor = new MediaDecryptor({
      type: 'image',
      mediaKey,
      fileSha256: nodeSha256(new Uint8Array([1])),
      backend,
      hashInWorker: true,
    });
    decryptor.update(data);
    expect(() => decryptor.finalize()).toThrow(
      expect.objectContaining({ code: 'sha256-mismatch' }),
    );
  });

  it('a cloned decryptor finishes on its own', () => {
    const plaintext = pseudoRandomBytes(120_000, 8);
    const { data, mediaKey, fileSha256 } = encryptMedia(plaintext, 'document', { backend });
    const decryptor = new MediaDecryptor({
      type: 'document',
      mediaKey,
      fileSha256,
      backend,
      hashInWorker: true,
    });
    const head = decryptor.update(data.subarray(0, 50_000));
    const fork = decryptor.clone();
    const rest = concat([decryptor.update(data.subarray(50_000)), decryptor.finalize().tail]);
    const forkRest = concat([fork.update(data.subarray(50_000)), fork.finalize().tail]);
    expect(concat([head, rest])).toEqual(plaintext);
    expect(forkRest).toEqual(rest);
  });

  it('works through the stream and iterable forms', async () => {
    const plaintext = pseudoRandomBytes(200_000, 9);
    const mediaKey = pseudoRandomBytes(32, 10);
    const encrypt = createEncryptStream('audio', { mediaKey, backend, hashInWorker: true });
    const parts: Uint8Array[] = [];
    const writer = encrypt.writable.getWriter();
    const reading = (async () => {
      for await (const part of encrypt.readable as unknown as AsyncIterable<Uint8Array>) {
        parts.push(part);
      }
    })();
    for (const piece of splitAt(plaintext, [65_536, 131_072])) await writer.write(piece);
    await writer.close();
    await reading;
    const info = await encrypt.info;
    const blob = concat(parts);
    expect(blob).toEqual(referenceEncrypt(plaintext, mediaKey, 'audio').data);
    const options = { type: 'audio', mediaKey, fileSha256: info.fileSha256, backend } as const;
    const decrypted = decryptIterable(splitAt(blob, [100_000]), { ...options, hashInWorker: true });
    const out: Uint8Array[] = [];
    for await (const part of decrypted) out.push(part);
    expect(concat(out)).toEqual(plaintext);
    expect((await decrypted.info).fileSha256).toEqual(info.fileSha256);
    expect(createDecryptStream({ ...options, hashInWorker: true }).decryptor.encrypted).toBe(true);
  });
});

/** The outcome of decrypting `blob` in `pieces`: the plaintext, or the error's code. */
function decryptOutcome(
  pieces: readonly Uint8Array[],
  options: ConstructorParameters<typeof MediaDecryptor>[0],
): { plaintext: Uint8Array; fileSha256: Uint8Array } | { code: unknown } {
  const decryptor = new MediaDecryptor(options);
  try {
    const out = pieces.flatMap((piece) => decryptor.updateParts(piece));
    const { tail, info } = decryptor.finalize();
    return { plaintext: concat([...out, tail]), fileSha256: info.fileSha256 };
  } catch (error) {
    return { code: (error as { code?: unknown }).code };
  }
}

describe.each(backends)(
  'hashInWorker (MAC and blob hash on the worker), %s backend',
  (_n, backend) => {
    it('gives the same bytes, the same refusals and the same error order as without it', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 40_000 }),
          fc.array(fc.integer({ min: 0, max: 45_000 }), { maxLength: 5 }),
          fc.option(fc.integer({ min: 0, max: 45_000 }), { nil: undefined }),
          fc.constantFrom('none', 'flip', 'cut', 'extend'),
          fc.boolean(),
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          (size, cuts, where, damage, giveEncSha, seed) => {
            const plaintext = pseudoRandomBytes(size, seed);
            const mediaKey = pseudoRandomBytes(32, seed + 1);
            const plain = encryptMedia(plaintext, 'video', { mediaKey, backend });
            const worked = encryptMedia(plaintext, 'video', {
              mediaKey,
              backend,
              hashInWorker: true,
            });
            expect(worked).toEqual(plain);
            let blob: Uint8Array = plain.data.slice();
            const at = (where ?? 0) % blob.length;
            if (damage === 'flip') blob[at]! ^= 1 << (seed % 8);
            if (damage === 'cut') blob = blob.subarray(0, at);
            if (damage === 'extend') blob = concat([blob, pseudoRandomBytes(1 + (at % 20), seed)]);
            const pieces = splitAt(
              blob,
              cuts.filter((cut) => cut < blob.length).sort((a, b) => a - b),
            );
            const options = {
              type: 'video',
              mediaKey,
              fileSha256: plain.fileSha256,
              ...(giveEncSha ? { fileEncSha256: plain.fileEncSha256 } : {}),
              backend,
            } as const;
            const expected = decryptOutcome(pieces, options);
            expect(decryptOutcome(pieces, { ...options, hashInWorker: true })).toEqual(expected);
            if (damage === 'none') expect(expected).toMatchObject({ plaintext });
            else expect(expected).toHaveProperty('code');
          },
        ),
        { numRuns: 40 },
      );
    });

    it('checks in PROTOCOL order: the blob hash before the MAC, the MAC before padding', () => {
      const plaintext = pseudoRandomBytes(100_000, 21);
      const { data, mediaKey, fileSha256, fileEncSha256 } = encryptMedia(plaintext, 'audio', {
        backend,
      });
      const bad = data.slice();
      bad[50_000]! ^= 0x80;
      const base = { type: 'audio', mediaKey, fileSha256, backend, hashInWorker: true } as const;
      expect(decryptOutcome([bad], { ...base, fileEncSha256 })).toEqual({
        code: 'enc-sha256-mismatch',
      });
      expect(decryptOutcome([bad], base)).toEqual({ code: 'mac-mismatch' });
      expect(decryptOutcome([data.subarray(0, 20)], base)).toEqual({ code: 'truncated' });
      expect(decryptOutcome([data.subarray(0, 1000)], base)).toEqual({ code: 'bad-length' });
      expect(decryptOutcome(splitAt(data, [1, 33, 65_536]), { ...base, fileEncSha256 })).toEqual({
        plaintext,
        fileSha256,
      });
    });

    it("gives the same results with all three hashes on the worker ('all')", () => {
      const plaintext = pseudoRandomBytes(150_001, 25);
      const mediaKey = pseudoRandomBytes(32, 26);
      const reference = encryptMedia(plaintext, 'video', { mediaKey, backend });
      const encrypted = encryptMedia(plaintext, 'video', {
        mediaKey,
        backend,
        hashInWorker: 'all',
      });
      expect(encrypted).toEqual(reference);
      const options = {
        type: 'video',
        mediaKey,
        fileSha256: reference.fileSha256,
        fileEncSha256: reference.fileEncSha256,
        backend,
        hashInWorker: 'all',
      } as const;
      expect(decryptOutcome(splitAt(reference.data, [5, 70_000]), options)).toEqual({
        plaintext,
        fileSha256: reference.fileSha256,
      });
      const bad = reference.data.slice();
      bad[bad.length - 1]! ^= 1;
      expect(decryptOutcome([bad], { ...options, fileEncSha256: undefined } as never)).toEqual({
        code: 'mac-mismatch',
      });
    });

    it('refuses bad padding under a valid MAC', () => {
      // One block whose last byte is 0 (not PKCS#7), encrypted and MACed correctly.
      const mediaKey = pseudoRandomBytes(32, 22);
      const keys = deriveMediaKeys(mediaKey, 'document', { backend });
      const block = pseudoRandomBytes(16, 23);
      block[15] = 0;
      const cipher = createCipheriv('aes-256-cbc', keys.cipherKey, keys.iv).setAutoPadding(false);
      const ciphertext = new Uint8Array(cipher.update(block));
      const mac = createHmac('sha256', keys.macKey).update(keys.iv).update(ciphertext).digest();
      const blob = concat([ciphertext, new Uint8Array(mac.subarray(0, 10))]);
      const options = { type: 'document', mediaKey, backend } as const;
      expect(decryptOutcome([blob], { ...options, hashInWorker: true })).toEqual({
        code: 'bad-padding',
      });
      expect(decryptOutcome([blob], options)).toEqual({ code: 'bad-padding' });
    });

    it('hashes unencrypted (newsletter) media on the worker too', () => {
      const plaintext = pseudoRandomBytes(90_000, 24);
      const fileSha256 = nodeSha256(plaintext);
      const options = { type: 'image', encrypted: false, fileSha256, backend } as const;
      expect(
        decryptOutcome(splitAt(plaintext, [7, 40_000]), { ...options, hashInWorker: true }),
      ).toEqual({ plaintext, fileSha256 });
      const bad = plaintext.slice();
      bad[3]! ^= 1;
      expect(decryptOutcome([bad], { ...options, hashInWorker: true })).toEqual({
        code: 'sha256-mismatch',
      });
    });
  },
);

describe('when the worker thread dies (node backend)', () => {
  it('throws HashWorkerError, never a result, and the next use starts a new thread', async () => {
    const plaintext = pseudoRandomBytes(300_000, 31);
    const { data, mediaKey, fileSha256 } = encryptMedia(plaintext, 'video');
    const options = { type: 'video', mediaKey, fileSha256, hashInWorker: true } as const;
    const decryptor = new MediaDecryptor(options);
    decryptor.updateParts(data.subarray(0, 100_000));
    const encryptor = new MediaEncryptor('video', { hashInWorker: true });
    encryptor.updateParts(plaintext.subarray(0, 1000));
    await stopHashWorker();
    const refused = (run: () => unknown): unknown => {
      try {
        run();
      } catch (error) {
        return error;
      }
      return 'no error';
    };
    const error = refused(() => {
      decryptor.updateParts(data.subarray(100_000));
      decryptor.finalize();
    });
    expect(isHashWorkerError(error)).toBe(true);
    expect(error).toBeInstanceOf(HashWorkerError);
    expect(error).toMatchObject({ name: 'HashWorkerError', code: 'failed' });
    expect(isHashWorkerError(refused(() => encryptor.finalize()))).toBe(true);
    expect(isHashWorkerError(new Error('x'))).toBe(false);

    // A fresh decryptor gets a fresh thread and verifies as before.
    expect(decryptOutcome(splitAt(data, [65_536]), options)).toEqual({ plaintext, fileSha256 });
  });
});
