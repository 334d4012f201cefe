import { isMediaIntegrityError } from '@wa-media/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isMediaDownloadError, isTransferCancelledError } from '../errors.js';
import {
  emulatorServing,
  equalBytes,
  type Harness,
  type SeededMedia,
  seedMedia,
  startHarness,
} from '../test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.reset());

const seed = (size: number, sidecar: boolean): SeededMedia =>
  seedMedia(h.emulator, size, { type: 'video', seed: 31, sidecar });

describe('downloadRange', () => {
  it('with a sidecar: fetches only the windows needed and authenticates them', async () => {
    const { plain, params } = seed(1_000_000, true);
    for (const [start, end] of [
      [0, 10],
      [300_001, 450_017],
      [999_990, 1_000_000],
    ] as const) {
      h.emulator.clearLog();
      const bytes = await h.client.downloadRange(params, start, end);
      expect(equalBytes(bytes, plain.subarray(start, end))).toBe(true);
      const downloads = h.emulator.log.filter((e) => e.kind === 'download');
      expect(downloads).toHaveLength(1);
      expect(downloads[0]?.range).toMatch(/^bytes=\d+-\d+$/);
      expect(downloads[0]?.bytesOut).toBeLessThan(300_000);
    }
  });

  it('with a sidecar: tampered bytes are refused', async () => {
    const { params } = seed(500_000, true);
    h.emulator.faults.add({ on: 'download', times: 'always', fault: { kind: 'flip', offset: 10 } });
    const error = await h.client.downloadRange(params, 0, 80_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaDownloadError(error)).toBe(true);
    if (!isMediaDownloadError(error)) return;
    expect(error.attempts.length).toBe(2);
    for (const attempt of error.attempts) {
      expect(isMediaIntegrityError(attempt.error) && attempt.error.code).toBe('sidecar-mismatch');
    }
  });

  it('without a sidecar: the whole blob is verified and only the range kept', async () => {
    const { plain, params } = seed(300_000, false);
    const bytes = await h.client.downloadRange(params, 1000, 2000);
    expect(equalBytes(bytes, plain.subarray(1000, 2000))).toBe(true);
    const downloads = h.emulator.log.filter((e) => e.kind === 'download');
    expect(downloads[0]?.range).toBeUndefined();
  });
});

describe('downloadRange as a transfer', () => {
  it('returns a registered transfer (id, cancel)', async () => {
    const { plain, params } = seed(300_000, true);
    const transfer = h.client.downloadRange(params, 100, 5000, { id: 'range-1' });
    expect(transfer.id).toBe('range-1');
    expect(h.client.transfers.get('range-1')).toBe(transfer);
    expect(equalBytes(await transfer, plain.subarray(100, 5000))).toBe(true);
    expect(h.client.transfers.get('range-1')?.state).toBe('succeeded');

    await h.emulator.whenIdle(); // range-1's request is logged: only range-2's is served below
    h.emulator.faults.setBandwidth(200_000);
    try {
      const slow = h.client.downloadRange(seed(300_000, false).params, 0, 10, { id: 'range-2' });
      // Cancelled while its request is being served (a fixed 50 ms could outlast the 1.5 s
      // throttled body on a loaded machine, and the transfer would have succeeded).
      await emulatorServing(h.emulator);
      await h.client.transfers.cancel('range-2');
      await expect(slow).rejects.toSatisfy(isTransferCancelledError);
    } finally {
      h.emulator.faults.setBandwidth(null);
    }
  });

  it('the sidecar phase and the full-blob fallback share one media_conn refresh', async () => {
    // A wrong fileLength makes the sidecar answer unusable: the full blob follows. A 401 in each
    // phase: the second one is final (one refresh per operation), not a second refresh.
    const { plain, params } = seed(300_000, true);
    h.client.mediaConn.invalidate();
    await h.client.mediaConn.get();
    const before = h.signaling.mediaConnQueries;
    h.emulator.faults.add({
      on: 'download',
      nth: 1,
      times: 1,
      fault: { kind: 'status', status: 401 },
    });
    h.emulator.faults.add({
      on: 'download',
      nth: 3,
      times: 1,
      fault: { kind: 'status', status: 401 },
    });
    const error = await h.client
      .downloadRange({ ...params, fileLength: plain.length + 64 }, 0, 1000)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isMediaDownloadError(error) && error.code).toBe('auth-failed');
    expect(h.signaling.mediaConnQueries - before).toBe(1);
    // Both phases ran: a ranged try, then a whole-blob try.
    const path = params.directPath.split('?')[0] as string;
    const downloads = h.emulator.log.filter((e) => e.kind === 'download' && e.path.includes(path));
    expect(downloads.map((e) => [e.status, e.range !== undefined])).toEqual([
      [401, true],
      [206, true],
      [401, false],
    ]);
  });
});

describe('Retry-After beyond maxDelayMs (download)', () => {
  it('is not waited for; the final error carries retryAfterMs', async () => {
    const { params } = seed(20_000, false);
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 503, retryAfterSec: 120 },
    });
    const started = Date.now();
    const error = await h.client.download(params).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isMediaDownloadError(error) && error.code).toBe('all-hosts-failed');
    expect(isMediaDownloadError(error) && error.retryAfterMs).toBe(120_000);
  });
});
