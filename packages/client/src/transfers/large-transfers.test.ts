// Bigger transfers (about 3 s on 2 cores, so in the default run): many pauses on a 48 MiB download and a 24 MiB
// upload, byte-identical results, and only the missing bytes moved.
import { encryptedLength, encryptMedia } from '@wa-media/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  equalBytes,
  type Harness,
  MemoryWriter,
  startHarness,
  testBytes,
} from '../test-support/harness.js';
import type { Transfer } from './transfer.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function reached(transfer: Transfer<unknown>, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    if (transfer.progress.bytesDone >= bytes) resolve();
    const off = transfer.on('progress', ({ bytesDone }) => {
      if (bytesDone >= bytes) {
        off();
        resolve();
      }
    });
  });
}

describe('large transfers', () => {
  it('48 MiB download paused 8 times at random points', { timeout: 120_000 }, async () => {
    const plain = testBytes(48 * 1024 * 1024, 99);
    const encrypted = encryptMedia(plain, 'video');
    const stored = h.emulator.putMedia(encrypted.data, { mmsType: 'video' });
    h.emulator.faults.setBandwidth(80 * 1024 * 1024);
    const writer = new MemoryWriter();
    const transfer = h.client.downloadToWriter(
      {
        type: 'video',
        directPath: stored.directPath,
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
      },
      writer,
    );
    const points = Array.from({ length: 8 }, () => Math.random()).sort();
    for (const point of points) {
      await reached(transfer, Math.floor(encrypted.data.length * point * 0.95));
      await transfer.pause();
      await delay(10);
      await transfer.resume();
    }
    await transfer;
    h.emulator.faults.setBandwidth(null);
    expect(equalBytes(writer.bytes(), plain)).toBe(true);
    expect(writer.truncates).toBe(0);
    await h.emulator.whenIdle();
    const moved = h.emulator.log
      .filter((e) => e.kind === 'download')
      .reduce((sum, e) => sum + e.bytesOut, 0);
    expect(moved - encrypted.data.length).toBeLessThan(8 * 1024 * 1024);
  });

  it('24 MiB upload paused 4 times resumes from the CDN offset each time', {
    timeout: 120_000,
  }, async () => {
    h.emulator.reset();
    h.client.mediaConn.invalidate();
    const plain = testBytes(24 * 1024 * 1024, 98);
    const blobLength = encryptedLength(plain.length);
    h.emulator.faults.setBandwidth(60 * 1024 * 1024);
    const transfer = h.client.upload(new Blob([plain]), 'video');
    for (const point of [0.15, 0.35, 0.6, 0.8]) {
      await reached(transfer, Math.floor(blobLength * point));
      await transfer.pause();
      const cuts = h.emulator.log.filter((e) => e.kind === 'upload' && e.aborted).length;
      for (
        let i = 0;
        i < 300 && h.emulator.log.filter((e) => e.kind === 'upload' && e.aborted).length === cuts;
        i++
      ) {
        await delay(10);
      }
      await h.emulator.whenIdle();
      await transfer.resume();
    }
    const result = await transfer;
    h.emulator.faults.setBandwidth(null);
    await h.emulator.whenIdle();
    const uploads = h.emulator.log.filter((e) => e.kind === 'upload');
    expect(uploads.reduce((sum, e) => sum + e.bytesIn, 0)).toBe(blobLength);
    expect(uploads.slice(1).every((e) => e.path.includes('file_offset='))).toBe(true);
    const back = await h.client.download({ ...result, type: 'video' });
    expect(equalBytes(back, plain)).toBe(true);
  });
});
