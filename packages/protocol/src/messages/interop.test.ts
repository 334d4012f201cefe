// Interop with an independent implementation: protobufjs, with a schema built here through
// its reflection API from the field tables of docs/protocol.md §6 — not from our .proto file.
// Enum-typed fields are declared as int32 (same varint wire encoding); ContextInfo,
// InteractiveAnnotation and friends, which those tables do not expand, get small
// test-only shapes: they stand for "fields we do not model".
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { Message } from '../generated/wa_media.pb.js';
import { message as messageArbitrary, U64_MAX } from '../test-support/arbitraries.js';
import { hex } from '../test-support/wire.js';
import { decodeMessage, encodeMessage } from './codec.js';

type FieldSpec = [name: string, id: number, type: string, rule?: 'repeated'];

const root = new protobuf.Root();
function define(name: string, fields: FieldSpec[]): void {
  const type = new protobuf.Type(name);
  for (const [fieldName, id, fieldType, rule] of fields) {
    // Repeated scalars are packed as in proto3 / Baileys (tag 178 for scanLengths).
    const options =
      rule === 'repeated' &&
      !/^[A-Z]/.test(fieldType) &&
      fieldType !== 'string' &&
      fieldType !== 'bytes'
        ? { packed: true }
        : undefined;
    type.add(new protobuf.Field(fieldName, id, fieldType, rule, undefined, options));
  }
  root.add(type);
}

