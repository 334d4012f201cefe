/**
 * Every kind of media blob WhatsApp stores on its CDN, as named by the `mms-type` it is
 * uploaded with (our spelling drops the `md-` prefix of history and app-state).
 *
 * Message kinds that reuse another type's keys are not separate types: a voice note (ptt) is
 * `'audio'`, a GIF or a round video note (ptv) is `'video'`. {@link resolveMediaType} accepts
 * those names and maps them.
 */
export type MediaType =
  | 'image'
  | 'video'
  | 'audio'
  | 'document'
  | 'sticker'
  | 'history'
  | 'app-state'
  | 'sticker-pack'
  | 'sticker-pack-thumbnail'
  | 'link-thumbnail'
  | 'product-catalog-image'
  | 'thumbnail-image'
  | 'thumbnail-video'
  | 'thumbnail-document'
  | 'payment-bg-image';

/** The media types that are always encrypted (all but product-catalog-image). */
export type EncryptedMediaType = Exclude<MediaType, 'product-catalog-image'>;

/** What the protocol says about one {@link MediaType}. */
export interface MediaTypeInfo {
  /** Our name of the type. */
  readonly type: MediaType;
  /** HKDF `info` string of the type's keys; `undefined` when the type is never encrypted. */
  readonly hkdfInfo: string | undefined;
  /** Path prefix of the upload URL: `https://{host}{uploadPath}/{token}?auth=…&token=…`. */
  readonly uploadPath: string;
  /** The `mms-type` query value WhatsApp Web appends to download URLs. */
  readonly mmsType: string;
  /** False for types uploaded as plaintext (product-catalog-image). */
  readonly encrypted: boolean;
  /** True for types that carry a `streamingSidecar` (audio and video). */
  readonly streamable: boolean;
}

function entry(
  type: MediaType,
  hkdfInfo: string | undefined,
  mmsType: string,
  uploadPath: string = `/mms/${mmsType}`,
): MediaTypeInfo {
  return Object.freeze({
    type,
    hkdfInfo,
    uploadPath,
    mmsType,
    encrypted: hkdfInfo !== undefined,
    streamable: type === 'audio' || type === 'video',
  });
}

/**
 * The media type table (docs/protocol.md §1), keyed by {@link MediaType}. Frozen.
 *
 * @example
 * ```ts
 * MEDIA_TYPES.video.uploadPath; // '/mms/video'
 * MEDIA_TYPES['history'].mmsType; // 'md-msg-hist'
 * ```
 */
export const MEDIA_TYPES: Readonly<Record<MediaType, MediaTypeInfo>> = Object.freeze({
  image: entry('image', 'WhatsApp Image Keys', 'image'),
  video: entry('video', 'WhatsApp Video Keys', 'video'),
  audio: entry('audio', 'WhatsApp Audio Keys', 'audio'),
  document: entry('document', 'WhatsApp Document Keys', 'document'),
  // Stickers share the image keys and endpoint.
  sticker: entry('sticker', 'WhatsApp Image Keys', 'image'),
  history: entry('history', 'WhatsApp History Keys', 'md-msg-hist'),
  'app-state': entry('app-state', 'WhatsApp App State Keys', 'md-app-state'),
  'sticker-pack': entry('sticker-pack', 'WhatsApp Sticker Pack Keys', 'sticker-pack'),
  'sticker-pack-thumbnail': entry(
    'sticker-pack-thumbnail',
    'WhatsApp Sticker Pack Thumbnail Keys',
    'thumbnail-sticker-pack',
  ),
  'link-thumbnail': entry('link-thumbnail', 'WhatsApp Link Thumbnail Keys', 'thumbnail-link'),
  'product-catalog-image': entry(
    'product-catalog-image',
    undefined,
    'product-catalog-image',
    '/product/image',
  ),
  'thumbnail-image': entry('thumbnail-image', 'WhatsApp Image Thumbnail Keys', 'thumbnail-image'),
  'thumbnail-video': entry('thumbnail-video', 'WhatsApp Video Thumbnail Keys', 'thumbnail-video'),
  'thumbnail-document': entry(
    'thumbnail-document',
    'WhatsApp Document Thumbnail Keys',
    'thumbnail-document',
  ),
  'payment-bg-image': entry(
    'payment-bg-image',
    'WhatsApp Payment Background Keys',
    'payment-bg-image',
  ),
});

/** Every {@link MediaType}, in table order. */
export const MEDIA_TYPE_NAMES: readonly MediaType[] = Object.freeze(
  Object.keys(MEDIA_TYPES) as MediaType[],
);

/**
 * Message kinds that are not media types of their own but use another type's keys and endpoint.
 */
export const MEDIA_TYPE_ALIASES: Readonly<Record<'ptt' | 'gif' | 'ptv', MediaType>> = Object.freeze(
  {
    ptt: 'audio',
    gif: 'video',
    ptv: 'video',
  },
);

/** True when `value` is one of the {@link MediaType} names (aliases excluded). */
export function isMediaType(value: unknown): value is MediaType {
  return typeof value === 'string' && Object.hasOwn(MEDIA_TYPES, value);
}

/**
 * Look up a media type's HKDF info, upload path, mms-type and encrypted flag.
 *
 * @throws {TypeError} when `type` is not a {@link MediaType}.
 * @example
 * ```ts
 * mediaTypeInfo('sticker'); // { hkdfInfo: 'WhatsApp Image Keys', uploadPath: '/mms/image', … }
 * ```
 */
export function mediaTypeInfo(type: MediaType): MediaTypeInfo {
  if (!isMediaType(type)) {
    throw new TypeError(`type must be a MediaType, got ${describe(type)}`);
  }
  return MEDIA_TYPES[type];
}

/**
 * Map a name that may be an alias (`'ptt'`, `'gif'`, `'ptv'`) to its {@link MediaType}.
 * Handy for command lines and message kinds.
 *
 * @throws {TypeError} when `name` is neither a media type nor an alias.
 */
export function resolveMediaType(name: string): MediaType {
  if (isMediaType(name)) return name;
  if (Object.hasOwn(MEDIA_TYPE_ALIASES, name)) {
    return MEDIA_TYPE_ALIASES[name as keyof typeof MEDIA_TYPE_ALIASES];
  }
  throw new TypeError(`type must be a MediaType or one of ptt, gif, ptv; got ${describe(name)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
}
