// Uploads: results, the sending pass regenerating exactly the hashed ciphertext, and sources.
import { createHash } from 'node:crypto';
import { computeSidecar, decryptMedia, encryptMedia } from '@wa-media/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMediaClient } from '../client.js';
import { isMediaUploadError, isTransferCancelledError } from '../errors.js';
import { newsletterMediaAttrs } from '../messages/build-message.js';
import { tempFileSpool } from '../node.js';
import { equalBytes, type Harness, startHarness, testBytes } from '../test-support/harness.js';
import type { ReopenableSource, UploadSpool } from './upload-source.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.reset();
  h.client.mediaConn.invalidate();
});

describe('upload', () => {
  it('uploads bytes that download back byte-identical and decrypt with the returned key', async () => {
    const plain = testBytes(100_000);
    const uploaded = await h.client.upload(plain, 'image');
    expect(uploaded.directPath.startsWith('/')).toBe(true);
    expect(uploaded.fileLength).toBe(plain.length);
    expect(uploaded.fileSha256).toEqual(
      new Uint8Array(createHash('sha256').update(plain).digest()),
    );
    const stored = h.emulator.getMedia(uploaded.directPath);
    expect(stored?.mmsType).toBe('image');
    const back = await h.client.download({
      type: 'image',
      directPath: uploaded.directPath,
      mediaKey: uploaded.mediaKey,
      fileSha256: uploaded.fileSha256,
      fileEncSha256: uploaded.fileEncSha256,
    });
    expect(equalBytes(back, plain)).toBe(true);
  });

  it('uploads a Blob, a ReadableStream and an AsyncIterable to the same token', async () => {
    const plain = testBytes(70_001, 7);
    const mediaKey = new Uint8Array(32).fill(9);
    const fromBytes = await h.client.upload(plain, 'document', { mediaKey });
    const fromBlob = await h.client.upload(new Blob([plain]), 'document', { mediaKey });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < plain.length; i += 10_000)
          controller.enqueue(plain.slice(i, i + 10_000));
        controller.close();
      },
    });
    const fromStream = await h.client.upload(stream, 'document', { mediaKey });
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < plain.length; i += 3333) yield plain.slice(i, i + 3333);
    }
    const fromIterable = await h.client.upload(chunks(), 'document', { mediaKey });
    for (const result of [fromBlob, fromStream, fromIterable]) {
      expect(result.fileEncSha256).toEqual(fromBytes.fileEncSha256);
    }
    const blob = h.emulator.getMedia(fromIterable.directPath);
    expect(blob?.size).toBe(Math.floor(plain.length / 16) * 16 + 16 + 10);
  });

  it('uploads product-catalog-image and newsletter media unencrypted (token = SHA-256 of plaintext)', async () => {
    const plain = testBytes(5000, 3);
    const product = await h.client.upload(plain, 'product-catalog-image');
    expect(product.mediaKey).toBeUndefined();
    expect(product.fileEncSha256).toEqual(product.fileSha256);
    expect(product.handle).toBeTypeOf('string');
    const newsletter = await h.client.upload(plain, 'image', { encrypted: false });
    expect(newsletter.encrypted).toBe(false);
    // The handle goes on the stanza as media_id (the proto has no field for it).
    expect(newsletter.handle).toBeTypeOf('string');
    expect(newsletterMediaAttrs(newsletter)).toEqual({ media_id: newsletter.handle });
    expect(h.emulator.getMedia(newsletter.directPath)?.mmsType).toBe('newsletter-image');
    const back = await h.client.download({
      type: 'image',
      directPath: newsletter.directPath,
      fileSha256: newsletter.fileSha256,
      encrypted: false, // an image without mediaKey is only unencrypted when said so
    });
    expect(equalBytes(back, plain)).toBe(true);
  });

  it('computes a streaming sidecar for video', async () => {
    const plain = testBytes(200_000, 5);
    const uploaded = await h.client.upload(plain, 'video');
    expect(uploaded.streamingSidecar?.length).toBe(
      10 * Math.ceil((Math.floor(plain.length / 16) * 16 + 16 + 10 + 16) / 65536),
    );
    const url = h.emulator.downloadUrls(uploaded.directPath)[0] as string;
    const blob = new Uint8Array(
      await (await fetch(url, { headers: { Origin: 'https://web.whatsapp.com' } })).arrayBuffer(),
    );
    const expected = await computeSidecar(blob, {
      type: 'video',
      mediaKey: uploaded.mediaKey as Uint8Array,
    });
    expect(uploaded.streamingSidecar).toEqual(expected);
    expect(
      equalBytes(
        decryptMedia(blob, { type: 'video', mediaKey: uploaded.mediaKey as Uint8Array }),
        plain,
      ),
    ).toBe(true);
  });

  it('a sticker-pack thumbnail reuses the pack key', async () => {
    const { pack, thumbnail } = await h.client.uploadStickerPack(
      testBytes(3000, 1),
      testBytes(500, 2),
    );
    expect(thumbnail.mediaKey).toEqual(pack.mediaKey);
    expect(thumbnail.type).toBe('sticker-pack-thumbnail');
    expect(() =>
      h.client.uploadStickerPackThumbnail(testBytes(10), {
        packUpload: pack,
        mediaKey: new Uint8Array(32),
      }),
    ).toThrow(/pack/);
  });

  it('refuses to upload without signalling', async () => {
    const client = createMediaClient({ cdn: { scheme: 'http', allowPrivateAddresses: true } });
    const error = await client.upload(testBytes(10), 'image').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaUploadError(error) && error.code).toBe('no-signaling');
  });
});

