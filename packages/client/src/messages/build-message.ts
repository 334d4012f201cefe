// Media message objects from an upload, and forwarding by CDN reuse. Pure: no I/O.

import {
  type AudioMessage,
  buildAlbumParent,
  type DocumentMessage,
  getMediaContent,
  type ImageMessage,
  type Message,
  type StickerMessage,
  type VideoMessage,
  wrapAsAlbumChild,
} from '@wa-media/protocol';
import { ClientArgumentError, NoMediaError } from '../errors.js';
import type { UploadResult } from '../upload/upload-engine.js';
import type { MediaPreview, PreviewedUpload } from './upload-with-preview.js';

export { buildAlbumParent, wrapAsAlbumChild };

/** CDN fields every media message carries. */
interface CdnFields {
  url?: string;
  directPath: string;
  mediaKey?: Uint8Array;
  fileSha256: Uint8Array;
  fileEncSha256: Uint8Array;
  fileLength: bigint;
  mediaKeyTimestamp: bigint;
}

function cdnFields(upload: UploadResult): CdnFields {
  if (typeof upload?.directPath !== 'string')
    throw new ClientArgumentError('upload', 'must be an UploadResult');
  return {
    // Newsletter (channel) media messages carry no url: phones fetch them by directPath.
    ...(upload.encrypted === false ? {} : { url: upload.url }),
    directPath: upload.directPath,
    ...(upload.mediaKey === undefined ? {} : { mediaKey: upload.mediaKey }),
    fileSha256: upload.fileSha256,
    fileEncSha256: upload.fileEncSha256,
    fileLength: BigInt(upload.fileLength),
    mediaKeyTimestamp: BigInt(upload.mediaKeyTimestamp),
  };
}

/** What {@link uploadWithPreview} read from the media (nothing for a plain upload). */
function previewOf(upload: UploadResult): MediaPreview {
  return (upload as Partial<PreviewedUpload>).preview ?? {};
}

function kindOf(upload: UploadResult): PreviewedUpload['kind'] | undefined {
  return (upload as Partial<PreviewedUpload>).kind;
}

/** The server-hosted thumbnail's fields, when uploadWithPreview uploaded (or the CDN made) one. */
function thumbnailFields(upload: UploadResult): {
  thumbnailDirectPath?: string;
  thumbnailSha256?: Uint8Array;
  thumbnailEncSha256?: Uint8Array;
} {
  const thumbnail = (upload as Partial<PreviewedUpload>).thumbnail;
  if (thumbnail === undefined) {
    // A newsletter upload with a thumbnail the CDN made (server_thumb_gen).
    return upload.thumbnailDirectPath === undefined || upload.thumbnailSha256 === undefined
      ? {}
      : {
          thumbnailDirectPath: upload.thumbnailDirectPath,
          thumbnailSha256: upload.thumbnailSha256,
        };
  }
  return {
    thumbnailDirectPath: thumbnail.directPath,
    thumbnailSha256: thumbnail.sha256,
    ...(thumbnail.encSha256 === undefined ? {} : { thumbnailEncSha256: thumbnail.encSha256 }),
  };
}

function defined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

/** Fields of an image message besides the CDN ones. */
export interface ImageMessageFields {
  /** @default 'image/jpeg' */
  mimetype?: string;
  /** Text shown under the image. */
  caption?: string;
  /** Width in pixels. */
  width?: number;
  /** Height in pixels. */
  height?: number;
  /** Inline JPEG preview. */
  jpegThumbnail?: Uint8Array;
  /** The recipient may view it once. @default false */
  viewOnce?: boolean;
}

/**
 * An image message for an uploaded image.
 * @throws {ClientArgumentError} when `upload` is not an UploadResult.
 * @example
 * ```ts
 * const message = buildImageMessage(await client.upload(jpeg, 'image'), { caption: 'hi', width: 800, height: 600 });
 * await sock.relayMessage(jid, toBaileysMessage(message), { messageId }); // bigint → number
 * ```
 */
export function buildImageMessage(upload: UploadResult, fields: ImageMessageFields = {}): Message {
  const preview = previewOf(upload);
  const imageMessage: ImageMessage = defined({
    ...cdnFields(upload),
    mimetype: preview.mimetype ?? 'image/jpeg',
    width: preview.width,
    height: preview.height,
    jpegThumbnail: preview.jpegThumbnail,
    ...thumbnailFields(upload),
    ...fields,
  });
  return { imageMessage };
}

/** Fields of a video message. */
export interface VideoMessageFields {
  /** @default 'video/mp4' */
  mimetype?: string;
  /** Text shown under the video. */
  caption?: string;
  /** Width in pixels. */
  width?: number;
  /** Height in pixels. */
  height?: number;
  /** Duration in seconds. */
  seconds?: number;
  /** Play as a GIF. */
  gifPlayback?: boolean;
  /** Inline JPEG preview (a frame of the video). */
  jpegThumbnail?: Uint8Array;
  /** The recipient may view it once. @default false */
  viewOnce?: boolean;
  /** Send as a round video note (`ptvMessage`). @default false */
  ptv?: boolean;
}

