// Encryption and decryption end to end: vectors, property tests against node:crypto, plaintext
// mode, parameter errors and both backends.
import { createCipheriv, createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptMedia, MediaDecryptor } from './decrypt.js';
import { encryptedLength, encryptMedia, MediaEncryptor } from './encrypt.js';
import {
  isMediaIntegrityError,
  isMediaStateError,
  type MediaIntegrityErrorCode,
  MediaStateError,
} from './errors.js';
import { generateMediaKey } from './keys.js';
import { MEDIA_TYPE_NAMES, mediaTypeInfo } from './media-types.js';
import {
  backends,
  concat,
  pseudoRandomBytes,
  referenceDecrypt,
  referenceEncrypt,
  splitAt,
  toHex,
} from './test-support/index.js';

const EDGE_SIZES = [0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 255, 256, 257, 4095, 4096, 4097];

function encryptChunked(
  encryptor: MediaEncryptor,
  pieces: readonly Uint8Array[],
): { data: Uint8Array; info: ReturnType<MediaEncryptor['finalize']>['info'] } {
  const out = pieces.map((piece) => {
    const before = encryptor.bytesOut;
    const emitted = encryptor.update(piece);
    // Whole blocks out at once, at most 15 bytes buffered.
    expect(emitted.length).toBe(encryptor.bytesOut - before);
    expect(encryptor.bytesOut % 16).toBe(0);
    expect(encryptor.bytesIn - encryptor.bytesOut).toBeGreaterThanOrEqual(0);
    expect(encryptor.bytesIn - encryptor.bytesOut).toBeLessThanOrEqual(15);
    return emitted;
  });
  const { tail, info } = encryptor.finalize();
  return { data: concat([...out, tail]), info };
}

function decryptChunked(decryptor: MediaDecryptor, pieces: readonly Uint8Array[]): Uint8Array {
  const out = pieces.map((piece) => {
    const emitted = decryptor.update(piece);
    // Withholds only the last block and the MAC (plus an incomplete block).
    if (decryptor.bytesIn >= 42)
      expect(decryptor.bytesIn - decryptor.bytesOut).toBeLessThanOrEqual(41);
    return emitted;
  });
  out.push(decryptor.finalize().tail);
  return concat(out);
}

/** Runs `fn` and returns the MediaIntegrityError code it throws. */
/**
 * A blob with a correct MAC around hand-made (possibly badly padded) image plaintext blocks,
 * as a malicious sender could produce: computed with bare node:crypto, no library code.
 */
function sealWithValidMac(mediaKey: Uint8Array, paddedBlocks: Uint8Array): Uint8Array {
  const expanded = Buffer.from(
    hkdfSync('sha256', mediaKey, Buffer.alloc(32), 'WhatsApp Image Keys', 112),
  );
  const cipher = createCipheriv('aes-256-cbc', expanded.subarray(16, 48), expanded.subarray(0, 16));
  cipher.setAutoPadding(false);
  const ciphertext = Buffer.concat([cipher.update(paddedBlocks), cipher.final()]);
  const mac = createHmac('sha256', expanded.subarray(48, 80))
    .update(expanded.subarray(0, 16))
    .update(ciphertext)
    .digest()
    .subarray(0, 10);
  return new Uint8Array(Buffer.concat([ciphertext, mac]));
}