describe('the upload pass regenerates exactly the hashed ciphertext', () => {
  function reopenable(bytes: Uint8Array, chunk: number) {
    return {
      size: bytes.length,
      async *open() {
        for (let i = 0; i < bytes.length; i += chunk) yield bytes.slice(i, i + chunk);
      },
    };
  }

  it.each([
    [0, 7],
    [1, 1],
    [15, 4],
    [16, 16],
    [17, 5],
    [1024 * 1024 - 1, 65_536],
    [1024 * 1024, 333_333],
    [1024 * 1024 + 17, 1_000_000],
    [2_500_001, 2_500_001],
  ])('%i bytes in chunks of %i', async (size, chunk) => {
    const plain = testBytes(size, size + 1);
    const mediaKey = new Uint8Array(32).fill(size % 251);
    const expected = encryptMedia(plain, 'audio', { mediaKey });
    const uploaded = await h.client.upload(reopenable(plain, chunk), 'audio', { mediaKey });
    expect(uploaded.fileEncSha256).toEqual(expected.fileEncSha256);
    expect(uploaded.streamingSidecar).toEqual(expected.streamingSidecar);
    const stored = h.emulator.getMedia(uploaded.directPath);
    expect(stored?.size).toBe(expected.data.length);
  });

  it('whole-batch reads (sent to the cipher uncopied) mixed with partial ones give the same blob', async () => {
    // 1 MiB reads skip the batch buffer; reads of other sizes fill it. Interleaving both checks
    // the chain (each batch's last block is the next iv) survives every switch between them.
    const MiB = 1024 * 1024;
    const sizes = [MiB, MiB, 100, MiB, MiB - 100, MiB, 16, MiB - 16, MiB, 5];
    const plain = testBytes(
      sizes.reduce((sum, n) => sum + n, 0),
      11,
    );
    const source: ReopenableSource = {
      size: plain.length,
      async *open() {
        let at = 0;
        for (const n of sizes) {
          yield plain.slice(at, at + n);
          at += n;
        }
      },
    };
    const mediaKey = new Uint8Array(32).fill(7);
    const expected = encryptMedia(plain, 'document', { mediaKey });
    const uploaded = await h.client.upload(source, 'document', { mediaKey });
    expect(uploaded.fileEncSha256).toEqual(expected.fileEncSha256);
    const stored = h.emulator.getMedia(uploaded.directPath);
    expect(stored?.size).toBe(expected.data.length);
    expect(stored?.token).toBe(createHash('sha256').update(expected.data).digest('base64url'));
  });

  it('a source that changes between the passes fails with source-failed and is not stored', async () => {
    let opened = 0;
    const source = {
      async *open() {
        opened += 1;
        const bytes = testBytes(300_000, 5);
        if (opened > 1) bytes[123_456] = (bytes[123_456] as number) ^ 1;
        yield bytes;
      },
    };
    const error = await h.client.upload(source, 'document').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaUploadError(error) && error.code).toBe('source-failed');
    expect(h.emulator.log.filter((e) => e.kind === 'upload' && e.status === 200)).toHaveLength(0);
  });
});

