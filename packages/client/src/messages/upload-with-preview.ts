// Upload with what the message needs to look right: describe the media (by default with
// @wa-media/media-info, an optional peer loaded on demand), upload it, and upload its JPEG
// preview as its own encrypted blob (server-hosted thumbnail) for image, video and documents.

import type { MediaType } from '@wa-media/crypto';
import { ClientArgumentError } from '../errors.js';
import type { UploadOptions, UploadResult } from '../upload/upload-engine.js';
import {
  memorySpool,
  type ReopenableSource,
  type UploadSource,
  type UploadSpool,
} from '../upload/upload-source.js';

/** The message kinds a preview is made for. */
export type PreviewKind =
  | 'image'
  | 'sticker'
  | 'video'
  | 'gif'
  | 'ptv'
  | 'audio'
  | 'ptt'
  | 'document';

/** What a describe function reports (the shape of media-info's `MediaDescription`). */
export interface MediaPreview {
  /** The mimetype sniffed from the content. */
  mimetype?: string;
  /** Width in pixels. */
  width?: number;
  /** Height in pixels. */
  height?: number;
  /** Whole seconds. */
  seconds?: number;
  /** Inline JPEG preview. */
  jpegThumbnail?: Uint8Array;
  /** Voice-note waveform: 64 values 0–100. */
  waveform?: Uint8Array;
  /** Number of pages (documents). */
  pageCount?: number;
  /** An animated image (WebP sticker, GIF). */
  animated?: boolean;
  /** What could not be read, or did not match what the caller said. */
  warnings?: string[];
}

/** Reads a {@link MediaPreview} from the media (e.g. media-info's `describeMedia`). */
export type DescribeFunction = (
  source: Uint8Array | Blob | ReopenableSource,
  kind: PreviewKind,
  options: { mimetype?: string; signal?: AbortSignal },
) => Promise<MediaPreview>;

/** Where a server-hosted thumbnail is: the message's `thumbnailDirectPath` / `…Sha256` fields. */
export interface ThumbnailReference {
  /** The thumbnail's direct path (`thumbnailDirectPath`). */
  directPath: string;
  /** SHA-256 of the plaintext thumbnail (`thumbnailSha256`). */
  sha256: Uint8Array;
  /** Absent for a thumbnail the server made itself (newsletter media). */
  encSha256?: Uint8Array;
}

/** An upload with what the message builders fill in from it. */
export interface PreviewedUpload extends UploadResult {
  /** What was read from the media. */
  preview: MediaPreview;
  /** The kind it was described as (a voice note builds as `ptt`). */
  kind: PreviewKind;
  /** The server-hosted thumbnail, when one was uploaded. */
  thumbnail?: ThumbnailReference;
}

/** Options of {@link uploadWithPreview}. */
export interface UploadWithPreviewOptions extends UploadOptions {
  /** The message kind. @default the media type (`'audio'` for audio; pass `'ptt'` for voice notes) */
  kind?: PreviewKind;
  /** The mimetype you believe the media has (a warning in `preview.warnings` when wrong). */
  mimetype?: string;
  /**
   * Reads the preview. @default `describeMedia` of `@wa-media/media-info` (install it; a
   * `MediaClientError` `invalid-argument` says so when it is missing)
   */
  describe?: DescribeFunction;
  /**
   * Also upload the JPEG preview as its own encrypted blob (same media key, the type's thumbnail
   * keys) and fill `thumbnailDirectPath`, `thumbnailSha256`, `thumbnailEncSha256`.
   * @default true for image, video and document uploads that are encrypted
   */
  serverThumbnail?: boolean;
}

/** What uploadWithPreview needs from a client. */
export interface PreviewUploader {
  /** Uploads one blob, as {@link MediaClient.upload}. */
  upload(source: UploadSource, type: MediaType, options?: UploadOptions): PromiseLike<UploadResult>;
}

const THUMBNAIL_TYPES: Partial<Record<MediaType, MediaType>> = {
  image: 'thumbnail-image',
  video: 'thumbnail-video',
  document: 'thumbnail-document',
};

const KIND_OF_TYPE: Partial<Record<MediaType, PreviewKind>> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  document: 'document',
  sticker: 'sticker',
};

async function defaultDescribe(): Promise<DescribeFunction> {
  const specifier = '@wa-media/media-info';
  try {
    const module = (await import(specifier)) as { describeMedia: DescribeFunction };
    return module.describeMedia;
  } catch (error) {
    throw new ClientArgumentError(
      'options.describe',
      'is needed: install @wa-media/media-info (or pass a describe function)',
      { cause: error },
    );
  }
}