define('ImageMessage', [
  ['url', 1, 'string'],
  ['mimetype', 2, 'string'],
  ['caption', 3, 'string'],
  ['fileSha256', 4, 'bytes'],
  ['fileLength', 5, 'uint64'],
  ['height', 6, 'uint32'],
  ['width', 7, 'uint32'],
  ['mediaKey', 8, 'bytes'],
  ['fileEncSha256', 9, 'bytes'],
  ['interactiveAnnotations', 10, 'InteractiveAnnotation', 'repeated'],
  ['directPath', 11, 'string'],
  ['mediaKeyTimestamp', 12, 'int64'],
  ['jpegThumbnail', 16, 'bytes'],
  ['contextInfo', 17, 'ContextInfo'],
  ['firstScanSidecar', 18, 'bytes'],
  ['firstScanLength', 19, 'uint32'],
  ['experimentGroupId', 20, 'uint32'],
  ['scansSidecar', 21, 'bytes'],
  ['scanLengths', 22, 'uint32', 'repeated'],
  ['midQualityFileSha256', 23, 'bytes'],
  ['midQualityFileEncSha256', 24, 'bytes'],
  ['viewOnce', 25, 'bool'],
  ['thumbnailDirectPath', 26, 'string'],
  ['thumbnailSha256', 27, 'bytes'],
  ['thumbnailEncSha256', 28, 'bytes'],
  ['staticUrl', 29, 'string'],
  ['annotations', 30, 'InteractiveAnnotation', 'repeated'],
  ['imageSourceType', 31, 'int32'],
  ['accessibilityLabel', 32, 'string'],
  ['mediaKeyDomain', 33, 'int32'],
  ['qrUrl', 34, 'string'],
]);
define('VideoMessage', [
  ['url', 1, 'string'],
  ['mimetype', 2, 'string'],
  ['fileSha256', 3, 'bytes'],
  ['fileLength', 4, 'uint64'],
  ['seconds', 5, 'uint32'],
  ['mediaKey', 6, 'bytes'],
  ['caption', 7, 'string'],
  ['gifPlayback', 8, 'bool'],
  ['height', 9, 'uint32'],
  ['width', 10, 'uint32'],
  ['fileEncSha256', 11, 'bytes'],
  ['interactiveAnnotations', 12, 'InteractiveAnnotation', 'repeated'],
  ['directPath', 13, 'string'],
  ['mediaKeyTimestamp', 14, 'int64'],
  ['jpegThumbnail', 16, 'bytes'],
  ['contextInfo', 17, 'ContextInfo'],
  ['streamingSidecar', 18, 'bytes'],
  ['gifAttribution', 19, 'int32'],
  ['viewOnce', 20, 'bool'],
  ['thumbnailDirectPath', 21, 'string'],
  ['thumbnailSha256', 22, 'bytes'],
  ['thumbnailEncSha256', 23, 'bytes'],
  ['staticUrl', 24, 'string'],
  ['annotations', 25, 'InteractiveAnnotation', 'repeated'],
  ['accessibilityLabel', 26, 'string'],
  ['processedVideos', 27, 'ProcessedVideo', 'repeated'],
  ['externalShareFullVideoDurationInSeconds', 28, 'uint32'],
  ['motionPhotoPresentationOffsetMs', 29, 'uint64'],
  ['metadataUrl', 30, 'string'],
  ['videoSourceType', 31, 'int32'],
  ['mediaKeyDomain', 32, 'int32'],
]);
define('AudioMessage', [
  ['url', 1, 'string'],
  ['mimetype', 2, 'string'],
  ['fileSha256', 3, 'bytes'],
  ['fileLength', 4, 'uint64'],
  ['seconds', 5, 'uint32'],
  ['ptt', 6, 'bool'],
  ['mediaKey', 7, 'bytes'],
  ['fileEncSha256', 8, 'bytes'],
  ['directPath', 9, 'string'],
  ['mediaKeyTimestamp', 10, 'int64'],
  ['contextInfo', 17, 'ContextInfo'],
  ['streamingSidecar', 18, 'bytes'],
  ['waveform', 19, 'bytes'],
  ['backgroundArgb', 20, 'fixed32'],
  ['viewOnce', 21, 'bool'],
  ['accessibilityLabel', 22, 'string'],
  ['mediaKeyDomain', 23, 'int32'],
]);
define('DocumentMessage', [
  ['url', 1, 'string'],
  ['mimetype', 2, 'string'],
  ['title', 3, 'string'],
  ['fileSha256', 4, 'bytes'],
  ['fileLength', 5, 'uint64'],
  ['pageCount', 6, 'uint32'],
  ['mediaKey', 7, 'bytes'],
  ['fileName', 8, 'string'],
  ['fileEncSha256', 9, 'bytes'],
  ['directPath', 10, 'string'],
  ['mediaKeyTimestamp', 11, 'int64'],
  ['contactVcard', 12, 'bool'],
  ['thumbnailDirectPath', 13, 'string'],
  ['thumbnailSha256', 14, 'bytes'],
  ['thumbnailEncSha256', 15, 'bytes'],
  ['jpegThumbnail', 16, 'bytes'],
  ['contextInfo', 17, 'ContextInfo'],
  ['thumbnailHeight', 18, 'uint32'],
  ['thumbnailWidth', 19, 'uint32'],
  ['caption', 20, 'string'],
  ['accessibilityLabel', 21, 'string'],
  ['mediaKeyDomain', 22, 'int32'],
]);
define('StickerMessage', [
  ['url', 1, 'string'],
  ['fileSha256', 2, 'bytes'],
  ['fileEncSha256', 3, 'bytes'],
  ['mediaKey', 4, 'bytes'],
  ['mimetype', 5, 'string'],
  ['height', 6, 'uint32'],
  ['width', 7, 'uint32'],
  ['directPath', 8, 'string'],
  ['fileLength', 9, 'uint64'],
  ['mediaKeyTimestamp', 10, 'int64'],
  ['firstFrameLength', 11, 'uint32'],
  ['firstFrameSidecar', 12, 'bytes'],
  ['isAnimated', 13, 'bool'],
  ['pngThumbnail', 16, 'bytes'],
  ['contextInfo', 17, 'ContextInfo'],
  ['stickerSentTs', 18, 'int64'],
  ['isAvatar', 19, 'bool'],
  ['isAiSticker', 20, 'bool'],
  ['isLottie', 21, 'bool'],
  ['accessibilityLabel', 22, 'string'],
  ['mediaKeyDomain', 23, 'int32'],
]);
define('Sticker', [
  ['fileName', 1, 'string'],
  ['isAnimated', 2, 'bool'],
  ['emojis', 3, 'string', 'repeated'],
  ['accessibilityLabel', 4, 'string'],
  ['isLottie', 5, 'bool'],
  ['mimetype', 6, 'string'],
]);
define('StickerPackMessage', [
  ['stickerPackId', 1, 'string'],
  ['name', 2, 'string'],
  ['publisher', 3, 'string'],
  ['stickers', 4, 'Sticker', 'repeated'],
  ['fileLength', 5, 'uint64'],
  ['fileSha256', 6, 'bytes'],
  ['fileEncSha256', 7, 'bytes'],
  ['mediaKey', 8, 'bytes'],
  ['directPath', 9, 'string'],
  ['caption', 10, 'string'],
  ['contextInfo', 11, 'ContextInfo'],
  ['packDescription', 12, 'string'],
  ['mediaKeyTimestamp', 13, 'int64'],
  ['trayIconFileName', 14, 'string'],
  ['thumbnailDirectPath', 15, 'string'],
  ['thumbnailSha256', 16, 'bytes'],
  ['thumbnailEncSha256', 17, 'bytes'],
  ['thumbnailHeight', 18, 'uint32'],
  ['thumbnailWidth', 19, 'uint32'],
  ['imageDataHash', 20, 'string'],
  ['stickerPackSize', 21, 'uint64'],
  ['stickerPackOrigin', 22, 'int32'],
]);
define('ExtendedTextMessage', [
  ['text', 1, 'string'],
  ['matchedText', 2, 'string'],
  ['description', 5, 'string'],
  ['title', 6, 'string'],
  ['previewType', 10, 'int32'],
  ['jpegThumbnail', 16, 'bytes'],
  ['contextInfo', 17, 'ContextInfo'],
  ['thumbnailDirectPath', 19, 'string'],
  ['thumbnailSha256', 20, 'bytes'],
  ['thumbnailEncSha256', 21, 'bytes'],
  ['mediaKey', 22, 'bytes'],
  ['mediaKeyTimestamp', 23, 'int64'],
  ['thumbnailHeight', 24, 'uint32'],
  ['thumbnailWidth', 25, 'uint32'],
  ['videoHeight', 31, 'uint32'],
  ['videoWidth', 32, 'uint32'],
  ['linkPreviewMetadata', 34, 'LinkPreviewMetadata'],
]);
define('HistorySyncNotification', [
  ['fileSha256', 1, 'bytes'],
  ['fileLength', 2, 'uint64'],
  ['mediaKey', 3, 'bytes'],
  ['fileEncSha256', 4, 'bytes'],
  ['directPath', 5, 'string'],
  ['syncType', 6, 'int32'],
  ['chunkOrder', 7, 'uint32'],
  ['originalMessageId', 8, 'string'],
  ['progress', 9, 'uint32'],
  ['oldestMsgInChunkTimestampSec', 10, 'int64'],
  ['initialHistBootstrapInlinePayload', 11, 'bytes'],
  ['peerDataRequestSessionId', 12, 'string'],
  ['encHandle', 14, 'string'],
]);
define('ProtocolMessage', [['historySyncNotification', 6, 'HistorySyncNotification']]);
define('AlbumMessage', [
  ['expectedImageCount', 2, 'uint32'],
  ['expectedVideoCount', 3, 'uint32'],
  ['contextInfo', 17, 'ContextInfo'],
]);
define('MessageKey', [
  ['remoteJid', 1, 'string'],
  ['fromMe', 2, 'bool'],
  ['id', 3, 'string'],
  ['participant', 4, 'string'],
]);
define('MessageAssociation', [
  ['associationType', 1, 'int32'],
  ['parentMessageKey', 2, 'MessageKey'],
  ['messageIndex', 3, 'int32'],
]);
define('MessageContextInfo', [
  ['deviceListMetadataLike', 1, 'ContextInfo'], // test-only stand-in for an unmodelled field
  ['messageSecret', 3, 'bytes'],
  ['messageAssociation', 10, 'MessageAssociation'],
]);
define('FutureProofMessage', [['message', 1, 'Message']]);
define('Message', [
  ['conversation', 1, 'string'], // a text field we do not model
  ['imageMessage', 3, 'ImageMessage'],
  ['extendedTextMessage', 6, 'ExtendedTextMessage'],
  ['documentMessage', 7, 'DocumentMessage'],
  ['audioMessage', 8, 'AudioMessage'],
  ['videoMessage', 9, 'VideoMessage'],
  ['protocolMessage', 12, 'ProtocolMessage'],
  ['stickerMessage', 26, 'StickerMessage'],
  ['messageContextInfo', 35, 'MessageContextInfo'],
  ['viewOnceMessage', 37, 'FutureProofMessage'],
  ['ephemeralMessage', 40, 'FutureProofMessage'],
  ['documentWithCaptionMessage', 53, 'FutureProofMessage'],
  ['viewOnceMessageV2', 55, 'FutureProofMessage'],
  ['editedMessage', 58, 'FutureProofMessage'],
  ['viewOnceMessageV2Extension', 59, 'FutureProofMessage'],
  ['groupMentionedMessage', 62, 'FutureProofMessage'],
  ['ptvMessage', 66, 'VideoMessage'],
  ['albumMessage', 83, 'AlbumMessage'],
  ['stickerPackMessage', 86, 'StickerPackMessage'],
  ['associatedChildMessage', 91, 'FutureProofMessage'],
  ['futureField', 300, 'string'], // a number no schema uses yet
]);
// Test-only shapes for the types those tables do not expand (numbers are arbitrary).
define('ContextInfo', [
  ['stanzaId', 1, 'string'],
  ['participant', 2, 'string'],
  ['quotedMessage', 3, 'Message'],
  ['mentionedJid', 15, 'string', 'repeated'],
  ['expiration', 25, 'uint32'],
]);
define('InteractiveAnnotation', [
  ['polygonVertices', 1, 'Point', 'repeated'],
  ['shouldSkipConfirmation', 4, 'bool'],
]);
define('Point', [
  ['x', 3, 'double'],
  ['y', 4, 'double'],
]);
define('ProcessedVideo', [
  ['directPath', 1, 'string'],
  ['fileLength', 3, 'uint64'],
  ['quality', 6, 'int32'],
]);
define('LinkPreviewMetadata', [
  ['fbExperimentId', 3, 'uint32'],
  ['linkMediaDuration', 4, 'uint32'],
]);
root.resolveAll();
const PbMessage = root.lookupType('Message');