/**
 * A video (or round video note) message; carries the upload's streaming sidecar.
 * @throws {ClientArgumentError} when `upload` is not an UploadResult.
 * @example
 * ```ts
 * const message = buildVideoMessage(await client.upload(mp4, 'video'), { seconds: 12, mimetype: 'video/mp4' });
 * await sock.relayMessage(jid, toBaileysMessage(message), { messageId });
 * ```
 */
export function buildVideoMessage(upload: UploadResult, fields: VideoMessageFields = {}): Message {
  const { ptv = kindOf(upload) === 'ptv', ...rest } = fields;
  const preview = previewOf(upload);
  const videoMessage: VideoMessage = defined({
    ...cdnFields(upload),
    mimetype: preview.mimetype ?? 'video/mp4',
    streamingSidecar: upload.streamingSidecar,
    width: preview.width,
    height: preview.height,
    seconds: preview.seconds,
    jpegThumbnail: preview.jpegThumbnail,
    ...(kindOf(upload) === 'gif' ? { gifPlayback: true } : {}),
    ...thumbnailFields(upload),
    ...rest,
  });
  return ptv === true ? { ptvMessage: videoMessage } : { videoMessage };
}

/** Fields of an audio message. */
export interface AudioMessageFields {
  /** @default 'audio/ogg; codecs=opus' for voice notes, else 'audio/mpeg' */
  mimetype?: string;
  /** Duration in seconds. */
  seconds?: number;
  /** A voice note (push-to-talk). @default false */
  ptt?: boolean;
  /** Voice note waveform: one amplitude byte per sample. */
  waveform?: Uint8Array;
}

/**
 * An audio message or voice note (`ptt: true`); carries the upload's streaming sidecar.
 * @throws {ClientArgumentError} when `upload` is not an UploadResult.
 * @example
 * ```ts
 * const message = buildAudioMessage(await client.upload(ogg, 'audio'), { ptt: true, seconds: 4 });
 * await sock.relayMessage(jid, toBaileysMessage(message), { messageId });
 * ```
 */
export function buildAudioMessage(upload: UploadResult, fields: AudioMessageFields = {}): Message {
  const preview = previewOf(upload);
  const ptt = fields.ptt ?? kindOf(upload) === 'ptt';
  const audioMessage: AudioMessage = defined({
    ...cdnFields(upload),
    mimetype: preview.mimetype ?? (ptt ? 'audio/ogg; codecs=opus' : 'audio/mpeg'),
    streamingSidecar: upload.streamingSidecar,
    seconds: preview.seconds,
    ...(ptt ? { ptt: true, waveform: preview.waveform } : {}),
    ...fields,
  });
  return { audioMessage };
}

/** Fields of a document message. */
export interface DocumentMessageFields {
  /** @default 'application/octet-stream' */
  mimetype?: string;
  /** File name shown to the recipient (and used when they save it). */
  fileName?: string;
  /** Title shown to the recipient. */
  title?: string;
  /** Text shown under the document. */
  caption?: string;
  /** Number of pages (PDF and similar). */
  pageCount?: number;
  /** Inline JPEG preview (e.g. the first page). */
  jpegThumbnail?: Uint8Array;
}

/**
 * A document message.
 * @throws {ClientArgumentError} when `upload` is not an UploadResult.
 * @example
 * ```ts
 * const message = buildDocumentMessage(await client.upload(pdf, 'document'), { fileName: 'report.pdf' });
 * await sock.relayMessage(jid, toBaileysMessage(message), { messageId });
 * ```
 */
export function buildDocumentMessage(
  upload: UploadResult,
  fields: DocumentMessageFields = {},
): Message {
  const preview = previewOf(upload);
  const documentMessage: DocumentMessage = defined({
    ...cdnFields(upload),
    mimetype: preview.mimetype ?? 'application/octet-stream',
    pageCount: preview.pageCount,
    jpegThumbnail: preview.jpegThumbnail,
    ...thumbnailFields(upload),
    ...fields,
  });
  return { documentMessage };
}

/** Fields of a sticker message. */
export interface StickerMessageFields {
  /** @default 'image/webp' */
  mimetype?: string;
  /** Width in pixels. */
  width?: number;
  /** Height in pixels. */
  height?: number;
  /** An animated WebP. @default false */
  isAnimated?: boolean;
  /** Inline PNG preview. */
  pngThumbnail?: Uint8Array;
}

/**
 * A sticker message.
 * @throws {ClientArgumentError} when `upload` is not an UploadResult.
 * @example
 * ```ts
 * const message = buildStickerMessage(await client.upload(webp, 'sticker'));
 * await sock.relayMessage(jid, toBaileysMessage(message), { messageId });
 * ```
 */
