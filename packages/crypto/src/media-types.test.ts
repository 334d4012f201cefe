import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptMedia } from './encrypt.js';
import { deriveMediaKeys } from './keys.js';
import { MEDIA_TYPE_NAMES, MEDIA_TYPES, mediaTypeInfo, resolveMediaType } from './media-types.js';

// docs/protocol.md §1, row by row (info, upload path, mms-type, encrypted).
const table: [string, string | undefined, string, string, boolean][] = [
  ['image', 'WhatsApp Image Keys', '/mms/image', 'image', true],
  ['video', 'WhatsApp Video Keys', '/mms/video', 'video', true],
  ['audio', 'WhatsApp Audio Keys', '/mms/audio', 'audio', true],
  ['document', 'WhatsApp Document Keys', '/mms/document', 'document', true],
  ['sticker', 'WhatsApp Image Keys', '/mms/image', 'image', true],
  ['history', 'WhatsApp History Keys', '/mms/md-msg-hist', 'md-msg-hist', true],
  ['app-state', 'WhatsApp App State Keys', '/mms/md-app-state', 'md-app-state', true],
  ['sticker-pack', 'WhatsApp Sticker Pack Keys', '/mms/sticker-pack', 'sticker-pack', true],
  [
    'sticker-pack-thumbnail',
    'WhatsApp Sticker Pack Thumbnail Keys',
    '/mms/thumbnail-sticker-pack',
    'thumbnail-sticker-pack',
    true,
  ],
  ['link-thumbnail', 'WhatsApp Link Thumbnail Keys', '/mms/thumbnail-link', 'thumbnail-link', true],
  ['product-catalog-image', undefined, '/product/image', 'product-catalog-image', false],
  [
    'thumbnail-image',
    'WhatsApp Image Thumbnail Keys',
    '/mms/thumbnail-image',
    'thumbnail-image',
    true,
  ],
  [
    'thumbnail-video',
    'WhatsApp Video Thumbnail Keys',
    '/mms/thumbnail-video',
    'thumbnail-video',
    true,
  ],
  [
    'thumbnail-document',
    'WhatsApp Document Thumbnail Keys',
    '/mms/thumbnail-document',
    'thumbnail-document',
    true,
  ],
  [
    'payment-bg-image',
    'WhatsApp Payment Background Keys',
    '/mms/payment-bg-image',
    'payment-bg-image',
    true,
  ],
];

describe('media type table', () => {
  it('lists exactly the types of docs/protocol.md §1', () => {
    expect([...MEDIA_TYPE_NAMES].sort()).toEqual(table.map(([type]) => type).sort());
  });

  it.each(table)(
    '%s: info %s, path %s, mms-type %s, encrypted %s',
    (type, info, path, mms, encrypted) => {
      const entry = mediaTypeInfo(type as never);
      expect(entry).toMatchObject({
        type,
        hkdfInfo: info,
        uploadPath: path,
        mmsType: mms,
        encrypted,
      });
      expect(MEDIA_TYPES[type as keyof typeof MEDIA_TYPES]).toBe(entry);
      expect(entry.streamable).toBe(type === 'audio' || type === 'video');
      if (info !== undefined) {
        const mediaKey = new Uint8Array(32).fill(9);
        const expected = Buffer.from(hkdfSync('sha256', mediaKey, Buffer.alloc(32), info, 112));
        expect(deriveMediaKeys(mediaKey, type as never).cipherKey).toEqual(
          new Uint8Array(expected.subarray(16, 48)),
        );
      } else {
        expect(() => deriveMediaKeys(new Uint8Array(32), type as never)).toThrow(/not encrypted/);
      }
    },
  );

  it('is frozen', () => {
    expect(Object.isFrozen(MEDIA_TYPES)).toBe(true);
    expect(Object.isFrozen(MEDIA_TYPES.image)).toBe(true);
  });

  it('maps message-kind aliases and refuses unknown names', () => {
    expect(resolveMediaType('ptt')).toBe('audio');
    expect(resolveMediaType('gif')).toBe('video');
    expect(resolveMediaType('ptv')).toBe('video');
    expect(resolveMediaType('sticker')).toBe('sticker');
    expect(() => resolveMediaType('toString')).toThrow(TypeError);
    expect(() => mediaTypeInfo('gif' as never)).toThrow(/type must be a MediaType, got "gif"/);
  });

  it('only audio and video get a sidecar by default', () => {
    expect(encryptMedia(new Uint8Array(10), 'audio').streamingSidecar).toBeInstanceOf(Uint8Array);
    expect(encryptMedia(new Uint8Array(10), 'image').streamingSidecar).toBeUndefined();
    expect(
      encryptMedia(new Uint8Array(10), 'image', { sidecar: true }).streamingSidecar?.length,
    ).toBe(10);
  });
});
