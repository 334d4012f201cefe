// Resumable uploads (≥ 5 MiB) and the upload status rules.
import { encryptedLength } from '@wa-media/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isMediaUploadError } from '../errors.js';
import { emulatorServing, type Harness, startHarness, testBytes } from '../test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.reset();
  h.client.mediaConn.invalidate();
});

const BIG = 5_400_000; // blob ≥ 5 MiB: resumable
const big = testBytes(BIG, 21);
const mediaKey = new Uint8Array(32).fill(7);
const blobLength = encryptedLength(BIG);

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function entries(kind: 'upload' | 'probe') {
  return h.emulator.log.filter((entry) => entry.kind === kind);
}

describe('resumable upload (≥ 5 MiB)', () => {
  it('not found: probes, then uploads in full', async () => {
    const result = await h.client.upload(big, 'video', { mediaKey });
    expect(result.fileLength).toBe(BIG);
    expect(entries('probe').map((e) => e.status)).toEqual([404]);
    expect(entries('upload').map((e) => e.bytesIn)).toEqual([blobLength]);
  });

  it('complete: the second upload of the same blob sends no body', async () => {
    const first = await h.client.upload(big, 'video', { mediaKey });
    h.emulator.clearLog();
    const second = await h.client.upload(big, 'video', { mediaKey });
    expect(second.directPath).toBe(first.directPath);
    expect(entries('upload')).toHaveLength(0);
    expect(entries('probe')).toHaveLength(1);
  });

  it('offset: after a cut, only the missing bytes go up with file_offset', async () => {
    h.emulator.faults.add({
      on: 'upload',
      host: 0,
      times: 1,
      fault: { kind: 'reset', afterBytes: 2_000_000 },
    });
    const blob = new Blob([big]); // a re-readable source: re-encrypted, never kept
    const result = await h.client.upload(blob, 'video', { mediaKey });
    expect(result.fileLength).toBe(BIG);
    const uploads = entries('upload');
    expect(uploads).toHaveLength(2);
    const kept = uploads[0]?.bytesIn as number;
    expect(kept).toBeGreaterThan(0);
    expect(uploads[1]?.path).toContain(`file_offset=${kept}`);
    expect(uploads[1]?.bytesIn).toBe(blobLength - kept);
    const probes = entries('probe');
    expect(probes.length).toBe(2);
  });

  it('many quick pause / resume cycles: the CDN keeps the cut bytes and only the rest moves', async () => {
    // Right after a pause the CDN is still reading the cut POST: the probe must be asked again
    // (bounded) instead of taking its early 404 for "start over".
    const size = 6 * 1024 * 1024;
    const plain = testBytes(size, 4);
    h.emulator.faults.setBandwidth(20_000_000);
    try {
      const transfer = h.client.upload(plain, 'document');
      // The first pause cuts a POST the CDN is reading (1 MB sent), so bytes are kept and a
      // file_offset resume must follow: a fixed first delay could outlast the whole 300 ms
      // upload on a loaded machine, or cut it before the CDN saw it.
      await new Promise<void>((resolve) => {
        const off = transfer.on('progress', ({ bytesDone }) => {
          if (bytesDone < 1_000_000) return;
          off();
          resolve();
        });
      });
      await emulatorServing(h.emulator);
      for (let i = 0; i < 15 && !['succeeded', 'failed'].includes(transfer.state); i++) {
        if (i > 0) await delay(20 + ((i * 7) % 30));
        if (['succeeded', 'failed'].includes(transfer.state)) break;
        await transfer.pause();
        await delay(5);
        await transfer.resume();
      }
      const uploaded = await transfer;
      const blob = encryptedLength(size);
      const moved = entries('upload').reduce((sum, e) => sum + e.bytesIn, 0);
      expect(moved).toBeLessThan(2 * blob);
      expect(entries('upload').some((e) => e.path.includes('file_offset='))).toBe(true);
      const back = await h.client.download({ ...uploaded, type: 'document' });
      expect(back.length).toBe(size);
      expect(back.every((byte, i) => byte === plain[i])).toBe(true);
    } finally {
      h.emulator.faults.setBandwidth(null);
    }
  });

  it.each([
    ['garbage reply', { kind: 'truncate', afterBytes: 3 } as const],
    ['failing probe (500)', { kind: 'status', status: 500 } as const],
    ['failing probe (reset)', { kind: 'reset' } as const],
  ])('%s: the probe is never fatal, full upload', async (_name, fault) => {
    h.emulator.faults.add({ on: 'probe', times: 'always', fault });
    const result = await h.client.upload(big, 'video', { mediaKey });
    expect(result.fileLength).toBe(BIG);
    const uploads = entries('upload');
    expect(uploads.at(-1)?.bytesIn).toBe(blobLength);
    expect(uploads.at(-1)?.status).toBe(200);
  });
});

