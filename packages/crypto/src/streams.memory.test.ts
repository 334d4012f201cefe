// "Constant memory whatever the size", checked by a test rather than only by the bench:
// 512 MiB of blob, generated on the fly, go through createDecryptStream while the peak RSS is
// sampled; its growth must stay far below the size streamed. (vitest runs each test file in a
// process of its own, so the RSS is this file's.) Node backend: noble would take minutes.
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { nodeBackend } from './backend/node.js';
import { createDecryptStream } from './streams.js';

// A minor GC every 4 MiB written (as the bench's RSS probe does): what is measured is what the
// stream keeps alive, not how lazily V8 frees young garbage (without it the young generation
// alone grows by ~48 MiB here, whatever the size streamed — too close to the bound to be a
// steady test). A leak of chunks is unaffected by it and would blow far past the bound.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/**
 * A valid blob of `plaintextBytes` (a multiple of 16), encrypted chunk by chunk with bare
 * node:crypto as it is read: nothing of it is ever held beyond the chunk being produced.
 */
function blobSource(mediaKey: Uint8Array, plaintextBytes: number): ReadableStream<Uint8Array> {
  const keys = new Uint8Array(
    hkdfSync('sha256', mediaKey, new Uint8Array(32), 'WhatsApp Document Keys', 112),
  );
  const iv = keys.subarray(0, 16);
  const cipher = createCipheriv('aes-256-cbc', keys.subarray(16, 48), iv);
  const mac = createHmac('sha256', keys.subarray(48, 80)).update(iv);
  const plain = new Uint8Array(randomBytes(CHUNK));
  let produced = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (produced < plaintextBytes) {
          const size = Math.min(CHUNK, plaintextBytes - produced);
          produced += size;
          const out = cipher.update(plain.subarray(0, size));
          mac.update(out);
          controller.enqueue(new Uint8Array(out.buffer, out.byteOffset, out.length));
          return;
        }
        const last = cipher.final();
        mac.update(last);
        const tail = Buffer.concat([last, mac.digest().subarray(0, 10)]);
        controller.enqueue(new Uint8Array(tail));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Streams a blob through a decrypt stream; returns plaintext bytes and the peak RSS seen. */
async function decryptAll(
  plaintextBytes: number,
  hashInWorker = false,
): Promise<{ bytes: number; peakRss: number }> {
  const mediaKey = new Uint8Array(randomBytes(32));
  const decrypt = createDecryptStream({
    type: 'document',
    mediaKey,
    backend: nodeBackend,
    hashInWorker,
  });
  let peakRss = process.memoryUsage.rss();
  // Sampled on a timer and on every chunk written (a pipe may run for long stretches in
  // microtasks, when timers do not fire).
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 5);
  let bytes = 0;
  try {
    await blobSource(mediaKey, plaintextBytes)
      .pipeThrough(decrypt)
      .pipeTo(
        new WritableStream<Uint8Array>({
          write(chunk) {
            bytes += chunk.length;
            peakRss = Math.max(peakRss, process.memoryUsage.rss());
            if (bytes % (4 * MiB) < chunk.length) gc({ type: 'minor' });
          },
        }),
      );
    await decrypt.info; // verified: the MAC matched, so every byte went through
  } finally {
    clearInterval(timer);
  }
  return { bytes, peakRss };
}

describe('createDecryptStream memory', () => {
  it('stays bounded while 512 MiB stream through (peak RSS growth < 64 MiB)', async () => {
    await decryptAll(8 * MiB); // warm-up: compiled code and stream machinery exist before
    const before = process.memoryUsage.rss();
    const size = 512 * MiB;
    const { bytes, peakRss } = await decryptAll(size);
    expect(bytes).toBe(size);
    const growthMiB = (peakRss - before) / MiB;
    expect(growthMiB).toBeLessThan(64);
  }, 120_000);

  it('stays bounded with hashInWorker too (the worker is fed through a fixed ring)', async () => {
    await decryptAll(8 * MiB, true); // warm-up, and the worker thread exists before
    const before = process.memoryUsage.rss();
    const size = 256 * MiB;
    const { bytes, peakRss } = await decryptAll(size, true);
    expect(bytes).toBe(size);
    expect((peakRss - before) / MiB).toBeLessThan(64);
  }, 120_000);
});
