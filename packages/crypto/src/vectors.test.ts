// Known answers from the repository's vectors/ folder; each block names its folder (see its README).
import { describe, expect, it } from 'vitest';
import { decryptMedia, MediaDecryptor } from './decrypt.js';
import { encryptMedia } from './encrypt.js';
import { deriveMediaKeys, deriveMediaRetryKey } from './keys.js';
import { decryptMediaRetry, encryptMediaRetry } from './media-retry.js';
import { computeSidecar } from './range.js';
import { b64, backends, hex, toHex, vector } from './test-support/index.js';

// vectors/psr7-task-samples (README.md: samples of a PSR-7 test task; hashes computed there).
const samples = [
  {
    name: 'AUDIO',
    type: 'audio',
    fileSha256: 'Wm10YhLIeA7JlKFflb/dtb/l+p9qEpEddlqFxHzjO0Q=',
    fileEncSha256: 'Tf0WnpjGQr9VcEjopELMzRiOBNBqRBDXd4RJteLN24I=',
    length: 16111,
  },
  {
    name: 'IMAGE',
    type: 'image',
    fileSha256: 'Tl3raHEx8OAc0x0QqzseREj7rBomNiZUSXjCRT+SzAA=',
    fileEncSha256: '5Ww7HUQ+IOG9X+J6SewXSSFrA5xVnXJeWZPOBlkg9IU=',
    length: 54211,
  },
  {
    name: 'VIDEO',
    type: 'video',
    fileSha256: 'qGpoSHOkO1uUSyxb7S4VPh6U3dt45yCDNnd2M571alc=',
    fileEncSha256: 'rklkh3AMlH0AEKCWF1octJo4VHhqv3+6SajaSy3yBag=',
    length: 393736,
  },
] as const;

describe.each(backends)('vectors with the %s backend', (_name, backend) => {
  describe.each(samples)('psr7-task-samples $name', (sample) => {
    const mediaKey = vector('psr7-task-samples', `${sample.name}.key`);
    const original = vector('psr7-task-samples', `${sample.name}.original`);
    const encrypted = vector('psr7-task-samples', `${sample.name}.encrypted`);

    it('decrypts .encrypted to .original, checking both hashes', () => {
      const plaintext = decryptMedia(encrypted, {
        type: sample.type,
        mediaKey,
        fileSha256: b64(sample.fileSha256),
        fileEncSha256: b64(sample.fileEncSha256),
        backend,
      });
      expect(plaintext.length).toBe(sample.length);
      expect(toHex(plaintext)).toBe(toHex(original));
    });

    it('re-encrypts .original to .encrypted byte for byte with the same key', () => {
      const result = encryptMedia(original, sample.type, { mediaKey, backend });
      expect(toHex(result.data)).toBe(toHex(encrypted));
      expect(result.fileSha256).toEqual(b64(sample.fileSha256));
      expect(result.fileEncSha256).toEqual(b64(sample.fileEncSha256));
      expect(result.fileLength).toBe(sample.length);
      expect(result.mediaKey).toEqual(mediaKey);
    });

    it('streams the decryption in 1000-byte chunks to the same bytes', () => {
      const decryptor = new MediaDecryptor({ type: sample.type, mediaKey, backend });
      const parts: Uint8Array[] = [];
      for (let i = 0; i < encrypted.length; i += 1000) {
        parts.push(decryptor.update(encrypted.subarray(i, i + 1000)));
      }
      const { tail, info } = decryptor.finalize();
      parts.push(tail);
      expect(toHex(Buffer.concat(parts))).toBe(toHex(original));
      expect(info.fileEncSha256).toEqual(b64(sample.fileEncSha256));
    });
  });

  it('psr7-task-samples VIDEO.sidecar is reproduced by computeSidecar and by the encryptor', async () => {
    const mediaKey = vector('psr7-task-samples', 'VIDEO.key');
    const expected = vector('psr7-task-samples', 'VIDEO.sidecar');
    expect(toHex(expected)).toBe(
      '6466a24d1834fd11975ff59032e27243eb7ffa7af32b12de91dd93903c14fb9335a13a26fbfec938' +
        '501f04e81292732d0fc181d428d2829b3817d6f453ea3f91e699face1703',
    );
    const encrypted = vector('psr7-task-samples', 'VIDEO.encrypted');
    expect(await computeSidecar(encrypted, { type: 'video', mediaKey, backend })).toEqual(expected);
    const original = vector('psr7-task-samples', 'VIDEO.original');
    // Sidecars are on by default for video.
    const result = encryptMedia(original, 'video', { mediaKey, backend });
    expect(result.streamingSidecar).toEqual(expected);
  });

  it('whats-dec-hkdf: HKDF expands the iPhone-backup key to iv, cipherKey, macKey, refKey', () => {
    // vectors/whats-dec-hkdf: robertdavidgraham/whats-dec README "Example usage" (refKey computed here).
    const keys = deriveMediaKeys(
      hex('3167ca5206c6e9c35c18eaa05c7ed3d3724f46653dd6858ed562d3f76b255890'),
      'video',
      { backend },
    );
    expect(toHex(keys.iv)).toBe('8df703e1097a254e0c156eaa5715d3ab');
    expect(toHex(keys.cipherKey)).toBe(
      '2e294ad0892b1a985383c5d9c9e662fea23ada93e19e973f02e4e2bd32930abf',
    );
    expect(toHex(keys.macKey)).toBe(
      '7f69685c88160ca3313a940c871afef6bbab93278d9adba44e122bd695fbe0ee',
    );
    expect(toHex(keys.refKey)).toBe(
      '349a85221771ff10074b73b52d5ee586c79508bc8552dece8b9038e3359aeeb8',
    );
  });

  describe('zapo-media-retry (wppconnect-team/zapo media-crypto.test.ts known answer)', () => {
    const mediaKey = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const iv = hex('a0a1a2a3a4a5a6a7a8a9aaab');
    const messageId = '3EB0RMRTEST01';
    const plaintext = hex('0a0d33454230524d52544553543031');
    const sealed = '452b8a6b77056e26e155ee876a78fe2ad5fa6b945d78a1da315ce420e00cb4';

    it('derives the retry key', () => {
      expect(toHex(deriveMediaRetryKey(mediaKey, { backend }))).toBe(
        'c84dfe50a708e0ec382a7ad2ba40135256f41b652cebe2129661d27871111cb2',
      );
    });

    it('seals to the expected ciphertext ‖ tag', () => {
      const result = encryptMediaRetry({ mediaKey, messageId, plaintext, iv, backend });
      expect(toHex(result.ciphertext)).toBe(sealed);
      expect(result.iv).toEqual(iv);
    });

    it('opens the expected ciphertext ‖ tag', () => {
      expect(
        decryptMediaRetry({ mediaKey, messageId, ciphertext: hex(sealed), iv, backend }),
      ).toEqual(plaintext);
    });
  });
});
