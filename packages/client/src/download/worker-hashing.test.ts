// Large transfers hash on @wa-media/crypto's worker thread (internal/worker-hashing.ts): the
// same bytes and refusals as on one thread, and a dying worker costs a restart, not the result.
import { encryptMedia } from '@wa-media/crypto';
// crypto's public way to end its hashing thread, which the client must survive as a crash.
import { stopHashWorker } from '@wa-media/crypto/backend/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isMediaDownloadError } from '../errors.js';
import { workerHashing } from '../internal/worker-hashing.js';
import {
  equalBytes,
  type Harness,
  MemoryWriter,
  type SeededMedia,
  seedMedia,
  startHarness,
  testBytes,
} from '../test-support/harness.js';

let h: Harness;
const defaultMinBytes = workerHashing.minBytes;
beforeAll(async () => {
  h = await startHarness();
  // Small files keep the test fast; the threshold logic is the same.
  workerHashing.minBytes = 200_000;
});
afterAll(async () => {
  workerHashing.minBytes = defaultMinBytes;
  await h.close();
});
beforeEach(() => {
  h.emulator.reset();
  h.client.mediaConn.invalidate();
});

const seed = (size: number, seedValue: number): SeededMedia =>
  seedMedia(h.emulator, size, { type: 'video', seed: seedValue });

describe('download with the hashing worker (above the size threshold)', () => {
  it('writes the same verified bytes and reports the same hashes', async () => {
    const { plain, encrypted, params } = seed(1_500_001, 41);
    const writer = new MemoryWriter();
    const result = await h.client.downloadToWriter(params, writer);
    expect(equalBytes(writer.data, plain)).toBe(true);
    expect(result.fileSha256).toEqual(encrypted.fileSha256);
    expect(result.fileEncSha256).toEqual(encrypted.fileEncSha256);
    expect(result.fileLength).toBe(plain.length);
  });

  it('refuses a corrupted blob on every host and leaves the writer empty', async () => {
    const { params } = seed(600_000, 42);
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'flip', offset: 300_000 },
    });
    const writer = new MemoryWriter();
    const error = await h.client.downloadToWriter(params, writer).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaDownloadError(error) && error.code).toBe('all-hosts-failed');
    const codes = isMediaDownloadError(error)
      ? error.attempts.map((attempt) => (attempt.error as { code?: unknown }).code)
      : [];
    // fileEncSha256 is checked first (docs/protocol.md §2 order), on the worker or not.
    expect(codes).toEqual(['enc-sha256-mismatch', 'enc-sha256-mismatch']);
    expect(writer.data.length).toBe(0);
  });

  it('restarts on this thread alone when the worker dies mid-download', async () => {
    const { plain, encrypted, params } = seed(3_000_000, 43);
    const writer = new MemoryWriter();
    let killed = false;
    const result = await h.client.downloadToWriter(params, {
      async write(chunk: Uint8Array) {
        writer.write(chunk);
        if (!killed && writer.length > 500_000) {
          killed = true;
          await stopHashWorker();
        }
      },
      seek: (offset: number) => writer.seek(offset),
      truncate: (length: number) => writer.truncate(length),
    });
    expect(killed).toBe(true);
    // The rewind proves the worker held this download's hashes and the restart happened.
    expect(writer.truncates).toBeGreaterThanOrEqual(1);
    expect(equalBytes(writer.data, plain)).toBe(true);
    expect(result.fileEncSha256).toEqual(encrypted.fileEncSha256);
  });
});

describe('upload with the hashing worker (above the size threshold)', () => {
  it('gives the same token and blob as on one thread', async () => {
    const plain = testBytes(700_001, 44);
    const mediaKey = new Uint8Array(32).fill(7);
    // A Blob is re-readable with a known size: hash pass on the worker, then the sending pass.
    const uploaded = await h.client.upload(new Blob([plain]), 'document', { mediaKey });
    const reference = encryptMedia(plain, 'document', { mediaKey });
    expect(uploaded.fileEncSha256).toEqual(reference.fileEncSha256);
    expect(uploaded.fileSha256).toEqual(reference.fileSha256);
    expect(h.emulator.getMedia(uploaded.directPath)?.size).toBe(reference.data.length);
  });
  it('hashes again on this thread when the worker dies during the hash pass', async () => {
    const plain = testBytes(900_000, 45);
    const mediaKey = new Uint8Array(32).fill(8);
    let opens = 0;
    const source = {
      size: plain.length,
      async *open(): AsyncGenerator<Uint8Array> {
        opens += 1;
        const first = opens === 1;
        for (let offset = 0; offset < plain.length; offset += 100_000) {
          yield plain.subarray(offset, offset + 100_000);
          if (first && offset === 300_000) await stopHashWorker();
        }
      },
    };
    const uploaded = await h.client.upload(source, 'document', { mediaKey });
    // Hash pass with the worker, dies; hash pass on this thread; the sending pass.
    expect(opens).toBe(3);
    const reference = encryptMedia(plain, 'document', { mediaKey });
    expect(uploaded.fileEncSha256).toEqual(reference.fileEncSha256);
    expect(h.emulator.getMedia(uploaded.directPath)?.size).toBe(reference.data.length);
  });
});
