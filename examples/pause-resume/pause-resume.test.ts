// The example against the emulator, with the CDN limited to 4 MiB/s so the pause lands mid-body:
// the transfer goes running → paused → running → succeeded, the file holds exactly the
// plaintext, and the resumed request asks for the rest with a Range from where it stopped.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptMedia } from '@wa-media/crypto';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './pause-resume.js';

describe('examples/pause-resume', () => {
  let emulator: Emulator;
  let dir: string;

  beforeAll(async () => {
    emulator = await startEmulator({ bandwidthBytesPerSec: 4 << 20 });
    dir = mkdtempSync(join(tmpdir(), 'wa-media-example-'));
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pauses half way, resumes by id with a Range request, and ends with the verified file', async () => {
    const video = new Uint8Array(randomBytes(3 << 20));
    const encrypted = encryptMedia(video, 'video');
    const { directPath } = emulator.putMedia(encrypted.data, { mmsType: 'video' });
    const outPath = join(dir, 'clip.mp4');

    const report = await main({
      emulator: emulator.control as { url: string; token: string },
      media: {
        type: 'video',
        directPath,
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
        fileLength: encrypted.fileLength,
      },
      outPath,
      id: '3EB0PAUSE1',
      pausedForMs: 300,
    });
    await emulator.whenIdle();

    expect(report.states).toEqual(['pending', 'running', 'paused', 'running', 'succeeded']);
    expect(report.pausedAtBytes).toBeGreaterThanOrEqual(encrypted.data.length / 2);
    expect(report.pausedAtBytes).toBeLessThan(encrypted.data.length);
    expect(readFileSync(outPath).equals(Buffer.from(video))).toBe(true);

    const downloads = emulator.log.filter((entry) => entry.kind === 'download');
    expect(downloads).toHaveLength(2);
    expect(downloads[0]?.range).toBeUndefined();
    const resumedFrom = Number(/^bytes=(\d+)-/.exec(downloads[1]?.range ?? '')?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    // Only the rest moved again: the two requests together carried the blob about once.
    expect(downloads[1]?.bytesOut).toBe(encrypted.data.length - resumedFrom);
  });
});
