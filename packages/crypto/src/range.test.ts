// Ranged access: ciphertext ranges, sidecars from every source kind, verified range decryption.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptMedia } from './encrypt.js';
import { isMediaIntegrityError } from './errors.js';
import { ciphertextRangeFor, computeSidecar, decryptRange, verifySidecarRange } from './range.js';
import {
  backends,
  pseudoRandomBytes,
  referenceEncrypt,
  referenceSidecar,
} from './test-support/index.js';

const SIZES = [0, 15, 16, 100, 65_520, 65_536, 65_550, 200_000, 300_007];

describe('ciphertextRangeFor', () => {
  it('maps plaintext to whole blocks plus the IV block', () => {
    const blobLength = 1_000 * 16 + 10;
    expect(ciphertextRangeFor(0, 1, { blobLength })).toEqual({ start: 0, end: 16 });
    expect(ciphertextRangeFor(16, 17, { blobLength })).toEqual({ start: 0, end: 32 });
    expect(ciphertextRangeFor(40, 70, { blobLength })).toEqual({ start: 16, end: 80 });
    expect(ciphertextRangeFor(100, 100_000, { blobLength })).toEqual({ start: 80, end: 16_000 });
  });

  it('widens to sidecar windows: blob [64Ki·n − 16, 64Ki·(n+1))', () => {
    const blobLength = encryptedLength(300_000);
    expect(ciphertextRangeFor(0, 1, { blobLength, sidecar: true })).toEqual({
      start: 0,
      end: 65_536,
    });
    expect(ciphertextRangeFor(70_000, 70_001, { blobLength, sidecar: true })).toEqual({
      start: 65_520,
      end: 131_072,
    });
    expect(ciphertextRangeFor(299_990, 300_000, { blobLength, sidecar: true })).toEqual({
      start: 262_128,
      end: blobLength,
    });
  });

  it('rejects malformed input with RangeErrors naming the parameter', () => {
    expect(() => ciphertextRangeFor(0, 1, { blobLength: 27 })).toThrow(/blobLength must be/);
    expect(() => ciphertextRangeFor(5, 5, { blobLength: 42 })).toThrow(/end must be/);
    expect(() => ciphertextRangeFor(-1, 5, { blobLength: 42 })).toThrow(/start must be/);
    expect(() => ciphertextRangeFor(32, 40, { blobLength: 42 })).toThrow(/start must be inside/);
  });
});

function encryptedLength(n: number): number {
  return (Math.floor(n / 16) + 1) * 16 + 10;
}

