// Which blob a message points at: the pure part of every download. A newcomer looking for
// "how does download know the type?" lands here.

import type { MediaType } from '@wa-media/crypto';
import {
  type ExternalBlobReference,
  getMediaContent,
  headerMedia,
  MESSAGE_WRAPPER_FIELDS,
  type Message,
} from '@wa-media/protocol';
import { NoMediaError, UnsupportedMessageError } from '../errors.js';

/**
 * Everything needed to download and verify one blob.
 * Secrets: `mediaKey` (and the signed `directPath`) must never be logged.
 */
export interface DownloadParams {
  /** The media type the blob was encrypted as (selects keys and `mms-type`). */
  type: MediaType;
  /** The message's `directPath` (starts with `/`, kept verbatim with its signed query). */
  directPath: string;
  /** 32-byte media key. Absent for unencrypted media (newsletter, product images). */
  mediaKey?: Uint8Array | undefined;
  /** SHA-256 of the plaintext: checked. Required for unencrypted media. */
  fileSha256?: Uint8Array | undefined;
  /** SHA-256 of the blob: checked, and sent as the `hash=` download parameter. */
  fileEncSha256?: Uint8Array | undefined;
  /** Plaintext length (informational: senders sometimes put 0; never fails a download). */
  fileLength?: number | undefined;
  /** Image/video `staticUrl`, tried first as is. */
  staticUrl?: string | undefined;
  /** The message's streaming sidecar (audio, video): lets ranged downloads authenticate. */
  streamingSidecar?: Uint8Array | undefined;
  /**
   * `false` for media that is not encrypted (newsletter / channel media).
   * @default true when a mediaKey is given, else false
   */
  encrypted?: boolean | undefined;
}

/** Options of {@link downloadParamsFromMessage}. */
export interface DownloadableOptions {
  /**
   * Download the server-hosted thumbnail (`thumbnailDirectPath`) instead of the media.
   * @default false
   */
  thumbnail?: boolean;
}

const THUMBNAIL_TYPES: Partial<Record<string, MediaType>> = {
  imageMessage: 'thumbnail-image',
  videoMessage: 'thumbnail-video',
  ptvMessage: 'thumbnail-video',
  documentMessage: 'thumbnail-document',
  stickerPackMessage: 'sticker-pack-thumbnail',
  extendedTextMessage: 'link-thumbnail',
};