function integrityCode(fn: () => unknown): MediaIntegrityErrorCode {
  try {
    fn();
  } catch (error) {
    if (isMediaIntegrityError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a MediaIntegrityError, nothing was thrown');
}

const cutsArbitrary = (maxLength: number) =>
  fc.array(fc.integer({ min: 0, max: Math.max(0, maxLength) }), { maxLength: 12 });

describe.each(backends)('media format with the %s backend', (_name, backend) => {
  it.each(EDGE_SIZES)(
    'round-trips %i bytes and matches a bare node:crypto implementation',
    (size) => {
      const plaintext = pseudoRandomBytes(size, size + 7);
      const mediaKey = generateMediaKey({ backend });
      const reference = referenceEncrypt(plaintext, mediaKey, 'document');
      const result = encryptMedia(plaintext, 'document', { mediaKey, backend });
      expect(result.data.length).toBe(encryptedLength(size));
      expect(toHex(result.data)).toBe(toHex(reference.data));
      expect(result.fileSha256).toEqual(reference.fileSha256);
      expect(result.fileEncSha256).toEqual(reference.fileEncSha256);
      const decrypted = decryptMedia(result.data, {
        type: 'document',
        mediaKey,
        fileSha256: result.fileSha256,
        fileEncSha256: result.fileEncSha256,
        backend,
      });
      expect(toHex(decrypted)).toBe(toHex(plaintext));
    },
  );

  it('round-trips random sizes under random chunkings (encryptor and decryptor)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        cutsArbitrary(3000),
        cutsArbitrary(3100),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (plaintext, encryptCuts, decryptCuts, mediaKey) => {
          const encrypted = encryptChunked(
            new MediaEncryptor('video', { mediaKey, backend }),
            splitAt(plaintext, encryptCuts),
          );
          const reference = referenceEncrypt(plaintext, mediaKey, 'video');
          expect(toHex(encrypted.data)).toBe(toHex(reference.data));
          const decryptor = new MediaDecryptor({
            type: 'video',
            mediaKey,
            fileSha256: encrypted.info.fileSha256,
            fileEncSha256: encrypted.info.fileEncSha256,
            backend,
          });
          const decrypted = decryptChunked(decryptor, splitAt(encrypted.data, decryptCuts));
          expect(toHex(decrypted)).toBe(toHex(plaintext));
          expect(toHex(referenceDecrypt(encrypted.data, mediaKey, 'video'))).toBe(toHex(plaintext));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('updateParts gives the same bytes as update, in order', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5000 }),
        cutsArbitrary(5000),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (plaintext, cuts, mediaKey) => {
          const encryptor = new MediaEncryptor('image', { mediaKey, backend });
          const encryptedParts = splitAt(plaintext, cuts).flatMap((piece) =>
            encryptor.updateParts(piece),
          );
          expect(encryptedParts.every((part) => part.length > 0)).toBe(true);
          const blob = concat([...encryptedParts, encryptor.finalize().tail]);
          expect(blob).toEqual(referenceEncrypt(plaintext, mediaKey, 'image').data);
          const decryptor = new MediaDecryptor({ type: 'image', mediaKey, backend });
          const plainParts = splitAt(blob, cuts).flatMap((piece) => decryptor.updateParts(piece));
          expect(plainParts.length).toBeLessThanOrEqual(2 * (cuts.length + 1));
          expect(concat([...plainParts, decryptor.finalize().tail])).toEqual(plaintext);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('handles 1-byte chunks both ways', () => {
    const plaintext = pseudoRandomBytes(333, 3);
    const mediaKey = generateMediaKey({ backend });
    const oneByOne = (data: Uint8Array) => Array.from(data, (_, i) => data.subarray(i, i + 1));
    const encrypted = encryptChunked(
      new MediaEncryptor('audio', { mediaKey, backend }),
      oneByOne(plaintext),
    );
    expect(encrypted.data).toEqual(referenceEncrypt(plaintext, mediaKey, 'audio').data);
    const decrypted = decryptChunked(
      new MediaDecryptor({ type: 'audio', mediaKey, backend }),
      oneByOne(encrypted.data),
    );
    expect(decrypted).toEqual(plaintext);
  });

  it('round-trips several MiB in random chunk sizes', () => {
    const plaintext = pseudoRandomBytes(3 * 1024 * 1024 + 5, 11);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: plaintext.length }), { minLength: 1, maxLength: 40 }),
        (cuts) => {
          const mediaKey = generateMediaKey({ backend });
          const encrypted = encryptChunked(
            new MediaEncryptor('video', { mediaKey, backend, sidecar: false }),
            splitAt(plaintext, cuts),
          );
          const decrypted = decryptChunked(
            new MediaDecryptor({
              type: 'video',
              mediaKey,
              fileSha256: encrypted.info.fileSha256,
              backend,
            }),
            splitAt(encrypted.data, cuts),
          );
          expect(decrypted.length).toBe(plaintext.length);
          expect(Buffer.compare(decrypted, plaintext)).toBe(0);
        },
      ),
      { numRuns: 3 },
    );
  });

  it('refuses any single flipped bit (enc-sha256-mismatch with fileEncSha256, mac-mismatch without)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.nat(),
        cutsArbitrary(240),
        (plaintext, bitSeed, cuts) => {
          const { data, mediaKey, fileSha256, fileEncSha256 } = encryptMedia(plaintext, 'image', {
            backend,
          });
          const bit = bitSeed % (data.length * 8);
          const corrupted = data.slice();
          corrupted[bit >> 3]! ^= 1 << (bit & 7);
          const withHash = { type: 'image', mediaKey, fileSha256, fileEncSha256, backend } as const;
          expect(integrityCode(() => decryptMedia(corrupted, withHash))).toBe(
            'enc-sha256-mismatch',
          );
          expect(
            integrityCode(() => decryptMedia(corrupted, { type: 'image', mediaKey, backend })),
          ).toBe('mac-mismatch');
          // Streaming: the same verdict at finalize, whatever the chunking.
          const decryptor = new MediaDecryptor({ type: 'image', mediaKey, fileSha256, backend });
          expect(integrityCode(() => decryptChunked(decryptor, splitAt(corrupted, cuts)))).toBe(
            'mac-mismatch',
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses truncated blobs with truncated, bad-length or mac-mismatch', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.nat(),
        (plaintext, cutSeed) => {
          const { data, mediaKey } = encryptMedia(plaintext, 'audio', { backend });
          const length = cutSeed % data.length;
          const code = integrityCode(() =>
            decryptMedia(data.subarray(0, length), { type: 'audio', mediaKey, backend }),
          );
          const expected =
            length < 26 ? 'truncated' : (length - 10) % 16 !== 0 ? 'bad-length' : 'mac-mismatch';
          expect(code).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('withholds at most the last whole block and a partial block, in arrays of their own', () => {
    // Every whole block of a valid blob is ciphertext (the 10-byte MAC never fills one), so the
    // decryptor holds back only the last block's plaintext (16) and the bytes after it (≤ 15).
    const owns = (bytes: Uint8Array) =>
      bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.array(fc.nat({ max: 3100 }), { maxLength: 8 }),
        (plaintext, cuts) => {
          const { data, mediaKey } = encryptMedia(plaintext, 'video', { backend });
          const decryptor = new MediaDecryptor({ type: 'video', mediaKey, backend });
          const out: Uint8Array[] = [];
          for (const piece of splitAt(data, cuts)) {
            const parts = decryptor.updateParts(piece);
            expect(parts.length).toBeLessThanOrEqual(2);
            if (parts.length === 2) expect(parts[0]!.length).toBeLessThanOrEqual(32);
            expect(parts.every(owns)).toBe(true);
            out.push(...parts);
            const whole = decryptor.bytesIn & ~15;
            const expectedOut = whole === 0 ? 0 : whole - 16;
            expect(decryptor.bytesOut).toBe(expectedOut);
          }
          out.push(decryptor.finalize().tail);
          expect(concat(out)).toEqual(plaintext);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses bytes appended to a blob (bad-length, or mac-mismatch when the length fits)', () => {
    const { data, mediaKey } = encryptMedia(pseudoRandomBytes(1000, 21), 'image', { backend });
    // +6 bytes: the MAC and the extra bytes fill a whole block, which is decrypted on arrival.
    for (const [extra, code] of [
      [6, 'bad-length'],
      [16, 'mac-mismatch'],
      [32, 'mac-mismatch'],
    ] as const) {
      const longer = concat([data, pseudoRandomBytes(extra, 22)]);
      expect(integrityCode(() => decryptMedia(longer, { type: 'image', mediaKey, backend }))).toBe(
        code,
      );
      const decryptor = new MediaDecryptor({ type: 'image', mediaKey, backend });
      expect(integrityCode(() => decryptChunked(decryptor, splitAt(longer, [1000, 1020])))).toBe(
        code,
      );
    }
  });

  it('refuses a wrong key and a wrong type with mac-mismatch', () => {
    const { data, mediaKey } = encryptMedia(pseudoRandomBytes(1000), 'image', { backend });
    const otherKey = mediaKey.slice();
    otherKey[31]! ^= 0x80;
    expect(
      integrityCode(() => decryptMedia(data, { type: 'image', mediaKey: otherKey, backend })),
    ).toBe('mac-mismatch');
    expect(integrityCode(() => decryptMedia(data, { type: 'video', mediaKey, backend }))).toBe(
      'mac-mismatch',
    );
    // sticker shares the image keys: not a wrong type.
    expect(decryptMedia(data, { type: 'sticker', mediaKey, backend })).toEqual(
      pseudoRandomBytes(1000),
    );
  });

  it('refuses any other key (random keys, random sizes and chunkings)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        cutsArbitrary(3100),
        (plaintext, mediaKey, wrongKey, cuts) => {
          fc.pre(Buffer.compare(mediaKey, wrongKey) !== 0);
          const { data, fileSha256 } = encryptMedia(plaintext, 'document', { mediaKey, backend });
          const options = { type: 'document', mediaKey: wrongKey, backend } as const;
          expect(integrityCode(() => decryptMedia(data, options))).toBe('mac-mismatch');
          // Streaming, with the plaintext hash given too: the MAC is what fails (it comes first).
          const decryptor = new MediaDecryptor({ ...options, fileSha256 });
          expect(integrityCode(() => decryptChunked(decryptor, splitAt(data, cuts)))).toBe(
            'mac-mismatch',
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses any type whose keys differ, accepts any type that shares them', () => {
    const encryptedTypes = MEDIA_TYPE_NAMES.filter((type) => mediaTypeInfo(type).encrypted);
    fc.assert(
      fc.property(
        fc.constantFrom(...encryptedTypes),
        fc.constantFrom(...encryptedTypes),
        fc.uint8Array({ minLength: 0, maxLength: 2000 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (type, otherType, plaintext, mediaKey) => {
          const { data } = encryptMedia(plaintext, type, { mediaKey, backend });
          const decrypt = () => decryptMedia(data, { type: otherType, mediaKey, backend });
          if (mediaTypeInfo(type).hkdfInfo === mediaTypeInfo(otherType).hkdfInfo) {
            expect(Buffer.compare(decrypt(), plaintext)).toBe(0);
          } else {
            expect(integrityCode(decrypt)).toBe('mac-mismatch');
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a plaintext that does not match fileSha256', () => {
    const { data, mediaKey, fileSha256 } = encryptMedia(pseudoRandomBytes(50), 'document', {
      backend,
    });
    const wrong = fileSha256.slice();
    wrong[0]! ^= 1;
    expect(
      integrityCode(() =>
        decryptMedia(data, { type: 'document', mediaKey, fileSha256: wrong, backend }),
      ),
    ).toBe('sha256-mismatch');
  });

  it.each([0, 17, 255])(
    'refuses a MAC-valid blob whose padding byte is %i (bad-padding)',
    (padByte) => {
      // Encrypt a hand-padded block with a correct MAC, as a malicious sender could.
      const mediaKey = generateMediaKey({ backend });
      const block = Buffer.alloc(32, 7);
      block[31] = padByte;
      const blob = sealWithValidMac(mediaKey, block);
      expect(integrityCode(() => decryptMedia(blob, { type: 'image', mediaKey, backend }))).toBe(
        'bad-padding',
      );
    },
  );

  it('refuses padding whose bytes disagree (bad-padding)', () => {
    const mediaKey = generateMediaKey({ backend });
    const block = Buffer.alloc(16, 4);
    block[13] = 5; // last four bytes should all be 4
    const blob = sealWithValidMac(mediaKey, block);
    expect(integrityCode(() => decryptMedia(blob, { type: 'image', mediaKey, backend }))).toBe(
      'bad-padding',
    );
  });

  it('accepts Buffer inputs everywhere and returns equal bytes', () => {
    const plaintext = pseudoRandomBytes(100, 5);
    const mediaKey = generateMediaKey({ backend });
    const fromArrays = encryptMedia(plaintext, 'image', { mediaKey, backend });
    const fromBuffers = encryptMedia(Buffer.from(plaintext), 'image', {
      mediaKey: Buffer.from(mediaKey),
      backend,
    });
    expect(toHex(fromBuffers.data)).toBe(toHex(fromArrays.data));
    const decrypted = decryptMedia(Buffer.from(fromArrays.data), {
      type: 'image',
      mediaKey: Buffer.from(mediaKey),
      fileSha256: Buffer.from(fromArrays.fileSha256),
      fileEncSha256: Buffer.from(fromArrays.fileEncSha256),
      backend,
    });
    expect(toHex(decrypted)).toBe(toHex(plaintext));
  });

  it('continues the same decryptor after a "reconnect" at bytesIn, and clones mid-stream', () => {
    const plaintext = pseudoRandomBytes(200_000, 9);
    const { data, mediaKey, fileSha256, fileEncSha256 } = encryptMedia(plaintext, 'video', {
      backend,
    });
    const decryptor = new MediaDecryptor({
      type: 'video',
      mediaKey,
      fileSha256,
      fileEncSha256,
      backend,
    });
    const first = decryptor.update(data.subarray(0, 70_001));
    // The connection drops; the client asks for Range: bytes=<bytesIn>- and keeps feeding.
    expect(decryptor.bytesIn).toBe(70_001);
    const fork = decryptor.clone();
    const rest = decryptor.update(data.subarray(decryptor.bytesIn));
    const done = decryptor.finalize();
    expect(Buffer.compare(concat([first, rest, done.tail]), plaintext)).toBe(0);
    expect(done.info.fileLength).toBe(plaintext.length);
    // The clone is independent and reaches the same result.
    const forkRest = fork.update(data.subarray(fork.bytesIn));
    expect(Buffer.compare(concat([first, forkRest, fork.finalize().tail]), plaintext)).toBe(0);
  });

  it('resumeFrom rebuilds a decryptor from the kept ciphertext prefix (a process restart)', () => {
    const plaintext = pseudoRandomBytes(150_000, 19);
    const { data, mediaKey, fileSha256, fileEncSha256 } = encryptMedia(plaintext, 'audio', {
      backend,
    });
    const options = { type: 'audio', mediaKey, fileSha256, fileEncSha256, backend } as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: data.length }),
        cutsArbitrary(data.length),
        (prefixLength, cuts) => {
          const prefix = data.subarray(0, prefixLength);
          // As one array, or as the chunks it was saved in.
          const decryptor =
            cuts.length % 2 === 0
              ? MediaDecryptor.resumeFrom(options, prefix)
              : MediaDecryptor.resumeFrom(options, splitAt(prefix, cuts));
          expect(decryptor.bytesIn).toBe(prefixLength);
          // The plaintext kept before the restart, truncated to bytesOut, then what follows.
          const kept = plaintext.subarray(0, decryptor.bytesOut);
          const rest = decryptor.update(data.subarray(decryptor.bytesIn));
          const { tail, info } = decryptor.finalize();
          expect(Buffer.compare(concat([kept, rest, tail]), plaintext)).toBe(0);
          expect(info.fileSha256).toEqual(fileSha256);
        },
      ),
      { numRuns: 25 },
    );
    // A corrupted prefix is caught at the end like any other corruption.
    const corrupted = data.slice(0, 1000);
    corrupted[10]! ^= 1;
    const resumed = MediaDecryptor.resumeFrom(options, corrupted);
    resumed.update(data.subarray(1000));
    expect(integrityCode(() => resumed.finalize())).toBe('enc-sha256-mismatch');
    expect(() => MediaDecryptor.resumeFrom(options, ['x' as never])).toThrow(
      new TypeError('chunk must be a Uint8Array, got string'),
    );
  });

  it('updateDeferred returns each chunk’s plaintext whole, one chunk late, and mixes with update', () => {
    const owns = (bytes: Uint8Array) =>
      bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        cutsArbitrary(3100),
        fc.array(fc.boolean(), { maxLength: 13 }),
        (plaintext, cuts, deferredFlags) => {
          const { data, mediaKey, fileSha256 } = encryptMedia(plaintext, 'video', { backend });
          const decryptor = new MediaDecryptor({ type: 'video', mediaKey, fileSha256, backend });
          const out: Uint8Array[] = [];
          // Bytes fed since the start of the latest chunk that completed a block.
          let sinceRelease = 0;
          splitAt(data, cuts).forEach((piece, index) => {
            const blocksBefore = Math.floor(decryptor.bytesIn / 16);
            if (deferredFlags[index] ?? true) {
              const plain = decryptor.updateDeferred(piece);
              if (plain.length > 0) expect(owns(plain)).toBe(true);
              out.push(plain);
            } else {
              out.push(...decryptor.updateParts(piece));
            }
            const completed = Math.floor(decryptor.bytesIn / 16) > blocksBefore;
            sinceRelease = completed ? piece.length : sinceRelease + piece.length;
            // Withheld: at most that chunk and what followed it, plus a block and a partial one.
            expect(decryptor.bytesIn - decryptor.bytesOut).toBeLessThanOrEqual(sinceRelease + 31);
          });
          out.push(decryptor.finalize().tail);
          expect(concat(out)).toEqual(plaintext);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is unusable after finalize or a failure (MediaStateError naming the method)', () => {
    const state = (method: string, code: string) =>
      expect.objectContaining({ name: 'MediaStateError', method, code });
    const { data, mediaKey } = encryptMedia(pseudoRandomBytes(40), 'image', { backend });
    const failed = new MediaDecryptor({ type: 'image', mediaKey, backend });
    failed.update(data.subarray(0, data.length - 1));
    expect(() => failed.finalize()).toThrow(expect.objectContaining({ code: 'bad-length' }));
    expect(() => failed.update(data)).toThrow(state('MediaDecryptor.update', 'failed'));
    expect(() => failed.update(data)).toThrow(/^MediaDecryptor.update called after a failed/);
    expect(() => failed.finalize()).toThrow(state('MediaDecryptor.finalize', 'failed'));
    const done = new MediaDecryptor({ type: 'image', mediaKey, backend });
    done.update(data);
    done.finalize();
    for (const [method, call] of [
      ['update', () => done.update(data)],
      ['updateParts', () => done.updateParts(data)],
      ['updateDeferred', () => done.updateDeferred(data)],
      ['clone', () => done.clone()],
      ['finalize', () => done.finalize()],
    ] as const) {
      expect(call).toThrow(state(`MediaDecryptor.${method}`, 'finalized'));
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(MediaStateError);
      expect(isMediaStateError(caught)).toBe(true);
      expect(isMediaIntegrityError(caught)).toBe(false);
      expect((caught as Error).message).toBe(`MediaDecryptor.${method} called after finalize`);
    }
    const encryptor = new MediaEncryptor('image', { backend });
    encryptor.finalize();
    expect(() => encryptor.update(new Uint8Array(1))).toThrow(
      state('MediaEncryptor.update', 'finalized'),
    );
    expect(() => encryptor.updateParts(new Uint8Array(1))).toThrow(
      state('MediaEncryptor.updateParts', 'finalized'),
    );
    expect(() => encryptor.finalize()).toThrow(
      new MediaStateError('MediaEncryptor.finalize', 'finalized'),
    );
    // The guard also recognises a copy from another instance of the package (by name and code).
    expect(isMediaStateError({ name: 'MediaStateError', code: 'finalized' })).toBe(true);
    expect(isMediaStateError({ name: 'MediaStateError', code: 'other' })).toBe(false);
    expect(isMediaStateError(new Error('MediaDecryptor.update called after finalize'))).toBe(false);
  });

  describe('plaintext mode (newsletter media, product-catalog-image)', () => {
    it.each([
      ['product-catalog-image', {}],
      ['image', { encrypted: false }],
    ] as const)('%s %o passes bytes through and hashes them', (type, extra) => {
      const plaintext = pseudoRandomBytes(1000, 2);
      const result = encryptMedia(plaintext, type, { ...extra, backend });
      expect(result.encrypted).toBe(false);
      expect(result.mediaKey).toBeUndefined();
      expect(result.data).toEqual(plaintext);
      expect(result.fileEncSha256).toEqual(result.fileSha256);
      expect(result.fileLength).toBe(1000);
      const options = { type, ...extra, fileSha256: result.fileSha256, backend };
      expect(decryptMedia(result.data, options)).toEqual(plaintext);
      const corrupted = plaintext.slice();
      corrupted[500]! ^= 4;
      expect(integrityCode(() => decryptMedia(corrupted, options))).toBe('sha256-mismatch');
      expect(
        integrityCode(() =>
          decryptMedia(corrupted, { type, ...extra, fileEncSha256: result.fileSha256, backend }),
        ),
      ).toBe('enc-sha256-mismatch');
    });

    it('returns new arrays both ways, never the caller’s own', () => {
      const plaintext = pseudoRandomBytes(300, 3);
      const original = plaintext.slice();
      const result = encryptMedia(plaintext, 'image', { encrypted: false, backend });
      expect(result.data).not.toBe(plaintext);
      expect(result.data.buffer).not.toBe(plaintext.buffer);
      const decrypted = decryptMedia(result.data, {
        type: 'image',
        encrypted: false,
        fileSha256: result.fileSha256,
        backend,
      });
      expect(decrypted).not.toBe(result.data);
      // Reusing the input buffers changes neither result.
      plaintext.fill(0);
      result.data.fill(1);
      expect(result.data).not.toEqual(original);
      expect(decrypted).toEqual(original);
    });

    it('requires a hash to verify against, and no key (TypeError both ways)', () => {
      expect(() => new MediaDecryptor({ type: 'product-catalog-image' })).toThrow(
        /fileSha256 is required/,
      );
      const mediaKey = new Uint8Array(32);
      const fileSha256 = new Uint8Array(32);
      const keyRefused = new TypeError('mediaKey must not be given for unencrypted media');
      expect(() => new MediaEncryptor('image', { encrypted: false, mediaKey })).toThrow(keyRefused);
      expect(() => new MediaEncryptor('product-catalog-image', { mediaKey })).toThrow(keyRefused);
      expect(
        () => new MediaDecryptor({ type: 'image', encrypted: false, mediaKey, fileSha256 }),
      ).toThrow(keyRefused);
      expect(
        () => new MediaDecryptor({ type: 'product-catalog-image', mediaKey, fileSha256 }),
      ).toThrow(keyRefused);
      expect(() =>
        decryptMedia(new Uint8Array(4), { type: 'product-catalog-image', mediaKey, fileSha256 }),
      ).toThrow(TypeError);
      expect(() => new MediaEncryptor('product-catalog-image', { encrypted: true })).toThrow(
        TypeError,
      );
    });
  });
});

describe('parameter errors', () => {
  it('names the parameter and the wrong length', () => {
    expect(() =>
      encryptMedia(new Uint8Array(1), 'image', { mediaKey: new Uint8Array(31) }),
    ).toThrow(new RangeError('options.mediaKey must be 32 bytes, got 31'));
    expect(() => new MediaDecryptor({ type: 'image', mediaKey: new Uint8Array(33) })).toThrow(
      new RangeError('mediaKey must be 32 bytes, got 33'),
    );
    expect(
      () =>
        new MediaDecryptor({
          type: 'image',
          mediaKey: new Uint8Array(32),
          fileSha256: new Uint8Array(20),
        }),
    ).toThrow(new RangeError('fileSha256 must be 32 bytes, got 20'));
    expect(() => new MediaDecryptor({ type: 'image' })).toThrow(/mediaKey is required/);
    expect(() => encryptMedia(new Uint8Array(1), 'jpeg' as never)).toThrow(
      /type must be a MediaType/,
    );
    expect(() => encryptMedia('text' as never, 'image')).toThrow(
      new TypeError('plaintext must be a Uint8Array, got string'),
    );
  });

  it('never puts the media key into an error', () => {
    const { data, mediaKey } = encryptMedia(pseudoRandomBytes(64), 'image');
    const corrupted = data.slice();
    corrupted[0]! ^= 1;
    let caught: unknown;
    try {
      decryptMedia(corrupted, { type: 'image', mediaKey });
    } catch (error) {
      caught = error;
    }
    const text = `${String(caught)} ${JSON.stringify(caught)} ${(caught as Error).stack}`;
    expect(text).not.toContain(Buffer.from(mediaKey).toString('hex'));
    expect(text).not.toContain(Buffer.from(mediaKey).toString('base64'));
    expect(caught).toMatchObject({ name: 'MediaIntegrityError', code: 'mac-mismatch' });
  });
});

describe('backends', () => {
  it('agree byte for byte on every output (same key, same chunking)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 140_000 }),
        cutsArbitrary(140_000),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (plaintext, cuts, mediaKey) => {
          const outputs = backends.map(([, backend]) => {
            const encryptor = new MediaEncryptor('video', { mediaKey, backend });
            const pieces = splitAt(plaintext, cuts).map((piece) => toHex(encryptor.update(piece)));
            const { tail, info } = encryptor.finalize();
            const decryptor = new MediaDecryptor({ type: 'video', mediaKey, backend });
            const blob = encryptMedia(plaintext, 'video', { mediaKey, backend }).data;
            const plain = splitAt(blob, cuts).map((piece) => toHex(decryptor.update(piece)));
            return {
              pieces,
              tail: toHex(tail),
              info,
              plain,
              last: toHex(decryptor.finalize().tail),
            };
          });
          expect(outputs[1]).toEqual(outputs[0]);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("return arrays that own their memory (never views of Node's shared Buffer pool)", () => {
    const owns = (bytes: Uint8Array) =>
      bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length;
    for (const [, backend] of backends) {
      const result = encryptMedia(new Uint8Array(20), 'audio', { backend });
      expect(
        [result.data, result.mediaKey, result.fileSha256, result.fileEncSha256].every(owns),
      ).toBe(true);
      expect(owns(result.streamingSidecar!)).toBe(true);
      const encryptor = new MediaEncryptor('image', { backend });
      encryptor.update(new Uint8Array(7));
      expect(owns(encryptor.update(new Uint8Array(30)))).toBe(true);
      const decryptor = new MediaDecryptor({ type: 'audio', mediaKey: result.mediaKey, backend });
      expect(owns(decryptor.update(concat([result.data, new Uint8Array(0)])))).toBe(true);
    }
  });
});
