import {
  decodeMessage,
  encodeMessage,
  type Message,
  MessageAssociation_AssociationType,
} from '@wa-media/protocol';
import { describe, expect, it } from 'vitest';
import { isNoMediaError } from '../errors.js';
import type { UploadResult } from '../upload/upload-engine.js';
import {
  buildAlbumParent,
  buildAudioMessage,
  buildDocumentMessage,
  buildImageMessage,
  buildStickerMessage,
  buildVideoMessage,
  forwardMediaMessage,
  newsletterMediaAttrs,
  wrapAsAlbumChild,
} from './build-message.js';

const upload: UploadResult = {
  url: 'https://mmg.whatsapp.net/v/t62.7118-24/1.enc?ccb=11-4&oh=abc&oe=def',
  directPath: '/v/t62.7118-24/1.enc?ccb=11-4&oh=abc&oe=def',
  mediaKey: new Uint8Array(32).fill(1),
  fileSha256: new Uint8Array(32).fill(2),
  fileEncSha256: new Uint8Array(32).fill(3),
  fileLength: 12345,
  mediaKeyTimestamp: 1_700_000_000,
  streamingSidecar: new Uint8Array(10).fill(4),
  type: 'video',
  encrypted: true,
};

describe('message builders', () => {
  it('fill the CDN fields and the optional display fields, and survive an encode/decode', () => {
    const image = buildImageMessage(upload, {
      caption: 'hi',
      width: 10,
      height: 20,
      jpegThumbnail: new Uint8Array([1]),
    });
    expect(image.imageMessage).toMatchObject({
      directPath: upload.directPath,
      fileLength: 12345n,
      mediaKeyTimestamp: 1_700_000_000n,
      mimetype: 'image/jpeg',
      caption: 'hi',
      width: 10,
      height: 20,
    });
    const decoded = decodeMessage(encodeMessage(image));
    expect(decoded.imageMessage?.mediaKey).toEqual(upload.mediaKey);
    expect(
      buildVideoMessage(upload, { seconds: 3, gifPlayback: true }).videoMessage?.streamingSidecar,
    ).toEqual(upload.streamingSidecar);
    expect(buildVideoMessage(upload, { ptv: true }).ptvMessage).toBeDefined();
    const voice = buildAudioMessage(upload, { ptt: true, seconds: 4 }).audioMessage;
    expect(voice?.ptt).toBe(true);
    expect(voice?.mimetype).toBe('audio/ogg; codecs=opus');
    expect(
      buildDocumentMessage(upload, { fileName: 'a.pdf', mimetype: 'application/pdf' })
        .documentMessage?.fileName,
    ).toBe('a.pdf');
    expect(buildStickerMessage(upload).stickerMessage?.mimetype).toBe('image/webp');
  });

  it('forward by CDN reuse copies the media fields into a new message', () => {
    const received: Message = {
      ephemeralMessage: {
        message: buildDocumentMessage(upload, { fileName: 'x.zip', caption: 'c' }),
      },
    };
    const forwarded = forwardMediaMessage(received, { caption: 'new' });
    expect(forwarded.ephemeralMessage).toBeUndefined();
    expect(forwarded.documentMessage).toMatchObject({
      directPath: upload.directPath,
      fileName: 'x.zip',
      caption: 'new',
      fileEncSha256: upload.fileEncSha256,
    });
    expect(forwarded.documentMessage?.mediaKey).not.toBe(
      received.ephemeralMessage?.message?.documentMessage?.mediaKey,
    );
    try {
      forwardMediaMessage({ extendedTextMessage: { text: 'x' } });
      expect.unreachable();
    } catch (error) {
      expect(isNoMediaError(error)).toBe(true);
    }
  });

  it('album parent and children', () => {
    const parent = buildAlbumParent({ expectedImageCount: 2, expectedVideoCount: 0 });
    expect(parent.albumMessage?.expectedImageCount).toBe(2);
    const child = wrapAsAlbumChild(buildImageMessage(upload), {
      id: 'P1',
      remoteJid: '1@s.whatsapp.net',
    });
    expect(child.messageContextInfo?.messageAssociation?.associationType).toBe(
      MessageAssociation_AssociationType.MEDIA_ALBUM,
    );
  });
});

describe('newsletterMediaAttrs', () => {
  it('gives the handle as media_id, and refuses an upload without one', () => {
    expect(newsletterMediaAttrs({ ...upload, handle: 'H123' })).toEqual({ media_id: 'H123' });
    expect(() => newsletterMediaAttrs(upload)).toThrow(
      expect.objectContaining({ name: 'ClientArgumentError', parameter: 'upload.handle' }),
    );
  });
});