export function buildStickerMessage(
  upload: UploadResult,
  fields: StickerMessageFields = {},
): Message {
  const preview = previewOf(upload);
  const stickerMessage: StickerMessage = defined({
    ...cdnFields(upload),
    mimetype: preview.mimetype ?? 'image/webp',
    width: preview.width,
    height: preview.height,
    isAnimated: preview.animated,
    ...fields,
  });
  return { stickerMessage };
}

const CDN_FIELD_NAMES = [
  'url',
  'directPath',
  'mediaKey',
  'fileSha256',
  'fileEncSha256',
  'fileLength',
  'mediaKeyTimestamp',
  'mimetype',
  'caption',
  'width',
  'height',
  'seconds',
  'ptt',
  'gifPlayback',
  'jpegThumbnail',
  'pngThumbnail',
  'thumbnailDirectPath',
  'thumbnailSha256',
  'thumbnailEncSha256',
  'streamingSidecar',
  'fileName',
  'title',
  'pageCount',
  'staticUrl',
  'waveform',
  'isAnimated',
] as const;

/**
 * Forward received media by CDN reuse: a new message with the media part's CDN and display
 * fields copied (no download, no upload). Works while the CDN still has the blob; after that,
 * use media reupload or download and upload again.
 * @throws {NoMediaError} when the message carries no image, video, audio, document or sticker.
 * @example
 * ```ts
 * await sock.relayMessage(jid, toBaileysMessage(forwardMediaMessage(received)), {});
 * ```
 */
export function forwardMediaMessage(
  message: Message,
  overrides: { caption?: string } = {},
): Message {
  const media = getMediaContent(message);
  const forwardable = [
    'imageMessage',
    'videoMessage',
    'ptvMessage',
    'audioMessage',
    'documentMessage',
    'stickerMessage',
  ];
  if (media === undefined || !forwardable.includes(media.field)) {
    throw new NoMediaError(
      'The message has no image, video, audio, document or sticker to forward',
    );
  }
  const source = media.content as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const name of CDN_FIELD_NAMES) {
    const value = source[name];
    if (value !== undefined) copy[name] = value instanceof Uint8Array ? value.slice() : value;
  }
  if (overrides.caption !== undefined) copy.caption = overrides.caption;
  return { [media.field]: copy } as Message;
}

/**
 * What a newsletter (channel) media message needs beside its proto: the upload's `handle`, sent
 * as the `media_id` attribute of the message stanza. The proto `Message` has no field for it, so
 * the builders cannot carry it; pass these attributes to your send call (Baileys:
 * `additionalAttributes`). Upload channel media with `encrypted: false` (no media key; the
 * builders then leave `url` out, as WhatsApp's own channel messages do).
 * @throws {ClientArgumentError} when `upload` has no handle (not a newsletter or product upload).
 * @example
 * ```ts
 * const uploaded = await client.upload(jpeg, 'image', { encrypted: false });
 * const message = buildImageMessage(uploaded);
 * await sock.relayMessage('123@newsletter', toBaileysMessage(message), {
 *   additionalAttributes: newsletterMediaAttrs(uploaded), // { media_id: '…' }
 * });
 * ```
 */
export function newsletterMediaAttrs(upload: UploadResult): {
  /** The upload's `handle`. */
  media_id: string;
} {
  if (typeof upload?.handle !== 'string' || upload.handle === '') {
    throw new ClientArgumentError(
      'upload.handle',
      'is missing: only newsletter and product uploads have a handle',
    );
  }
  return { media_id: upload.handle };
}

/** The `mediatype` attribute values of a newsletter message's `<plaintext>` node. */
export type NewsletterMediaType =
  | 'image'
  | 'video'
  | 'gif'
  | 'ptv'
  | 'audio'
  | 'ptt'
  | 'document'
  | 'sticker';

/**
 * The `mediatype` a newsletter (channel) media message declares on its `<plaintext>` node
 * (`<message type="media"><plaintext mediatype="image">…`): image, video (gif when
 * `gifPlayback`), ptv, audio (ptt for voice notes), document, sticker. WhatsApp refuses channel
 * media whose stanza lacks it (ack error 479). Recent Baileys versions add it themselves.
 * @throws {NoMediaError} when the message carries none of those media.
 * @example
 * ```ts
 * newsletterMediaType(buildAudioMessage(uploaded, { ptt: true })); // 'ptt'
 * ```
 */
export function newsletterMediaType(message: Message): NewsletterMediaType {
  const media = getMediaContent(message);
  const content = media?.content as { gifPlayback?: boolean; ptt?: boolean } | undefined;
  switch (media?.field) {
    case 'imageMessage':
      return 'image';
    case 'videoMessage':
      return content?.gifPlayback === true ? 'gif' : 'video';
    case 'ptvMessage':
      return 'ptv';
    case 'audioMessage':
      return content?.ptt === true ? 'ptt' : 'audio';
    case 'documentMessage':
      return 'document';
    case 'stickerMessage':
      return 'sticker';
    default:
      throw new NoMediaError('The message has no image, video, audio, document or sticker');
  }
}
