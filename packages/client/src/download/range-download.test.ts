import { encryptMedia, isMediaIntegrityError } from '@wa-media/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isMediaDownloadError } from '../errors.js';
import { equalBytes, type Harness, startHarness, testBytes } from '../test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.reset());

function seed(size: number, sidecar: boolean) {
  const plain = testBytes(size, 31);
  const encrypted = encryptMedia(plain, 'video', { sidecar });
  const stored = h.emulator.putMedia(encrypted.data, { mmsType: 'video' });
  return {
    plain,
    params: {
      type: 'video' as const,
      directPath: stored.directPath,
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
      fileLength: size,
      ...(encrypted.streamingSidecar === undefined
        ? {}
        : { streamingSidecar: encrypted.streamingSidecar }),
    },
  };
}

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
