// The example against the emulator: what was sent decodes to messages whose previews,
// dimensions, durations, waveform and page count match the files, and whose server-hosted
// thumbnails download (verified) to the inline previews.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMediaClient } from '@wa-media/client';
import { startEmulator } from '@wa-media/emulator';
import { decodeMessage, encodeMessage, type Message } from '@wa-media/protocol';
import { createNodeHttpClient } from '@wa-media/transport/node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWithPreviews } from './send-with-previews.js';

const fixtures = fileURLToPath(new URL('../../packages/media-info/fixtures/', import.meta.url));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

describe('sending media with previews', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let client: ReturnType<typeof createMediaClient>;
  const sent: Message[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ control: false });
    client = createMediaClient({
      signaling: emulator.signaling({ ownJid: '15550001111:2@s.whatsapp.net' }),
      http: createNodeHttpClient(),
      cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: emulator.hostnames },
    });
    await sendWithPreviews(
      client,
      // What goes over the wire: the proto bytes, decoded again as a receiver would.
      async (message) => void sent.push(decodeMessage(encodeMessage(message))),
      {
        photo: `${fixtures}photo.jpg`,
        clip: `${fixtures}faststart.mp4`,
        voice: `${fixtures}voice.ogg`,
        pdf: `${fixtures}document.pdf`,
      },
    );
  });
  afterAll(() => emulator?.close());

  async function expectPreview(jpeg: Uint8Array | undefined, width: number, height: number) {
    expect(jpeg?.length).toBeLessThanOrEqual(32 * 1024);
    const meta = await sharp(jpeg as Uint8Array).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', width, height]);
  }

  /** The server-hosted thumbnail downloads, verified, to the inline preview. */
  async function expectHostedThumbnail(message: Message, inline: Uint8Array | undefined) {
    const thumbnail = await client.download(message, { thumbnail: true });
    expect(Buffer.from(thumbnail)).toEqual(Buffer.from(inline as Uint8Array));
  }

  it('sends four messages', () => {
    const media = (message: Message) =>
      Object.entries(message).find(([, value]) => value !== undefined && value !== null)?.[0];
    expect(sent.map(media)).toEqual([
      'imageMessage',
      'videoMessage',
      'audioMessage',
      'documentMessage',
    ]);
  });

  it('the image has its size, an inline preview and a server-hosted thumbnail', async () => {
    const image = sent[0]!.imageMessage!;
    expect([image.mimetype, image.width, image.height, image.caption]).toEqual([
      'image/jpeg',
      640,
      480,
      'A photo',
    ]);
    await expectPreview(image.jpegThumbnail, 100, 75);
    expect(image.thumbnailDirectPath).toMatch(/^\//);
    expect(Buffer.from(image.thumbnailSha256!)).toEqual(sha256(image.jpegThumbnail!));
    expect(image.thumbnailEncSha256).toHaveLength(32);
    await expectHostedThumbnail(sent[0]!, image.jpegThumbnail);
    expect(Buffer.from(await client.download(sent[0]!))).toEqual(
      readFileSync(`${fixtures}photo.jpg`),
    );
  });

  it('the video has its duration, size and first frame', async () => {
    const video = sent[1]!.videoMessage!;
    expect([video.mimetype, video.seconds, video.width, video.height]).toEqual([
      'video/mp4',
      2,
      160,
      120,
    ]);
    expect(video.streamingSidecar?.length).toBeGreaterThan(0);
    // 160×120 scaled to 100 px wide, height rounded to an even number by ffmpeg.
    await expectPreview(video.jpegThumbnail, 100, 74);
    await expectHostedThumbnail(sent[1]!, video.jpegThumbnail);
  });

  it('the voice note is a ptt with its duration and a 64-value waveform', () => {
    const audio = sent[2]!.audioMessage!;
    expect([audio.mimetype, audio.ptt, audio.seconds]).toEqual(['audio/ogg; codecs=opus', true, 3]);
    const waveform = Array.from(audio.waveform ?? new Uint8Array());
    expect(waveform).toHaveLength(64);
    expect(Math.max(...waveform)).toBe(100);
    // The file's loudness rises steadily: so does its waveform.
    expect(waveform[0]).toBeLessThan(5);
    expect(waveform[32]).toBeGreaterThan(40);
    expect(waveform[32]).toBeLessThan(60);
  });

  it('the document has its type, page count and name', () => {
    const document = sent[3]!.documentMessage!;
    expect([document.mimetype, document.pageCount, document.fileName]).toEqual([
      'application/pdf',
      3,
      'report.pdf',
    ]);
  });
});
