// What `client.upload` takes and gives, and the option checks made before anything is read:
// which endpoint (the type's, or the newsletter path for unencrypted channel media) and which
// encryptor settings.

import { type MediaType, mediaTypeInfo } from '@wa-media/crypto';
import { ClientArgumentError } from '../errors.js';
import type { UploadSpool } from './upload-source.js';

/** Options of `client.upload`. */
export interface UploadOptions {
  /**
   * The 32-byte media key to use (a sticker-pack thumbnail must reuse its pack's key).
   * @default a fresh random key
   */
  mediaKey?: Uint8Array;
  /** Transfer id, typically the message id (for `client.transfers`). @default generated */
  id?: string;
  /** Aborting cancels the transfer. */
  signal?: AbortSignal;
  /** Progress in blob bytes the CDN holds. */
  onProgress?: (progress: { bytesDone: number; totalBytes: number | null }) => void;
  /** Compute the streaming sidecar. @default true for audio and video */
  sidecar?: boolean;
  /**
   * `false` uploads the bytes as they are: newsletter (channel) media. product-catalog-image is
   * always unencrypted.
   * @default true (except product-catalog-image)
   */
  encrypted?: boolean;
  /** Where a one-shot stream is kept while hashed. @default the client's `spool` */
  spool?: UploadSpool;
}

/** What an upload gives: everything a media message needs. */
export interface UploadResult {
  /** CDN URL (signed: do not log). */
  url: string;
  /** Direct path with its signed query (do not log). */
  directPath: string;
  /** Newsletter / product media: the message's media id. */
  handle?: string;
  /** The media key (secret); `undefined` for unencrypted media. */
  mediaKey: Uint8Array | undefined;
  /** SHA-256 of the plaintext. */
  fileSha256: Uint8Array;
  /** SHA-256 of the uploaded blob (equal to `fileSha256` for unencrypted media). */
  fileEncSha256: Uint8Array;
  /** Plaintext length. */
  fileLength: number;
  /** Unix seconds when the key was created. */
  mediaKeyTimestamp: number;
  /** The streaming sidecar, when computed (audio and video by default). */
  streamingSidecar?: Uint8Array;
  /** Newsletter uploads: the thumbnail the CDN made itself (`server_thumb_gen`), when it did. */
  thumbnailDirectPath?: string;
  /** Newsletter uploads: SHA-256 of that server-made thumbnail, when sent. */
  thumbnailSha256?: Uint8Array;
  /** The media type uploaded. */
  type: MediaType;
  /** False for plaintext media (newsletter, product images). */
  encrypted: boolean;
}

const NEWSLETTER_TYPES: ReadonlySet<MediaType> = new Set([
  'image',
  'video',
  'audio',
  'document',
  'sticker',
]);

/** The checked options: where to upload and how to encrypt. */
export interface UploadPlan {
  readonly uploadPath: string;
  /** Newsletter images and videos: the CDN makes their thumbnail (`server_thumb_gen=1`). */
  readonly serverThumbGen: boolean;
  readonly encryptor: EncryptorOptions;
}

/** How the blob is encrypted (crypto's `MediaEncryptor` options the upload sets). */
export interface EncryptorOptions {
  encrypted: boolean;
  mediaKey?: Uint8Array;
  sidecar?: boolean;
}

/**
 * Checks the options against the type.
 * @throws {ClientArgumentError} `encrypted: false` for a type without a newsletter path, or a
 *   `mediaKey` for unencrypted media.
 */
export function planUpload(type: MediaType, options: UploadOptions): UploadPlan {
  const typeInfo = mediaTypeInfo(type);
  const encrypted = typeInfo.encrypted && options.encrypted !== false;
  let uploadPath = typeInfo.uploadPath;
  if (!encrypted && typeInfo.encrypted) {
    if (!NEWSLETTER_TYPES.has(type)) {
      throw new ClientArgumentError(
        'options.encrypted',
        `cannot be false for type ${JSON.stringify(type)}`,
      );
    }
    uploadPath = `/newsletter/newsletter-${type}`;
  }
  if (!encrypted && options.mediaKey !== undefined) {
    throw new ClientArgumentError('options.mediaKey', 'must not be given for unencrypted media');
  }
  return {
    uploadPath,
    serverThumbGen: !encrypted && typeInfo.encrypted && (type === 'image' || type === 'video'),
    encryptor: {
      encrypted,
      ...(options.mediaKey === undefined ? {} : { mediaKey: options.mediaKey }),
      ...(options.sidecar === undefined ? {} : { sidecar: options.sidecar }),
    },
  };
}
