// Integrity properties on blobs of several MiB (dozens of 64 KiB sidecar windows): the small
// blobs of media.test.ts cannot reach window boundaries, chunk boundaries deep in a file or a
// MAC that follows megabytes of ciphertext. Each blob is encrypted once; each run flips one
// sampled bit in place and flips it back, so a run costs a decryption, not a copy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptMedia, MediaDecryptor } from './decrypt.js';
import { encryptMedia } from './encrypt.js';
import { isMediaIntegrityError, type MediaIntegrityErrorCode } from './errors.js';
import { verifySidecarRange } from './range.js';
import { backends, pseudoRandomBytes, splitAt } from './test-support/index.js';

const MiB = 1024 * 1024;
const WINDOW = 64 * 1024;

function integrityCode(fn: () => unknown): MediaIntegrityErrorCode {
  try {
    fn();
  } catch (error) {
    if (isMediaIntegrityError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a MediaIntegrityError, nothing was thrown');
}

// noble is pure JS (~25 MiB/s): a smaller blob and fewer runs keep it to a few seconds.
const sizes: Record<string, { bytes: number; runs: number }> = {
  node: { bytes: 3 * MiB + 12_345, runs: 100 },
  noble: { bytes: MiB + 777, runs: 8 },
};

describe.each(backends)('multi-MiB blobs with the %s backend', (name, backend) => {
  const { bytes, runs } = sizes[name]!;
  const plaintext = pseudoRandomBytes(bytes, 31);
  const { data, mediaKey, fileSha256, fileEncSha256, streamingSidecar } = encryptMedia(
    plaintext,
    'video',
    { backend },
  );
  const bits = data.length * 8;
  // Uniform positions, plus the places where bugs hide: window and block edges, the last
  // block (padding) and the MAC.
  const windowEdges = Array.from({ length: Math.floor(data.length / WINDOW) }, (_, i) => [
    (i + 1) * WINDOW * 8 - 1,
    (i + 1) * WINDOW * 8,
  ]).flat();
  const bitArbitrary = fc.oneof(
    fc.integer({ min: 0, max: bits - 1 }),
    fc.constantFrom(0, 127, 128, ...windowEdges),
    fc.integer({ min: (data.length - 26) * 8, max: bits - 1 }),
  );

  it('refuses any single flipped bit: enc-sha256, MAC, sidecar, and streaming at any chunking', () => {
    expect(streamingSidecar).toBeDefined();
    fc.assert(
      fc.property(
        bitArbitrary,
        fc.array(fc.integer({ min: 0, max: data.length }), { maxLength: 6 }),
        (bit, cuts) => {
          data[bit >> 3]! ^= 1 << (bit & 7);
          try {
            expect(
              integrityCode(() =>
                decryptMedia(data, { type: 'video', mediaKey, fileEncSha256, backend }),
              ),
            ).toBe('enc-sha256-mismatch');
            const decryptor = new MediaDecryptor({ type: 'video', mediaKey, fileSha256, backend });
            expect(
              integrityCode(() => {
                for (const piece of splitAt(data, cuts)) decryptor.updateParts(piece);
                decryptor.finalize();
              }),
            ).toBe('mac-mismatch');
            expect(
              integrityCode(() =>
                verifySidecarRange(data, {
                  type: 'video',
                  mediaKey,
                  sidecar: streamingSidecar!,
                  blobLength: data.length,
                  backend,
                }),
              ),
            ).toBe('sidecar-mismatch');
          } finally {
            data[bit >> 3]! ^= 1 << (bit & 7);
          }
        },
      ),
      { numRuns: runs },
    );
    // Restored: the untouched blob still decrypts to the plaintext (the flips were undone).
    // (Buffer.compare: a deep toEqual over MiBs takes seconds.)
    const restored = decryptMedia(data, { type: 'video', mediaKey, fileSha256, backend });
    expect(Buffer.compare(restored, plaintext)).toBe(0);
  });
});
