// uploadWithPreview (describe, upload, server-hosted thumbnail) and newsletterMediaType.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClientArgumentError, isNoMediaError } from '../errors.js';
import { type Harness, startHarness } from '../test-support/harness.js';
import {
  buildAudioMessage,
  buildDocumentMessage,
  buildImageMessage,
  buildStickerMessage,
  buildVideoMessage,
  newsletterMediaType,
} from './build-message.js';
import {
  type DescribeFunction,
  type MediaPreview,
  uploadWithPreview,
} from './upload-with-preview.js';

const JPEG_PREVIEW = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

/** A describe function that records what it read and answers `preview`. */
function recordingDescribe(preview: MediaPreview) {
  const seen: { bytes: Uint8Array; kind: string; mimetype: string | undefined }[] = [];
  const describe: DescribeFunction = async (source, kind, options) => {
    const chunks: Uint8Array[] = [];
    if (source instanceof Uint8Array) chunks.push(source);
    else if (source instanceof Blob) chunks.push(new Uint8Array(await source.arrayBuffer()));
    else for await (const chunk of source.open()) chunks.push(chunk);
    seen.push({ bytes: Buffer.concat(chunks), kind, mimetype: options.mimetype });
    return preview;
  };
  return { describe, seen };
}

describe('uploadWithPreview', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('describes, uploads, and uploads the preview as a thumbnail with the media key', async () => {
    const bytes = new Uint8Array(5000).fill(7);
    const { describe, seen } = recordingDescribe({
      mimetype: 'image/png',
      width: 640,
      height: 480,
      jpegThumbnail: JPEG_PREVIEW,
    });
    const up = await uploadWithPreview(harness.client, bytes, 'image', {
      describe,
      mimetype: 'image/x',
    });
    expect(seen).toEqual([{ bytes: Buffer.from(bytes), kind: 'image', mimetype: 'image/x' }]);
    expect(Buffer.from(up.thumbnail?.sha256 ?? [])).toEqual(sha256(JPEG_PREVIEW));
    const message = buildImageMessage(up, { caption: 'c' });
    expect(message.imageMessage).toMatchObject({
      mimetype: 'image/png',
      width: 640,
      height: 480,
      caption: 'c',
      jpegThumbnail: JPEG_PREVIEW,
      thumbnailDirectPath: up.thumbnail?.directPath,
    });
    // The downloader reads the thumbnail with the message's key: the hosted copy verifies.
    const hosted = await harness.client.download(message, { thumbnail: true });
    expect(Buffer.from(hosted)).toEqual(Buffer.from(JPEG_PREVIEW));
    expect(Buffer.from(await harness.client.download(message))).toEqual(Buffer.from(bytes));
  });

  it('spools a one-shot stream once, so describe and upload read the same bytes', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => i % 251);
    const { describe, seen } = recordingDescribe({ seconds: 4, width: 8, height: 6 });
    const stream = new Blob([bytes]).stream();
    const up = await uploadWithPreview(harness.client, stream, 'video', { describe, kind: 'gif' });
    expect(seen[0]?.bytes).toEqual(Buffer.from(bytes));
    expect(up.thumbnail).toBeUndefined(); // no preview, no thumbnail upload
    const message = buildVideoMessage(up);
    expect(message.videoMessage).toMatchObject({
      seconds: 4,
      width: 8,
      height: 6,
      gifPlayback: true,
    });
    expect(Buffer.from(await harness.client.download(message))).toEqual(Buffer.from(bytes));
  });

  it('voice notes build as ptt with waveform; plain audio has no waveform', async () => {
    const waveform = new Uint8Array(64).fill(50);
    const { describe } = recordingDescribe({
      mimetype: 'audio/ogg; codecs=opus',
      seconds: 3,
      waveform,
    });
    const voice = await uploadWithPreview(harness.client, new Uint8Array(100), 'audio', {
      describe,
      kind: 'ptt',
    });
    expect(buildAudioMessage(voice).audioMessage).toMatchObject({
      ptt: true,
      seconds: 3,
      waveform,
      mimetype: 'audio/ogg; codecs=opus',
    });
    const song = await uploadWithPreview(harness.client, new Uint8Array(100), 'audio', {
      describe,
    });
    expect(buildAudioMessage(song).audioMessage?.waveform).toBeUndefined();
    expect(buildAudioMessage(song).audioMessage?.ptt).toBeUndefined();
  });

  it('documents get page count and thumbnail; stickers size and animation; caller fields win', async () => {
    const { describe } = recordingDescribe({
      mimetype: 'application/pdf',
      pageCount: 12,
      jpegThumbnail: JPEG_PREVIEW,
    });
    const doc = await uploadWithPreview(harness.client, new Uint8Array(300), 'document', {
      describe,
    });
    expect(buildDocumentMessage(doc, { pageCount: 2 }).documentMessage).toMatchObject({
      mimetype: 'application/pdf',
      pageCount: 2,
      thumbnailDirectPath: doc.thumbnail?.directPath,
    });
    const sticker = await uploadWithPreview(harness.client, new Uint8Array(300), 'sticker', {
      describe: recordingDescribe({ width: 512, height: 512, animated: true }).describe,
    });
    expect(buildStickerMessage(sticker).stickerMessage).toMatchObject({
      width: 512,
      isAnimated: true,
    });
  });

  it('serverThumbnail: false keeps the preview inline only', async () => {
    const { describe } = recordingDescribe({ jpegThumbnail: JPEG_PREVIEW });
    const up = await uploadWithPreview(harness.client, new Uint8Array(10), 'image', {
      describe,
      serverThumbnail: false,
    });
    expect(up.thumbnail).toBeUndefined();
    expect(buildImageMessage(up).imageMessage?.thumbnailDirectPath).toBeUndefined();
  });

  it('newsletter media: no media key, no url, the thumbnail the CDN made (server_thumb_gen)', async () => {
    const { describe } = recordingDescribe({ jpegThumbnail: JPEG_PREVIEW, width: 2, height: 2 });
    const up = await uploadWithPreview(harness.client, new Uint8Array(64).fill(3), 'image', {
      describe,
      encrypted: false,
    });
    expect(up.handle).toBeTypeOf('string');
    const uploads = harness.emulator.log.filter((entry) => entry.path.startsWith('/newsletter/'));
    expect(uploads.at(-1)?.path).toMatch(/[?&]server_thumb_gen=1(&|$)/);
    // The CDN made the thumbnail: the client uploaded none of its own.
    expect(up.thumbnail?.encSha256).toBeUndefined();
    const message = buildImageMessage(up);
    expect(message.imageMessage?.url).toBeUndefined();
    expect(message.imageMessage?.mediaKey).toBeUndefined();
    expect(message.imageMessage?.directPath).toBe(up.directPath);
    expect(message.imageMessage?.thumbnailDirectPath).toBe(up.thumbnailDirectPath);
    expect(newsletterMediaType(message)).toBe('image');
    // It downloads, checked against thumbnailSha256 (plaintext, as all channel media).
    const thumbnail = await harness.client.download(message, { thumbnail: true });
    expect(sha256(thumbnail)).toEqual(Buffer.from(message.imageMessage!.thumbnailSha256!));
    expect(thumbnail.subarray(0, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
  });

  it('newsletter documents and audio are uploaded without server_thumb_gen', async () => {
    const up = await harness.client.upload(new Uint8Array(64).fill(4), 'document', {
      encrypted: false,
    });
    const uploads = harness.emulator.log.filter((entry) => entry.path.startsWith('/newsletter/'));
    expect(uploads.at(-1)?.path).not.toContain('server_thumb_gen');
    expect(up.thumbnailDirectPath).toBeUndefined();
    expect(buildDocumentMessage(up).documentMessage?.url).toBeUndefined();
  });

  it('by default describes with @wa-media/media-info', async () => {
    const fixtures = fileURLToPath(new URL('../../../media-info/fixtures/', import.meta.url));
    const pdf = new Uint8Array(readFileSync(`${fixtures}document.pdf`));
    const up = await uploadWithPreview(harness.client, pdf, 'document');
    expect(up.preview).toMatchObject({ mimetype: 'application/pdf', pageCount: 3, warnings: [] });
  });

  it('refuses a type without a preview kind', async () => {
    const error = await uploadWithPreview(harness.client, new Uint8Array(1), 'history').catch(
      (e) => e,
    );
    expect(isClientArgumentError(error)).toBe(true);
  });
});

describe('newsletterMediaType', () => {
  const up = {
    url: 'https://x/y',
    directPath: '/y',
    mediaKey: undefined,
    fileSha256: new Uint8Array(32),
    fileEncSha256: new Uint8Array(32),
    fileLength: 1,
    mediaKeyTimestamp: 1,
    type: 'image' as const,
    encrypted: false,
  };
  it('names each kind as the <plaintext mediatype> attribute', () => {
    expect(newsletterMediaType(buildVideoMessage(up))).toBe('video');
    expect(newsletterMediaType(buildVideoMessage(up, { gifPlayback: true }))).toBe('gif');
    expect(newsletterMediaType(buildVideoMessage(up, { ptv: true }))).toBe('ptv');
    expect(newsletterMediaType(buildAudioMessage(up))).toBe('audio');
    expect(newsletterMediaType(buildAudioMessage(up, { ptt: true }))).toBe('ptt');
    expect(newsletterMediaType(buildDocumentMessage(up))).toBe('document');
    expect(newsletterMediaType(buildStickerMessage(up))).toBe('sticker');
    expect(
      isNoMediaError(
        (() => {
          try {
            newsletterMediaType({});
          } catch (e) {
            return e;
          }
        })(),
      ),
    ).toBe(true);
  });
});