function toNumber(value: bigint | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

/**
 * The {@link DownloadParams} of a proto `Message` (wrappers unwrapped; the type comes from the
 * field that is set: image, video, ptv, audio, document, sticker, sticker pack, history sync
 * notification, link preview thumbnail).
 *
 * @throws {NoMediaError} the message carries no media, or no server-hosted thumbnail when asked.
 * @throws {UnsupportedMessageError} the media fields lack a direct path.
 */
export function downloadParamsFromMessage(
  message: Message,
  options: DownloadableOptions = {},
): DownloadParams {
  const media = getMediaContent(message);
  if (media === undefined) throw new NoMediaError('The message carries no downloadable media');
  const content = media.content as {
    url?: string;
    directPath?: string;
    mediaKey?: Uint8Array;
    fileSha256?: Uint8Array;
    fileEncSha256?: Uint8Array;
    fileLength?: bigint;
    staticUrl?: string;
    streamingSidecar?: Uint8Array;
    thumbnailDirectPath?: string;
    thumbnailSha256?: Uint8Array;
    thumbnailEncSha256?: Uint8Array;
  };
  const wantThumbnail = options.thumbnail === true || media.field === 'extendedTextMessage';
  if (wantThumbnail) {
    const type = THUMBNAIL_TYPES[media.field];
    if (type === undefined || !content.thumbnailDirectPath) {
      throw new NoMediaError(`The ${media.field} has no server-hosted thumbnail`);
    }
    return withEncryption({
      type,
      directPath: content.thumbnailDirectPath,
      mediaKey: content.mediaKey,
      fileSha256: content.thumbnailSha256,
      fileEncSha256: content.thumbnailEncSha256,
    });
  }
  // Old senders put only a full `url`: its path and query are the direct path (tried on the CDN
  // hosts), the URL itself is tried first only if its host passes the client's host rule.
  const fromUrl = content.directPath ? undefined : directPathOfUrl(content.url);
  const directPath = content.directPath || fromUrl?.directPath;
  if (!directPath) {
    throw new UnsupportedMessageError(
      `The ${media.field} has no directPath nor media url (not yet uploaded?)`,
    );
  }
  return withEncryption({
    type: media.mediaType,
    directPath,
    mediaKey: content.mediaKey,
    fileSha256: content.fileSha256,
    fileEncSha256: content.fileEncSha256,
    fileLength: toNumber(content.fileLength),
    staticUrl: content.staticUrl || fromUrl?.url || undefined,
    streamingSidecar: content.streamingSidecar,
  });
}

/**
 * The {@link DownloadParams} of an `ExternalBlobReference` (app-state sync blobs).
 * @throws {UnsupportedMessageError} when it has no direct path.
 */
export function downloadParamsFromExternalBlob(reference: ExternalBlobReference): DownloadParams {
  if (!reference.directPath)
    throw new UnsupportedMessageError('The ExternalBlobReference has no directPath');
  return withEncryption({
    type: 'app-state',
    directPath: reference.directPath,
    mediaKey: reference.mediaKey,
    fileSha256: reference.fileSha256,
    fileEncSha256: reference.fileEncSha256,
    fileLength: toNumber(reference.fileSizeBytes),
  });
}

function withEncryption(params: DownloadParams): DownloadParams {
  const clean: DownloadParams = { type: params.type, directPath: params.directPath };
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && !(value instanceof Uint8Array && value.length === 0)) {
      (clean as unknown as Record<string, unknown>)[key] = value;
    }
  }
  clean.encrypted = params.encrypted ?? clean.mediaKey !== undefined;
  return clean;
}

/**
 * A copy of `message` whose media (inside any wrappers) has `fields` set; `message` is not
 * modified. Used for the `updatedMessage` of a download that came back by media reupload.
 */
export function withMediaFields(
  message: Message,
  fields: { directPath: string; url: string },
): Message {
  for (const wrapper of MESSAGE_WRAPPER_FIELDS) {
    const inner = message[wrapper]?.message;
    if (inner !== undefined) {
      return {
        ...message,
        [wrapper]: { ...message[wrapper], message: withMediaFields(inner, fields) },
      };
    }
  }
  const media = getMediaContent(message);
  if (media === undefined) return message;
  if (message.buttonsMessage !== undefined && headerMedia(message) !== undefined) {
    const buttons = withMediaFields(message.buttonsMessage as Message, fields);
    return { ...message, buttonsMessage: { ...message.buttonsMessage, ...buttons } };
  }
  const header = message.interactiveMessage?.header;
  if (header !== undefined && headerMedia(message) !== undefined) {
    const updated = withMediaFields(header as Message, fields);
    return { ...message, interactiveMessage: { header: { ...header, ...updated } } };
  }
  if (media.field === 'historySyncNotification') {
    const protocolMessage = message.protocolMessage;
    return {
      ...message,
      protocolMessage: {
        ...protocolMessage,
        historySyncNotification: { ...media.content, directPath: fields.directPath },
      },
    };
  }
  if (media.field === 'extendedTextMessage') return message;
  return { ...message, [media.field]: { ...media.content, ...fields } };
}

/** The direct path (path + query) of a full https / http media URL; undefined for anything else. */
function directPathOfUrl(
  value: string | undefined,
): { directPath: string; url: string } | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '') {
    return undefined;
  }
  if (url.pathname === '/' || url.pathname === '') return undefined;
  return { directPath: `${url.pathname}${url.search}`, url: url.href };
}