describe('upload status rules', () => {
  const small = testBytes(30_000, 3);

  it('401: refresh once and retry; a second 401 is final', async () => {
    await h.client.mediaConn.get();
    const before = h.signaling.mediaConnQueries;
    h.emulator.faults.add({ on: 'upload', times: 1, fault: { kind: 'status', status: 401 } });
    await h.client.upload(small, 'image');
    expect(h.signaling.mediaConnQueries - before).toBe(1);

    h.emulator.faults.add({
      on: 'upload',
      times: 'always',
      fault: { kind: 'status', status: 403 },
    });
    const error = await h.client.upload(small, 'image').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaUploadError(error) && error.code).toBe('auth-failed');
    expect(h.signaling.mediaConnQueries - before).toBe(2);
  });

  it('500 and 404 move to the next host; 503 retries the same host first', async () => {
    h.emulator.faults.add({
      on: 'upload',
      host: 0,
      times: 1,
      fault: { kind: 'status', status: 500 },
    });
    await h.client.upload(small, 'image');
    expect(entries('upload').map((e) => e.host)).toEqual([0, 1]);
    h.emulator.clearLog();
    h.emulator.faults.add({
      on: 'upload',
      host: 0,
      times: 1,
      fault: { kind: 'status', status: 404 },
    });
    await h.client.upload(testBytes(1000, 9), 'image');
    expect(entries('upload').map((e) => e.host)).toEqual([0, 1]);
    h.emulator.clearLog();
    h.emulator.faults.add({
      on: 'upload',
      host: 0,
      times: 'always',
      fault: { kind: 'status', status: 503 },
    });
    await h.client.upload(testBytes(1000, 10), 'image');
    expect(entries('upload').map((e) => e.host)).toEqual([0, 0, 0, 1]);
  });

  it('a Retry-After beyond maxDelayMs is not waited for, and the final error carries it', async () => {
    h.emulator.faults.add({
      on: 'upload',
      times: 'always',
      fault: { kind: 'status', status: 503, retryAfterSec: 60 },
    });
    const started = Date.now();
    const error = await h.client.upload(small, 'image').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isMediaUploadError(error) && error.code).toBe('all-hosts-failed');
    expect(isMediaUploadError(error) && error.retryAfterMs).toBe(60_000);
    expect((error as { toJSON(): { retryAfterMs?: number } }).toJSON().retryAfterMs).toBe(60_000);
  });

  it('every host failing gives all-hosts-failed with redacted attempts', async () => {
    h.emulator.faults.add({
      on: 'upload',
      times: 'always',
      fault: { kind: 'status', status: 500 },
    });
    const error = await h.client.upload(small, 'image').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaUploadError(error) && error.code).toBe('all-hosts-failed');
    if (!isMediaUploadError(error)) return;
    expect(error.attempts).toHaveLength(2);
    const auth = h.client.mediaConn.peek()?.auth as string;
    expect(JSON.stringify(error) + error.attempts.map((a) => a.url).join()).not.toContain(
      encodeURIComponent(auth),
    );
    expect(JSON.stringify(error)).not.toContain(auth);
  });
});
