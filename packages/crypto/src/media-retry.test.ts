import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMediaIntegrityError } from './errors.js';
import { decryptMediaRetry, encryptMediaRetry } from './media-retry.js';
import { backends } from './test-support/index.js';

describe.each(backends)('media retry with the %s backend', (_name, backend) => {
  it('round-trips with a random 12-byte iv and refuses any other id, key, iv or tampering', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.uint8Array({ maxLength: 200 }),
        (mediaKey, messageId, plaintext) => {
          const sealed = encryptMediaRetry({ mediaKey, messageId, plaintext, backend });
          expect(sealed.iv.length).toBe(12);
          expect(sealed.ciphertext.length).toBe(plaintext.length + 16);
          const open = {
            mediaKey,
            messageId,
            ciphertext: sealed.ciphertext,
            iv: sealed.iv,
            backend,
          };
          expect(decryptMediaRetry(open)).toEqual(plaintext);
          const refused = (options: typeof open) => {
            try {
              decryptMediaRetry(options);
            } catch (error) {
              return isMediaIntegrityError(error) && error.code === 'retry-auth-failed';
            }
            return false;
          };
          expect(refused({ ...open, messageId: `${messageId}x` })).toBe(true);
          const flipped = sealed.ciphertext.slice();
          flipped[flipped.length - 1]! ^= 1;
          expect(refused({ ...open, ciphertext: flipped })).toBe(true);
          const otherIv = sealed.iv.slice();
          otherIv[0]! ^= 1;
          expect(refused({ ...open, iv: otherIv })).toBe(true);
          expect(refused({ ...open, ciphertext: sealed.ciphertext.subarray(0, 15) })).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('uses a fresh iv each time', () => {
    const options = {
      mediaKey: new Uint8Array(32),
      messageId: 'ID',
      plaintext: new Uint8Array(4),
      backend,
    };
    expect(encryptMediaRetry(options).iv).not.toEqual(encryptMediaRetry(options).iv);
  });

  it('names bad parameters', () => {
    expect(() =>
      encryptMediaRetry({
        mediaKey: new Uint8Array(32),
        messageId: 'ID',
        plaintext: new Uint8Array(1),
        iv: new Uint8Array(16),
      }),
    ).toThrow(new RangeError('iv must be 12 bytes, got 16'));
    expect(() =>
      decryptMediaRetry({
        mediaKey: new Uint8Array(32),
        messageId: '',
        ciphertext: new Uint8Array(20),
        iv: new Uint8Array(12),
      }),
    ).toThrow(/messageId must be a non-empty string/);
  });
});
