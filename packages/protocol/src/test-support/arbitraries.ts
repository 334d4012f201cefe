// fast-check arbitraries for Messages with random media fields (shared by the codec and
// interop tests).
import fc from 'fast-check';
import type {
  AudioMessage,
  DocumentMessage,
  ImageMessage,
  Message,
  StickerMessage,
  VideoMessage,
} from '../generated/wa_media.pb.js';

export const U64_MAX: bigint = 2n ** 64n - 1n;
export const I64_MIN: bigint = -(2n ** 63n);
export const I64_MAX: bigint = 2n ** 63n - 1n;

const bytes = fc.uint8Array({ maxLength: 40 });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const uint64 = fc.oneof(
  fc.constantFrom(0n, 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, U64_MAX),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);
const int64 = fc.oneof(
  fc.constantFrom(I64_MIN, -1n, 0n, I64_MAX),
  fc.bigInt({ min: I64_MIN, max: I64_MAX }),
);
const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const text = fc.string({ maxLength: 20 });
const common = {
  url: text,
  mimetype: text,
  fileSha256: hash,
  fileEncSha256: hash,
  mediaKey: hash,
  fileLength: uint64,
  directPath: text,
  mediaKeyTimestamp: int64,
};
const opt = { requiredKeys: [] as [] };

const image: fc.Arbitrary<ImageMessage> = fc.record(
  {
    ...common,
    caption: text,
    height: uint32,
    width: uint32,
    jpegThumbnail: bytes,
    scanLengths: fc.array(uint32, { maxLength: 4 }),
    viewOnce: fc.boolean(),
    thumbnailDirectPath: text,
    thumbnailSha256: hash,
    staticUrl: text,
    imageSourceType: fc.integer({ min: 0, max: 3 }),
    mediaKeyDomain: fc.integer({ min: 0, max: 4 }),
  },
  opt,
);
const video: fc.Arbitrary<VideoMessage> = fc.record(
  {
    ...common,
    seconds: uint32,
    gifPlayback: fc.boolean(),
    streamingSidecar: bytes,
    caption: text,
    motionPhotoPresentationOffsetMs: uint64,
    gifAttribution: fc.integer({ min: 0, max: 3 }),
  },
  opt,
);
const audio: fc.Arbitrary<AudioMessage> = fc.record(
  {
    ...common,
    seconds: uint32,
    ptt: fc.boolean(),
    streamingSidecar: bytes,
    waveform: bytes,
    backgroundArgb: uint32,
  },
  opt,
);
const documentMessage: fc.Arbitrary<DocumentMessage> = fc.record(
  {
    ...common,
    fileName: text,
    title: text,
    pageCount: uint32,
    caption: text,
    jpegThumbnail: bytes,
  },
  opt,
);
const sticker: fc.Arbitrary<StickerMessage> = fc.record(
  { ...common, isAnimated: fc.boolean(), pngThumbnail: bytes, stickerSentTs: int64, width: uint32 },
  opt,
);

const content: fc.Arbitrary<Message> = fc.record(
  {
    imageMessage: image,
    videoMessage: video,
    ptvMessage: video,
    audioMessage: audio,
    documentMessage,
    stickerMessage: sticker,
    extendedTextMessage: fc.record(
      {
        text,
        thumbnailDirectPath: text,
        thumbnailSha256: hash,
        mediaKey: hash,
        mediaKeyTimestamp: int64,
      },
      opt,
    ),
    stickerPackMessage: fc.record(
      {
        stickerPackId: text,
        fileLength: uint64,
        stickerPackSize: uint64,
        stickers: fc.array(
          fc.record({ fileName: text, emojis: fc.array(text, { maxLength: 3 }) }, opt),
          {
            maxLength: 3,
          },
        ),
      },
      opt,
    ),
    protocolMessage: fc.record(
      {
        historySyncNotification: fc.record(
          {
            fileSha256: hash,
            fileLength: uint64,
            mediaKey: hash,
            fileEncSha256: hash,
            directPath: text,
            chunkOrder: uint32,
            syncType: fc.integer({ min: 0, max: 8 }),
            oldestMsgInChunkTimestampSec: int64,
          },
          opt,
        ),
      },
      opt,
    ),
    albumMessage: fc.record({ expectedImageCount: uint32, expectedVideoCount: uint32 }, opt),
    messageContextInfo: fc.record(
      {
        messageSecret: hash,
        messageAssociation: fc.record(
          {
            associationType: fc.integer({ min: 0, max: 19 }),
            messageIndex: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
            parentMessageKey: fc.record(
              { remoteJid: text, fromMe: fc.boolean(), id: text, participant: text },
              opt,
            ),
          },
          opt,
        ),
      },
      opt,
    ),
  },
  opt,
);

const wrappers = [
  'viewOnceMessage',
  'ephemeralMessage',
  'documentWithCaptionMessage',
  'viewOnceMessageV2',
  'editedMessage',
  'viewOnceMessageV2Extension',
  'associatedChildMessage',
] as const;
export const message: fc.Arbitrary<Message> = fc
  .tuple(content, fc.array(fc.constantFrom(...wrappers), { maxLength: 3 }))
  .map(([inner, path]) =>
    path.reduce<Message>((wrapped, field) => ({ [field]: { message: wrapped } }), inner),
  );