describe.each(backends)('sidecars and ranged decryption with the %s backend', (_name, backend) => {
  it.each(SIZES)(
    'computeSidecar matches a direct HMAC-window reference for %i bytes',
    async (size) => {
      const plaintext = pseudoRandomBytes(size, size);
      const { data, mediaKey, streamingSidecar } = encryptMedia(plaintext, 'video', { backend });
      const reference = referenceEncrypt(plaintext, mediaKey, 'video');
      const expected = referenceSidecar(data, reference.iv, reference.macKey);
      expect(streamingSidecar).toEqual(expected);
      expect(await computeSidecar(data, { type: 'video', mediaKey, backend })).toEqual(expected);
    },
  );

  it('computeSidecar reads a ReadableStream, an async iterable and a sync iterable alike', async () => {
    const { data, mediaKey, streamingSidecar } = encryptMedia(
      pseudoRandomBytes(150_000, 3),
      'video',
      { backend },
    );
    const options = { type: 'video', mediaKey, backend } as const;
    const pieces = [data.subarray(0, 70_000), data.subarray(70_000, 70_001), data.subarray(70_001)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(piece);
        controller.close();
      },
    });
    async function* generate(): AsyncGenerator<Uint8Array> {
      yield* pieces;
    }
    expect(await computeSidecar(stream, options)).toEqual(streamingSidecar);
    expect(await computeSidecar(generate(), options)).toEqual(streamingSidecar);
    expect(await computeSidecar(pieces, options)).toEqual(streamingSidecar);
  });

  it('decrypts any plaintext range, authenticated by the sidecar, equal to a slice of the file', () => {
    const plaintext = pseudoRandomBytes(300_007, 77);
    const { data, mediaKey, streamingSidecar } = encryptMedia(plaintext, 'video', { backend });
    const sidecar = streamingSidecar!;
    const blobLength = data.length;
    fc.assert(
      fc.property(
        fc.nat({ max: plaintext.length - 1 }),
        fc.integer({ min: 1, max: 150_000 }),
        fc.boolean(),
        fc.nat({ max: 3 }),
        (start, span, withSidecar, slack) => {
          const end = start + span;
          const range = ciphertextRangeFor(start, end, { blobLength, sidecar: withSidecar });
          // Fetch a little more than needed sometimes, as a CDN might.
          const offset = Math.max(0, range.start - slack * 16);
          const fetched = data.subarray(offset, Math.min(blobLength, range.end + slack));
          const plain = decryptRange(fetched, {
            type: 'video',
            mediaKey,
            blobLength,
            start,
            end,
            offset,
            ...(withSidecar ? { sidecar } : {}),
            backend,
          });
          expect(Buffer.compare(plain, plaintext.subarray(start, end))).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a tampered byte inside a ranged read with sidecar-mismatch', () => {
    const plaintext = pseudoRandomBytes(200_000, 5);
    const { data, mediaKey, streamingSidecar } = encryptMedia(plaintext, 'audio', { backend });
    const blobLength = data.length;
    const range = ciphertextRangeFor(100_000, 100_100, { blobLength, sidecar: true });
    const fetched = data.slice(range.start, range.end);
    fetched[fetched.length - 1]! ^= 1;
    let caught: unknown;
    try {
      decryptRange(fetched, {
        type: 'audio',
        mediaKey,
        blobLength,
        start: 100_000,
        end: 100_100,
        offset: range.start,
        sidecar: streamingSidecar!,
        backend,
      });
    } catch (error) {
      caught = error;
    }
    expect(isMediaIntegrityError(caught) && caught.code).toBe('sidecar-mismatch');
  });

  it('verifySidecarRange reports the authenticated span and refuses a wrong sidecar', () => {
    const { data, mediaKey, streamingSidecar } = encryptMedia(
      pseudoRandomBytes(300_000, 8),
      'video',
      { backend },
    );
    const options = {
      type: 'video',
      mediaKey,
      sidecar: streamingSidecar!,
      blobLength: data.length,
      backend,
    } as const;
    expect(verifySidecarRange(data, options)).toEqual({ start: 0, end: data.length });
    expect(
      verifySidecarRange(data.subarray(65_520, 200_000), { ...options, offset: 65_520 }),
    ).toEqual({
      start: 65_520,
      end: 196_608,
    });
    expect(verifySidecarRange(data.subarray(10, 60_000), { ...options, offset: 10 })).toEqual({
      start: 10,
      end: 10,
    });
    const wrong = streamingSidecar!.slice();
    wrong[12]! ^= 1;
    expect(() => verifySidecarRange(data, { ...options, sidecar: wrong })).toThrow(
      expect.objectContaining({ code: 'sidecar-mismatch' }),
    );
    expect(() => verifySidecarRange(data, { ...options, sidecar: wrong.subarray(10) })).toThrow(
      expect.objectContaining({ code: 'sidecar-mismatch' }),
    );
  });

  it('needs the data to cover the range', () => {
    const { data, mediaKey } = encryptMedia(pseudoRandomBytes(1000), 'video', { backend });
    expect(() =>
      decryptRange(data.subarray(32, 100), {
        type: 'video',
        mediaKey,
        blobLength: data.length,
        start: 40,
        end: 90,
        offset: 32,
      }),
    ).toThrow(/data must cover blob bytes \[16, 96\)/);
  });
});
