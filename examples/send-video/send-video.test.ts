// The example against the emulator: a 6 MiB video whose upload is cut mid-body arrives whole,
// the second request continues from the bytes the CDN kept (file_offset), and the message it
// builds downloads, verified, to the file's bytes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeMediaClient } from '@wa-media/client/node';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { decodeMessage, encodeMessage } from '@wa-media/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './send-video.js';

const VIDEO_BYTES = 6 * 1024 * 1024;
/** Ciphertext (PKCS#7-padded to whole blocks) plus the 10-byte MAC. */
const BLOB_BYTES = (Math.floor(VIDEO_BYTES / 16) + 1) * 16 + 10;

describe('examples/send-video', () => {
  let emulator: Emulator;
  let dir: string;
  const video = new Uint8Array(randomBytes(VIDEO_BYTES));

  beforeAll(async () => {
    emulator = await startEmulator();
    dir = mkdtempSync(join(tmpdir(), 'wa-media-example-'));
    writeFileSync(join(dir, 'clip.mp4'), video);
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a video resumably after a cut and builds a message that downloads to the file', async () => {
    const control = emulator.control as { url: string; token: string };
    // The connection drops after 3 MiB of the first upload request.
    emulator.faults.add({ on: 'upload', times: 1, fault: { kind: 'reset', afterBytes: 3 << 20 } });
    const progress: number[] = [];
    const { message } = await main({
      emulator: control,
      path: join(dir, 'clip.mp4'),
      caption: 'holiday',
      seconds: 12,
      messageId: '3EB0VIDEO1',
      onProgress: (done) => progress.push(done),
    });
    await emulator.whenIdle();

    const uploads = emulator.log.filter((entry) => entry.kind === 'upload');
    expect(uploads.map((entry) => entry.status)).toEqual([0, 200]);
    const resumed = new URL(uploads[1]?.path ?? '', 'http://x').searchParams.get('file_offset');
    expect(Number(resumed)).toBeGreaterThan(0);
    // Only the rest was sent again, not the whole blob.
    expect(uploads[1]?.bytesIn).toBe(BLOB_BYTES - Number(resumed));
    expect(progress.at(-1)).toBe(BLOB_BYTES);

    // What the recipient decodes: a video message with every field a download needs.
    const received = decodeMessage(encodeMessage(message));
    const videoMessage = received.videoMessage;
    expect(videoMessage?.caption).toBe('holiday');
    expect(videoMessage?.seconds).toBe(12);
    expect(videoMessage?.mimetype).toBe('video/mp4');
    expect(videoMessage?.fileLength).toBe(BigInt(VIDEO_BYTES));
    expect(videoMessage?.streamingSidecar?.length).toBeGreaterThan(0);

    const recipient = createNodeMediaClient({
      signaling: emulator.signaling({ ownJid: '15550002222:1@s.whatsapp.net' }),
      cdn: { scheme: 'http', allowPrivateAddresses: true },
    });
    try {
      expect(Buffer.from(await recipient.download(received)).equals(Buffer.from(video))).toBe(true);
    } finally {
      recipient.close();
    }
  });
});
