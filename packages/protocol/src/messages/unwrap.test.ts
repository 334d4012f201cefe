import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { type Message, MessageAssociation_AssociationType } from '../generated/wa_media.pb.js';
import { buildAlbumParent, getAlbumParentKey, wrapAsAlbumChild } from './album.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { getMediaContent, MESSAGE_WRAPPER_FIELDS, unwrapMessage } from './unwrap.js';

const image = { url: 'https://i', directPath: '/i' };
const content: Message = { imageMessage: image };

describe('unwrapMessage', () => {
  it.each(MESSAGE_WRAPPER_FIELDS)('follows %s', (field) => {
    expect(unwrapMessage({ [field]: { message: content } })).toBe(content);
  });

  it('follows nested wrappers in any order', () => {
    const wrapped: Message = {
      ephemeralMessage: {
        message: {
          viewOnceMessageV2Extension: { message: { associatedChildMessage: { message: content } } },
        },
      },
    };
    expect(unwrapMessage(wrapped)).toBe(content);
    expect(
      unwrapMessage({
        documentWithCaptionMessage: { message: { editedMessage: { message: content } } },
      }),
    ).toBe(content);
  });

  it('returns an unwrapped message itself, and stops at an empty wrapper', () => {
    expect(unwrapMessage(content)).toBe(content);
    const emptyWrapper: Message = { viewOnceMessage: {} };
    expect(unwrapMessage(emptyWrapper)).toBe(emptyWrapper);
  });

  it('does not loop forever on a hand-built cycle', () => {
    const cyclic: Message = { viewOnceMessage: {} };
    (cyclic.viewOnceMessage as { message?: Message }).message = cyclic;
    expect(unwrapMessage(cyclic)).toBe(cyclic);
  });
});

describe('getMediaContent', () => {
  it.each<[Message, string, string]>([
    [{ imageMessage: image }, 'imageMessage', 'image'],
    [{ videoMessage: image }, 'videoMessage', 'video'],
    [{ ptvMessage: image }, 'ptvMessage', 'video'],
    [{ audioMessage: image }, 'audioMessage', 'audio'],
    [{ documentMessage: image }, 'documentMessage', 'document'],
    [{ stickerMessage: image }, 'stickerMessage', 'sticker'],
    [{ stickerPackMessage: { directPath: '/s' } }, 'stickerPackMessage', 'sticker-pack'],
    [
      { extendedTextMessage: { text: 'x', thumbnailDirectPath: '/t' } },
      'extendedTextMessage',
      'link-thumbnail',
    ],
    [
      { protocolMessage: { historySyncNotification: { directPath: '/h' } } },
      'historySyncNotification',
      'history',
    ],
  ])('%j → %s (%s)', (message, field, mediaType) => {
    const wrapped: Message = { ephemeralMessage: { message: { viewOnceMessage: { message } } } };
    expect(getMediaContent(wrapped)).toMatchObject({ field, mediaType });
    const found = getMediaContent(message);
    expect(found?.content).toBe(
      Object.values(message)[0]?.historySyncNotification ?? Object.values(message)[0],
    );
  });

  it('is undefined without media', () => {
    expect(getMediaContent({})).toBeUndefined();
    expect(
      getMediaContent({ extendedTextMessage: { text: 'no preview thumbnail' } }),
    ).toBeUndefined();
    expect(getMediaContent({ protocolMessage: {} })).toBeUndefined();
  });
});

describe('albums', () => {
  const parentKey = { remoteJid: '120363@g.us', fromMe: true, id: '3EB0PARENT' };

  it('buildAlbumParent', () => {
    expect(buildAlbumParent({ expectedImageCount: 2, expectedVideoCount: 1 })).toEqual({
      albumMessage: { expectedImageCount: 2, expectedVideoCount: 1 },
    });
    expect(() => buildAlbumParent({ expectedImageCount: -1, expectedVideoCount: 0 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => buildAlbumParent({ expectedImageCount: 1, expectedVideoCount: 1.5 })).toThrow(
      /expectedVideoCount/,
    );
  });

  it('wrapAsAlbumChild sets the MEDIA_ALBUM association and keeps everything else', () => {
    const secret = new Uint8Array(32).fill(5);
    const child = decodeMessage(
      encodeMessage({ imageMessage: image, messageContextInfo: { messageSecret: secret } }),
    );
    child._unknownFields = { [(1 << 3) | 2]: [Uint8Array.of(2, 0x68, 0x69)] }; // conversation "hi"
    const wrapped = wrapAsAlbumChild(child, parentKey, { messageIndex: 1 });
    expect(wrapped.messageContextInfo?.messageAssociation).toEqual({
      associationType: MessageAssociation_AssociationType.MEDIA_ALBUM,
      parentMessageKey: parentKey,
      messageIndex: 1,
    });
    expect(wrapped.messageContextInfo?.messageSecret).toEqual(secret);
    expect(wrapped.imageMessage).toBe(child.imageMessage);
    expect(child.messageContextInfo?.messageAssociation).toBeUndefined();
    const bytes = encodeMessage(wrapped);
    const again = decodeMessage(bytes);
    expect(getAlbumParentKey(again)).toMatchObject(parentKey);
    expect(again._unknownFields).toEqual({ 10: [Uint8Array.of(2, 0x68, 0x69)] });
    expect(getAlbumParentKey(child)).toBeUndefined();
  });

  it('rejects a parent key without id or chat', () => {
    expect(() => wrapAsAlbumChild(content, { remoteJid: 'x@g.us' })).toThrow(/parentKey/);
    expect(() => wrapAsAlbumChild(content, { id: 'x' })).toThrow(InvalidArgumentError);
  });
});