const toObjectOptions = { longs: String, bytes: String } as const;

/** Our decoded object in protobufjs' toObject shape (64-bit as strings, bytes as base64). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(plain);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const converted = key === '_unknownFields' ? undefined : plain(inner);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

function protobufjsDecode(bytes: Uint8Array): unknown {
  return PbMessage.toObject(PbMessage.decode(bytes), toObjectOptions);
}

describe('our bytes → protobufjs', () => {
  it('protobufjs finds exactly our fields for random media messages', () => {
    fc.assert(
      fc.property(messageArbitrary, (message) => {
        expect(protobufjsDecode(encodeMessage(message))).toEqual(plain(message));
      }),
      { numRuns: 200 },
    );
  });

  it('a fixed rich message (golden field check)', () => {
    const key = new Uint8Array(32).fill(7);
    const message: Message = {
      ephemeralMessage: {
        message: {
          viewOnceMessageV2: {
            message: {
              imageMessage: {
                url: 'https://mmg.whatsapp.net/v/x.enc',
                mimetype: 'image/jpeg',
                fileLength: U64_MAX,
                mediaKey: key,
                mediaKeyTimestamp: -1n,
                scanLengths: [1, 2, 300],
                viewOnce: true,
              },
              messageContextInfo: {
                messageAssociation: {
                  associationType: 1,
                  parentMessageKey: { remoteJid: '1@g.us', id: 'P', fromMe: false },
                  messageIndex: -2,
                },
              },
            },
          },
        },
      },
    };
    const bytes = encodeMessage(message);
    type Inner = Record<string, Record<string, unknown>>;
    const decoded = protobufjsDecode(bytes) as {
      ephemeralMessage: { message: { viewOnceMessageV2: { message: Inner } } };
    };
    const inner = decoded.ephemeralMessage.message.viewOnceMessageV2.message;
    const image = inner.imageMessage as Record<string, string>;
    expect(image.fileLength).toBe('18446744073709551615');
    expect(image.mediaKeyTimestamp).toBe('-1');
    expect(image.scanLengths).toEqual([1, 2, 300]);
    expect(Buffer.from(image.mediaKey ?? '', 'base64')).toEqual(Buffer.from(key));
    // Packed like Baileys: tag 178 (field 22, wire type 2).
    expect(hex(bytes)).toContain('b201');
    expect(inner.messageContextInfo).toEqual({
      messageAssociation: {
        associationType: 1,
        parentMessageKey: { remoteJid: '1@g.us', id: 'P', fromMe: false },
        messageIndex: -2,
      },
    });
  });
});

describe('protobufjs bytes full of fields we do not model → ours → identical bytes', () => {
  const contextInfo = {
    stanzaId: 'QUOTED',
    participant: '5511@s.whatsapp.net',
    quotedMessage: {
      conversation: 'quoted text',
      imageMessage: { caption: 'quoted image', contextInfo: { expiration: 7 } },
    },
    mentionedJid: ['1@s.whatsapp.net', '2@s.whatsapp.net'],
    expiration: 86400,
  };
  const annotation = {
    polygonVertices: [
      { x: 0.5, y: 1.5 },
      { x: -1, y: 2 },
    ],
    shouldSkipConfirmation: true,
  };
  const image = {
    url: 'https://mmg.whatsapp.net/v/t62/x.enc?ccb=11-4&oh=1&oe=2',
    mimetype: 'image/jpeg',
    caption: 'a caption',
    fileSha256: Buffer.alloc(32, 1),
    fileLength: '18446744073709551615',
    height: 1280,
    width: 720,
    mediaKey: Buffer.alloc(32, 2),
    fileEncSha256: Buffer.alloc(32, 3),
    interactiveAnnotations: [annotation, annotation],
    directPath: '/v/t62/x.enc?ccb=11-4&oh=1&oe=2',
    mediaKeyTimestamp: '1700000000',
    jpegThumbnail: Buffer.from('thumbnail'),
    contextInfo,
    scanLengths: [10, 20, 30],
    thumbnailDirectPath: '/thumb',
    annotations: [annotation],
    mediaKeyDomain: 1,
  };
  const video = {
    url: 'https://v',
    fileLength: '9007199254740993',
    seconds: 12,
    contextInfo,
    streamingSidecar: Buffer.from('sidecar'),
    processedVideos: [{ directPath: '/p1', fileLength: '5', quality: 2 }],
    motionPhotoPresentationOffsetMs: '4294967296',
  };
  const original = {
    conversation: 'hello there',
    imageMessage: image,
    extendedTextMessage: {
      text: 'see https://example.com',
      matchedText: 'https://example.com',
      contextInfo,
      thumbnailDirectPath: '/link-thumb',
      linkPreviewMetadata: { fbExperimentId: 3, linkMediaDuration: 9 },
    },
    messageContextInfo: {
      deviceListMetadataLike: { stanzaId: 'x' },
      messageSecret: Buffer.alloc(32, 9),
    },
    viewOnceMessageV2: {
      message: { videoMessage: video, conversation: 'inside wrapper', futureField: 'deep' },
    },
    groupMentionedMessage: { message: { conversation: 'an unmodelled wrapper' } },
    albumMessage: { expectedImageCount: 2, contextInfo },
    stickerPackMessage: { stickers: [{ fileName: 'a.webp', emojis: ['😀', '🎉'] }], contextInfo },
    futureField: 'top-level future field',
  };

  it('keeps every byte and every unmodelled field', () => {
    const bytes = PbMessage.encode(PbMessage.fromObject(original)).finish();
    const reference = protobufjsDecode(bytes) as typeof original;
    expect(reference.futureField).toBe('top-level future field');
    expect(reference.imageMessage.contextInfo.mentionedJid).toEqual(contextInfo.mentionedJid);
    expect(reference.viewOnceMessageV2.message.videoMessage.processedVideos).toHaveLength(1);
    const ours = decodeMessage(bytes);
    // Our modelled fields are right…
    expect(ours.imageMessage?.fileLength).toBe(U64_MAX);
    expect(ours.imageMessage?.scanLengths).toEqual([10, 20, 30]);
    expect(ours.viewOnceMessageV2?.message?.videoMessage?.fileLength).toBe(9007199254740993n);
    expect(ours.extendedTextMessage?.thumbnailDirectPath).toBe('/link-thumb');
    expect(ours.stickerPackMessage?.stickers?.[0]?.emojis).toEqual(['😀', '🎉']);
    // …the rest rides along as unknown fields and comes back byte for byte.
    expect(hex(encodeMessage(ours))).toBe(hex(bytes));
    expect(protobufjsDecode(encodeMessage(ours))).toEqual(protobufjsDecode(bytes));
  });
});