function isReadableAgain(source: UploadSource): source is Uint8Array | Blob | ReopenableSource {
  if (source instanceof Uint8Array) return true;
  if (typeof Blob !== 'undefined' && source instanceof Blob) return true;
  return (
    typeof (source as ReopenableSource).open === 'function' &&
    !(Symbol.asyncIterator in source) &&
    typeof (source as ReadableStream).getReader !== 'function'
  );
}

async function* chunksOf(source: UploadSource): AsyncIterable<Uint8Array> {
  if (typeof (source as ReadableStream).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
    } finally {
      reader.releaseLock();
    }
    return;
  }
  yield* source as AsyncIterable<Uint8Array>;
}

/** A one-shot stream is spooled once, so describing and uploading can both read it. */
async function readableAgain(
  source: UploadSource,
  spool: UploadSpool,
): Promise<{ source: Uint8Array | Blob | ReopenableSource; dispose(): Promise<void> }> {
  if (isReadableAgain(source)) return { source, dispose: async () => {} };
  const writer = await spool.create();
  try {
    for await (const chunk of chunksOf(source)) await writer.write(chunk);
  } catch (error) {
    await writer.abort().catch(() => {});
    throw error;
  }
  const spooled = await writer.finish();
  return { source: spooled, dispose: () => spooled.dispose() };
}

/**
 * Describes the media, uploads it, and (image, video, document) uploads its preview as a
 * server-hosted thumbnail. The message builders take the result as it is and fill `width`,
 * `height`, `seconds`, `jpegThumbnail`, `waveform`, `pageCount`, `isAnimated`, `mimetype` and
 * the `thumbnail*` fields from it (fields you pass to a builder win).
 * @throws {ClientArgumentError} when no describe function is given and
 *   `@wa-media/media-info` is not installed.
 * @throws whatever `describe` throws (media-info: `MediaInfoError`), and the upload's errors.
 * @example
 * ```ts
 * const photo = await uploadWithPreview(client, await fileSource('photo.jpg'), 'image');
 * await sock.relayMessage(jid, buildImageMessage(photo, { caption: 'hi' }), {});
 * ```
 */
export async function uploadWithPreview(
  client: PreviewUploader,
  source: UploadSource,
  type: MediaType,
  options: UploadWithPreviewOptions = {},
): Promise<PreviewedUpload> {
  const { kind: givenKind, mimetype, describe, serverThumbnail, ...uploadOptions } = options;
  const kind = givenKind ?? KIND_OF_TYPE[type];
  if (kind === undefined) {
    throw new ClientArgumentError('type', `has no preview: ${JSON.stringify(type)}`);
  }
  const describeFunction = describe ?? (await defaultDescribe());
  const readable = await readableAgain(source, uploadOptions.spool ?? memorySpool());
  try {
    const preview = await describeFunction(readable.source, kind, {
      ...(mimetype === undefined ? {} : { mimetype }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const uploaded = await client.upload(readable.source, type, uploadOptions);
    const result: PreviewedUpload = { ...uploaded, preview, kind };
    const thumbnailType = THUMBNAIL_TYPES[type];
    const wantsThumbnail = serverThumbnail ?? uploaded.encrypted;
    if (wantsThumbnail && thumbnailType !== undefined && preview.jpegThumbnail !== undefined) {
      result.thumbnail = await uploadThumbnail(
        client,
        preview.jpegThumbnail,
        thumbnailType,
        uploaded,
        options,
      );
    } else if (
      uploaded.thumbnailDirectPath !== undefined &&
      uploaded.thumbnailSha256 !== undefined
    ) {
      // Newsletter uploads with server_thumb_gen: the CDN made the thumbnail.
      result.thumbnail = {
        directPath: uploaded.thumbnailDirectPath,
        sha256: uploaded.thumbnailSha256,
      };
    }
    return result;
  } finally {
    await readable.dispose();
  }
}

async function uploadThumbnail(
  client: PreviewUploader,
  jpeg: Uint8Array,
  type: MediaType,
  media: UploadResult,
  options: UploadWithPreviewOptions,
): Promise<ThumbnailReference> {
  if (media.mediaKey === undefined) {
    throw new ClientArgumentError(
      'serverThumbnail',
      'needs encrypted media (newsletter media has none)',
    );
  }
  const thumbnail = await client.upload(jpeg, type, {
    mediaKey: media.mediaKey,
    ...(options.id === undefined ? {} : { id: `${options.id}-thumbnail` }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return {
    directPath: thumbnail.directPath,
    sha256: thumbnail.fileSha256,
    encSha256: thumbnail.fileEncSha256,
  };
}