describe('upload sources', () => {
  it('a spool that cannot be created fails with source-failed (the cause kept)', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(testBytes(10_000, 1));
        controller.close();
      },
    });
    const error = await h.client
      .upload(stream, 'image', { spool: tempFileSpool({ directory: '/nonexistent-wa-media' }) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isMediaUploadError(error) && error.code).toBe('source-failed');
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ENOENT');
  });

  it('a spool whose finish() fails: source-failed, and what was spooled is aborted', async () => {
    let aborted = 0;
    const spool: UploadSpool = {
      async create() {
        return {
          write() {},
          async finish() {
            throw new Error('disk full');
          },
          async abort() {
            aborted += 1;
          },
        };
      },
    };
    const error = await h.client.upload(oneShot(testBytes(10_000, 2)), 'image', { spool }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaUploadError(error) && error.code).toBe('source-failed');
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(aborted).toBe(1);
  });

  it('large bytes are read again for the upload pass (no ciphertext copy kept)', async () => {
    // Changing the array once the upload pass started is caught: the bytes were not encrypted
    // once and kept, they are re-read (two passes, constant memory).
    const plain = testBytes(8 * 1024 * 1024, 5);
    const transfer = h.client.upload(plain, 'document');
    const off = transfer.on('progress', () => {
      off();
      plain[plain.length - 1] = (plain[plain.length - 1] as number) ^ 1;
    });
    const error = await transfer.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaUploadError(error) && error.code).toBe('source-failed');
  });

  it('small bytes are encrypted once (a change after the hashing pass does not matter)', async () => {
    const plain = testBytes(500_000, 6);
    const original = plain.slice();
    const transfer = h.client.upload(plain, 'document');
    const off = transfer.on('progress', () => {
      off();
      plain[0] = (plain[0] as number) ^ 1;
    });
    const uploaded = await transfer;
    const back = await h.client.download({ ...uploaded, type: 'document' });
    expect(equalBytes(back, original)).toBe(true);
  });

  it('unencrypted: a source that changed between the passes gives source-failed, not all-hosts-failed', async () => {
    let opens = 0;
    const source: ReopenableSource = {
      size: 200_000,
      async *open() {
        opens += 1;
        const bytes = testBytes(200_000, 7);
        if (opens > 1) bytes[150_000] = (bytes[150_000] as number) ^ 1;
        yield bytes;
      },
    };
    const error = await h.client.upload(source, 'image', { encrypted: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaUploadError(error) && error.code).toBe('source-failed');
    // Nothing wrong reached the CDN's store.
    expect(h.emulator.log.filter((e) => e.kind === 'upload' && e.status === 200)).toEqual([]);
  });

  it('uploadStickerPack is one transfer with an id, cancellable', async () => {
    const transfer = h.client.uploadStickerPack(testBytes(3000, 1), testBytes(500, 2), {
      id: 'pack-1',
    });
    expect(transfer.id).toBe('pack-1');
    expect(h.client.transfers.get('pack-1')).toBe(transfer);
    const { pack, thumbnail } = await transfer;
    expect(thumbnail.mediaKey).toEqual(pack.mediaKey);
    expect(h.client.transfers.get('pack-1')?.state).toBe('succeeded');

    const cancelled = h.client.uploadStickerPack(testBytes(3000, 3), testBytes(500, 4), {
      id: 'pack-2',
    });
    await cancelled.cancel();
    await expect(cancelled).rejects.toSatisfy(isTransferCancelledError);
  });
});

function oneShot(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}
