// The stream and iterable forms: round trips over random chunkings, corrupted blobs, resuming
// with a carried-over decryptor, and every source kind.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaDecryptor } from './decrypt.js';
import { encryptMedia } from './encrypt.js';
import { isMediaIntegrityError } from './errors.js';
import {
  createDecryptStream,
  createEncryptStream,
  decryptIterable,
  encryptIterable,
} from './streams.js';
import {
  backends,
  concat,
  pseudoRandomBytes,
  referenceEncrypt,
  splitAt,
} from './test-support/index.js';

function streamOf(pieces: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < pieces.length) controller.enqueue(pieces[index++]!);
      else controller.close();
    },
  });
}

async function collect(
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream as AsyncIterable<Uint8Array>) parts.push(part);
  return concat(parts);
}

describe.each(backends)('stream forms with the %s backend', (_name, backend) => {
  it('TransformStream round trip over random chunkings equals the reference', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 2000 }),
        fc.array(fc.nat({ max: 2100 }), { maxLength: 8 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (plaintext, cuts, mediaKey) => {
          const encrypt = createEncryptStream('audio', { mediaKey, backend });
          const blob = await collect(streamOf(splitAt(plaintext, cuts)).pipeThrough(encrypt));
          const info = await encrypt.info;
          expect(blob).toEqual(referenceEncrypt(plaintext, mediaKey, 'audio').data);
          if (!info.encrypted) throw new Error('expected encrypted info');
          expect(info.streamingSidecar?.length).toBe(10);
          const decrypt = createDecryptStream({
            type: 'audio',
            mediaKey,
            fileSha256: info.fileSha256,
            fileEncSha256: info.fileEncSha256,
            backend,
          });
          const plain = await collect(streamOf(splitAt(blob, cuts)).pipeThrough(decrypt));
          expect(plain).toEqual(plaintext);
          expect((await decrypt.info).fileLength).toBe(plaintext.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a corrupted blob errors the readable side and rejects info with the code', async () => {
    const { data, mediaKey, fileEncSha256 } = encryptMedia(pseudoRandomBytes(100_000), 'video', {
      backend,
    });
    const corrupted = data.slice();
    corrupted[99_000]! ^= 1;
    const decrypt = createDecryptStream({ type: 'video', mediaKey, fileEncSha256, backend });
    const failure = await collect(streamOf(splitAt(corrupted, [65536])).pipeThrough(decrypt)).catch(
      (e) => e,
    );
    expect(isMediaIntegrityError(failure)).toBe(true);
    expect(failure.code).toBe('enc-sha256-mismatch');
    await expect(decrypt.info).rejects.toMatchObject({ code: 'enc-sha256-mismatch' });
  });

  it('async-iterable helpers round-trip and expose info', async () => {
    const plaintext = pseudoRandomBytes(70_000, 4);
    async function* source(): AsyncGenerator<Uint8Array> {
      for (const piece of splitAt(plaintext, [1, 17, 40_000])) yield piece;
    }
    const encrypted = encryptIterable(source(), 'document', { backend });
    const blob = await collect(encrypted);
    const info = await encrypted.info;
    if (!info.encrypted) throw new Error('expected encrypted info');
    const decrypted = decryptIterable(splitAt(blob, [5, 26, 50_000]), {
      type: 'document',
      mediaKey: info.mediaKey,
      fileSha256: info.fileSha256,
      backend,
    });
    expect(await collect(decrypted)).toEqual(plaintext);
    expect((await decrypted.info).fileEncSha256).toEqual(info.fileEncSha256);
  });

  it('a decryptor carried over to a new stream resumes where the old one stopped', async () => {
    const plaintext = pseudoRandomBytes(150_000, 6);
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
    // First connection: delivers 80 000 bytes, then stalls (the source never closes).
    const first = createDecryptStream(decryptor);
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(data.subarray(0, 50_000));
        controller.enqueue(data.subarray(50_000, 80_000));
      },
    });
    const firstReader = stalled.pipeThrough(first).getReader();
    const received: Uint8Array[] = [];
    let receivedBytes = 0;
    // Drain everything produced so far, as a writer would before giving up on the connection.
    while (decryptor.bytesIn < 80_000 || receivedBytes < decryptor.bytesOut) {
      const { value } = await firstReader.read();
      if (value) {
        received.push(value);
        receivedBytes += value.length;
      }
    }
    await firstReader.cancel(new Error('connection reset'));
    await expect(first.info).rejects.toThrow();
    // Second connection: Range from bytesIn.
    expect(decryptor.bytesIn).toBe(80_000);
    const second = createDecryptStream(decryptor);
    received.push(await collect(streamOf([data.subarray(decryptor.bytesIn)]).pipeThrough(second)));
    expect(concat(received)).toEqual(plaintext);
    expect((await second.info).fileLength).toBe(plaintext.length);
  });

  it('iterables read every source kind, and stopping early cancels a stream source', async () => {
    const plaintext = pseudoRandomBytes(140_000, 12);
    const { data, mediaKey, fileSha256 } = encryptMedia(plaintext, 'document', { backend });
    const options = { type: 'document', mediaKey, fileSha256, backend } as const;
    // Whole array, sync iterable, ReadableStream: the same plaintext.
    for (const source of [data, splitAt(data, [1000, 70_000]), streamOf(splitAt(data, [65_536]))]) {
      expect(await collect(decryptIterable(source, options))).toEqual(plaintext);
    }
    let cancelled: unknown;
    // Two chunks, then a stall: the first chunk's plaintext goes out once the second arrives.
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(data.subarray(0, 40_000));
        controller.enqueue(data.subarray(40_000, 70_000));
      },
      cancel(reason) {
        cancelled = reason ?? 'cancelled';
      },
    });
    const decrypted = decryptIterable(source, options);
    for await (const part of decrypted) {
      expect(part.length).toBeGreaterThan(0);
      break;
    }
    expect(cancelled).toBeDefined();
    await expect(decrypted.info).rejects.toThrow('iteration stopped before the end');
  });

  it('the stream and iterable forms give one output per input chunk, one chunk late', async () => {
    // 64 KiB chunks: each chunk's plaintext (the cipher's output, never split nor copied) goes
    // out when the next chunk shows it was not the last. The last chunk (one block + MAC)
    // releases the third; the final block is all padding, so the tail is empty.
    const plaintext = pseudoRandomBytes(3 * 65_536, 13);
    const { data, mediaKey } = encryptMedia(plaintext, 'document', { backend });
    const pieces = splitAt(data, [65_536, 131_072, 196_608]);
    const decrypt = createDecryptStream({ type: 'document', mediaKey, backend });
    const reader = streamOf(pieces).pipeThrough(decrypt).getReader();
    const outputs: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      outputs.push(value);
    }
    expect(concat(outputs)).toEqual(plaintext);
    expect(outputs.map((part) => part.length)).toEqual([65_536, 65_536, 65_536]);
    const iterated: Uint8Array[] = [];
    for await (const part of decryptIterable(pieces, { type: 'document', mediaKey, backend })) {
      iterated.push(part);
    }
    expect(iterated.map((part) => part.length)).toEqual([65_536, 65_536, 65_536]);
    expect(concat(iterated)).toEqual(plaintext);
  });

  it('unaligned chunks still give one output each, and the right bytes', async () => {
    const plaintext = pseudoRandomBytes(200_000, 14);
    const { data, mediaKey, fileSha256 } = encryptMedia(plaintext, 'document', { backend });
    const pieces = splitAt(data, [1, 7, 5000, 5001, 70_003, 150_000]);
    const decrypt = createDecryptStream({ type: 'document', mediaKey, fileSha256, backend });
    const outputs = [] as Uint8Array[];
    const reader = streamOf(pieces).pipeThrough(decrypt).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      outputs.push(value);
    }
    expect(outputs.length).toBeLessThanOrEqual(pieces.length);
    expect(concat(outputs)).toEqual(plaintext);
  });
});
