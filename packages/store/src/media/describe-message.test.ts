import { randomBytes } from 'node:crypto';
import { Message } from '@wa-media/protocol';
import { describe, expect, it } from 'vitest';
import { describeMediaMessage } from './describe-message.js';

const key = new Uint8Array(randomBytes(32));
const sha = new Uint8Array(randomBytes(32));

describe('describeMediaMessage', () => {
  it('reads type, mime type, hash and host, through wrappers', () => {
    const message = Message.fromPartial({
      ephemeralMessage: {
        message: {
          documentMessage: {
            url: 'https://mmg.whatsapp.net/v/t62/1.enc',
            directPath: '/v/t62/1.enc?ccb=11-4',
            mimetype: 'application/pdf',
            mediaKey: key,
            fileSha256: sha,
            fileLength: 1234n,
          },
        },
      },
    });
    expect(describeMediaMessage(message)).toEqual({
      type: 'document',
      mimeType: 'application/pdf',
      fileSha256: sha,
      fileLength: 1234,
      hostKey: 'mmg.whatsapp.net',
    });
  });

  it('defaults the mime type and host', () => {
    const message = Message.fromPartial({
      stickerMessage: { directPath: '/v/x', mediaKey: key, fileSha256: sha },
    });
    expect(describeMediaMessage(message)).toMatchObject({
      type: 'sticker',
      mimeType: 'image/webp',
      hostKey: 'default',
    });
  });

  it('keeps a well-formed mime type with parameters, replaces anything header-breaking', () => {
    const withMime = (mimetype: string) =>
      describeMediaMessage(
        Message.fromPartial({
          audioMessage: { directPath: '/v/x', mediaKey: key, fileSha256: sha, mimetype },
        }),
      ).mimeType;
    expect(withMime('audio/ogg; codecs=opus')).toBe('audio/ogg; codecs=opus');
    expect(withMime('text/html\r\nset-cookie: a=b')).toBe('audio/ogg');
    expect(withMime('nonsense')).toBe('audio/ogg');
  });

  it('refuses messages without media or without what verification needs, naming the field', () => {
    expect(() => describeMediaMessage(Message.fromPartial({}))).toThrow(
      'message carries no downloadable media',
    );
    expect(() =>
      describeMediaMessage(
        Message.fromPartial({ imageMessage: { directPath: '/v/x', mediaKey: key } }),
      ),
    ).toThrow(/message\.imageMessage\.fileSha256 must be 32 bytes/);
    expect(() =>
      describeMediaMessage(
        Message.fromPartial({ imageMessage: { directPath: '/v/x', fileSha256: sha } }),
      ),
    ).toThrow(/message\.imageMessage\.mediaKey/);
    expect(() =>
      describeMediaMessage(
        Message.fromPartial({ imageMessage: { mediaKey: key, fileSha256: sha } }),
      ),
    ).toThrow(/directPath is missing/);
  });
});
