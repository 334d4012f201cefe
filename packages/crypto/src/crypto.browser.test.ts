// WebCrypto's typings want ArrayBuffer-backed views; ours are (they come from new Uint8Array).
const buf = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

// Runs in Chromium (vitest browser mode): the default backend there must be noble, and its
// bytes must agree with the browser's own WebCrypto AES-CBC and HMAC.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backendName,
  createDecryptStream,
  createEncryptStream,
  decryptMedia,
  decryptMediaRetry,
  deriveMediaKeys,
  encryptMedia,
  encryptMediaRetry,
  isMediaIntegrityError,
  isMediaReplayError,
  MediaEncryptor,
  replayCiphertext,
} from './index.js';

const fromHex = (hex: string): Uint8Array =>
  new Uint8Array((hex.match(/../g) ?? []).map((byte) => Number.parseInt(byte, 16)));
const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

describe('in a real browser', () => {
  it('runs on the noble backend, not node:crypto', () => {
    expect(typeof (globalThis as { process?: unknown }).process).toBe('undefined');
    expect(backendName).toBe('noble');
  });

  it('whats-dec-hkdf vector (robertdavidgraham/whats-dec README)', () => {
    const keys = deriveMediaKeys(
      fromHex('3167ca5206c6e9c35c18eaa05c7ed3d3724f46653dd6858ed562d3f76b255890'),
      'video',
    );
    expect(toHex(keys.iv)).toBe('8df703e1097a254e0c156eaa5715d3ab');
    expect(toHex(keys.macKey)).toBe(
      '7f69685c88160ca3313a940c871afef6bbab93278d9adba44e122bd695fbe0ee',
    );
  });

  it('zapo-media-retry vector (wppconnect-team/zapo media-crypto.test.ts)', () => {
    const mediaKey = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const iv = fromHex('a0a1a2a3a4a5a6a7a8a9aaab');
    const sealed = encryptMediaRetry({
      mediaKey,
      iv,
      messageId: '3EB0RMRTEST01',
      plaintext: fromHex('0a0d33454230524d52544553543031'),
    });
    expect(toHex(sealed.ciphertext)).toBe(
      '452b8a6b77056e26e155ee876a78fe2ad5fa6b945d78a1da315ce420e00cb4',
    );
    expect(
      toHex(
        decryptMediaRetry({
          mediaKey,
          iv,
          messageId: '3EB0RMRTEST01',
          ciphertext: sealed.ciphertext,
        }),
      ),
    ).toBe('0a0d33454230524d52544553543031');
  });

  it('agrees with WebCrypto AES-CBC + HMAC and round-trips random files', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 5000 }), async (plaintext) => {
        const result = encryptMedia(plaintext, 'image');
        const keys = deriveMediaKeys(result.mediaKey, 'image');
        const ciphertext = result.data.subarray(0, result.data.length - 10);
        const aes = await crypto.subtle.importKey('raw', buf(keys.cipherKey), 'AES-CBC', false, [
          'decrypt',
        ]);
        const webPlain = new Uint8Array(
          await crypto.subtle.decrypt({ name: 'AES-CBC', iv: buf(keys.iv) }, aes, buf(ciphertext)),
        );
        expect(webPlain).toEqual(plaintext);
        const hmacKey = await crypto.subtle.importKey(
          'raw',
          buf(keys.macKey),
          { name: 'HMAC', hash: 'SHA-256' },
          false,
          ['sign'],
        );
        const signed = new Uint8Array(keys.iv.length + ciphertext.length);
        signed.set(keys.iv);
        signed.set(ciphertext, keys.iv.length);
        const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, signed)).subarray(
          0,
          10,
        );
        expect(mac).toEqual(result.data.subarray(result.data.length - 10));
        const sha = new Uint8Array(await crypto.subtle.digest('SHA-256', buf(result.data)));
        expect(sha).toEqual(result.fileEncSha256);
        expect(
          decryptMedia(result.data, {
            type: 'image',
            mediaKey: result.mediaKey,
            fileSha256: result.fileSha256,
          }),
        ).toEqual(plaintext);
      }),
      { numRuns: 25 },
    );
  });

  it('streams through TransformStreams and refuses a flipped bit', async () => {
    const plaintext = crypto.getRandomValues(new Uint8Array(60_000));
    const encrypt = createEncryptStream('video');
    const blob = await readAll(new Blob([buf(plaintext)]).stream().pipeThrough(encrypt));
    const info = await encrypt.info;
    if (!info.encrypted) throw new Error('expected encrypted media');
    const options = {
      type: 'video',
      mediaKey: info.mediaKey,
      fileEncSha256: info.fileEncSha256,
    } as const;
    expect(
      await readAll(new Blob([buf(blob)]).stream().pipeThrough(createDecryptStream(options))),
    ).toEqual(plaintext);
    blob[1234]! ^= 0x10;
    const failure = await readAll(
      new Blob([buf(blob)]).stream().pipeThrough(createDecryptStream(options)),
    ).catch((e) => e);
    expect(isMediaIntegrityError(failure) && failure.code).toBe('enc-sha256-mismatch');
  });

  it('replays a blob on the browser’s WebCrypto byte for byte, and refuses a changed source', async () => {
    expect(globalThis.crypto.subtle).toBeDefined(); // a secure context: the WebCrypto path runs
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 40_000 }), fc.nat(), async (plain, cut) => {
        const expected = encryptMedia(plain, 'document');
        const first = new MediaEncryptor('document', { mediaKey: expected.mediaKey });
        first.updateParts(plain);
        const { tail } = first.finalize();
        const at = cut % (plain.length + 1);
        const pieces: Uint8Array[] = [];
        const source = [plain.subarray(0, at), plain.subarray(at)];
        const options = { type: 'document', mediaKey: expected.mediaKey, tail } as const;
        for await (const piece of replayCiphertext(source, options)) pieces.push(piece.slice());
        expect(await readAll(new Blob(pieces.map(buf)).stream())).toEqual(expected.data);
      }),
      { numRuns: 20 },
    );
    const plain = crypto.getRandomValues(new Uint8Array(5000));
    const first = new MediaEncryptor('image');
    first.updateParts(plain);
    const { tail, info } = first.finalize();
    if (!info.encrypted) throw new Error('expected encrypted media');
    plain[10]! ^= 1;
    const failure = await (async () => {
      for await (const _ of replayCiphertext([plain], {
        type: 'image',
        mediaKey: info.mediaKey,
        tail,
      }));
    })().catch((e: unknown) => e);
    expect(isMediaReplayError(failure) && failure.code).toBe('source-changed');
  });
});
