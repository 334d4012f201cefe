// What the store keeps about a message's media besides the message: type, mimetype, the
// plaintext SHA-256 the blob must hash to, the announced length and the CDN host.
import type { MediaType } from '@wa-media/crypto';
import { getMediaContent, type Message } from '@wa-media/protocol';
import { InvalidMediaInputError } from '../errors.js';
import { isValidMimeType } from './mime-type.js';

/** What the store keeps about a message's media, besides the message itself. */
export interface MediaDescription {
  /** crypto's media type of the blob (`image`, `video`, `document`, …). */
  type: MediaType;
  /** The message's mimetype, or a type default when it has none. */
  mimeType: string;
  /** SHA-256 of the plaintext: what the stored file must hash to. */
  fileSha256: Uint8Array;
  /** Plaintext length the sender announced (informational; senders sometimes send 0). */
  fileLength: number | undefined;
  /** The host the message's URL names, for per-host politeness. */
  hostKey: string;
}

const defaultMimeTypes: Partial<Record<MediaType, string>> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg',
  sticker: 'image/webp',
  'link-thumbnail': 'image/jpeg',
  'sticker-pack': 'application/zip',
};

function hostOf(url: string | undefined): string {
  if (url === undefined || url === '') return 'default';
  try {
    return new URL(url).host || 'default';
  } catch {
    return 'default';
  }
}

/**
 * Extracts the media facts the store needs from a proto `Message` (wrappers unwrapped).
 * @throws {InvalidMediaInputError} `message` carries no downloadable media, or it lacks the
 * `fileSha256` / `mediaKey` / `directPath` a verified download needs.
 */
export function describeMediaMessage(message: Message): MediaDescription {
  const media = getMediaContent(message);
  if (media === undefined) {
    throw new InvalidMediaInputError('message', 'carries no downloadable media');
  }
  const content = media.content as {
    mimetype?: string;
    fileSha256?: Uint8Array;
    fileLength?: bigint;
    mediaKey?: Uint8Array;
    directPath?: string;
    url?: string;
    thumbnailSha256?: Uint8Array;
    thumbnailDirectPath?: string;
  };
  const isLinkThumbnail = media.field === 'extendedTextMessage';
  const fileSha256 = isLinkThumbnail ? content.thumbnailSha256 : content.fileSha256;
  const directPath = isLinkThumbnail ? content.thumbnailDirectPath : content.directPath;
  if (fileSha256 === undefined || fileSha256.length !== 32) {
    throw new InvalidMediaInputError(
      `message.${media.field}.${isLinkThumbnail ? 'thumbnailSha256' : 'fileSha256'}`,
      'must be 32 bytes: the store verifies the stored bytes against it',
    );
  }
  if (content.mediaKey === undefined || content.mediaKey.length !== 32) {
    throw new InvalidMediaInputError(`message.${media.field}.mediaKey`, 'must be 32 bytes');
  }
  if ((directPath === undefined || directPath === '') && (content.url ?? '') === '') {
    throw new InvalidMediaInputError(
      `message.${media.field}.directPath`,
      'is missing (and there is no url)',
    );
  }
  const fileLength =
    content.fileLength === undefined || isLinkThumbnail ? undefined : Number(content.fileLength);
  return {
    type: media.mediaType,
    mimeType:
      // The sender's type is served back as Content-Type: anything header-breaking is replaced.
      isLinkThumbnail || !isValidMimeType(content.mimetype)
        ? (defaultMimeTypes[media.mediaType] ?? 'application/octet-stream')
        : content.mimetype,
    fileSha256: fileSha256.slice(),
    fileLength,
    hostKey: hostOf(content.url),
  };
}
