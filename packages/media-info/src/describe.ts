// describeMedia: what a WhatsApp media message needs to look right, read from the bytes.

import { MediaInfoError, UnreadableMediaError } from './errors.js';
import { videoFrameThumbnail } from './ffmpeg.js';
import { readAudioDuration } from './formats/audio.js';
import { readImageHeader } from './formats/image-header.js';
import { readMp4, type VideoHeader } from './formats/mp4.js';
import { readOgg } from './formats/ogg.js';
import { readPdfPageCount } from './formats/pdf.js';
import { opusWaveform } from './formats/waveform.js';
import { readWebm } from './formats/webm.js';
import { baseMimetype, SNIFF_BYTES, sniffMimetype } from './sniff.js';
import { type MediaBytes, type MediaSource, openMedia } from './source.js';
import { jpegThumbnail, sharpDimensions } from './thumbnail.js';

/** The kind of message the media is for (WhatsApp's message kinds). */
export type MediaKind =
  | 'image'
  | 'sticker'
  | 'video'
  | 'gif'
  | 'ptv'
  | 'audio'
  | 'ptt'
  | 'document';

/** Options of {@link describeMedia}. */
export interface DescribeOptions {
  /** The mimetype the caller believes the media has; a warning says when the bytes disagree. */
  mimetype?: string;
  /**
   * Make a JPEG preview (`jpegThumbnail`): images need sharp, videos ffmpeg on PATH (without
   * ffmpeg a video simply gets none).
   * @default true for image, video, gif, ptv and document; false for sticker and audio
   */
  thumbnail?: boolean;
  /** Compute the 64-value waveform (Ogg Opus; needs ogg-opus-decoder). @default true for ptt */
  waveform?: boolean;
  /** The ffmpeg executable for video previews. @default 'ffmpeg' on PATH */
  ffmpegPath?: string;
  /** ffmpeg is killed after this long. @default 20_000 */
  ffmpegTimeoutMs?: number;
  /** A one-shot stream longer than this is refused while spooled. @default 2 GiB */
  maxBytes?: number;
  /** Aborting stops the work with a `MediaInfoError` `aborted`. */
  signal?: AbortSignal;
  /** Gets each warning as it is found (they are also in the result). */
  logger?: {
    /** Receives one warning (never with secrets or file contents). */
    warn(message: string): void;
  };
}

/** What the bytes say, in the fields of WhatsApp's media messages. */
export interface MediaDescription {
  /** Sniffed from the content; the caller's when the content is not recognised. */
  mimetype: string;
  /** Width in pixels (images, videos, stickers). */
  width?: number;
  /** Height in pixels (images, videos, stickers). */
  height?: number;
  /** Whole seconds (what `seconds` of a message carries), rounded, at least 1. */
  seconds?: number;
  /** Exact duration in seconds. */
  duration?: number;
  /** JPEG preview, longest side 32–100 px, at most 32 KiB. */
  jpegThumbnail?: Uint8Array;
  /** Voice-note waveform: 64 values 0–100. */
  waveform?: Uint8Array;
  /** PDF page count (when the page tree is in plain objects). */
  pageCount?: number;
  /** Animated image (WebP, GIF, APNG). */
  animated?: boolean;
  /** Where the content contradicts what the caller said, or a preview could not be made. */
  warnings: string[];
}

const DEFAULT_MIMETYPES: Record<MediaKind, string> = {
  image: 'image/jpeg',
  sticker: 'image/webp',
  video: 'video/mp4',
  gif: 'video/mp4',
  ptv: 'video/mp4',
  audio: 'audio/mpeg',
  ptt: 'audio/ogg; codecs=opus',
  document: 'application/octet-stream',
};

const FAMILIES: Record<MediaKind, string | undefined> = {
  image: 'image',
  sticker: 'image',
  video: 'video',
  gif: 'video',
  ptv: 'video',
  audio: 'audio',
  ptt: 'audio',
  document: undefined,
};

const HEADER_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const MP4_VIDEOS = new Set(['video/mp4', 'video/quicktime', 'video/3gpp']);

interface Context {
  readonly media: MediaBytes;
  readonly kind: MediaKind;
  readonly mimetype: string;
  readonly options: DescribeOptions;
  readonly result: MediaDescription;
  warn(message: string): void;
  checkAborted(): void;
}

/**
 * Reads dimensions, duration, a JPEG preview, the voice-note waveform, the PDF page count and
 * the real mimetype from the media's bytes, without loading a large file whole.
 * @throws {MissingDependencyError} when a step needs an optional package that is not installed
 *   (sharp for image previews, ogg-opus-decoder for waveforms, music-metadata for non-Ogg audio).
 * @throws {UnreadableMediaError} when the bytes are not a well-formed file of their format.
 * @throws {MediaInfoError} `invalid-argument`, `too-large` (a stream past `maxBytes`), `aborted`.
 * @example
 * ```ts
 * const info = await describeMedia('./clip.mp4', 'video');
 * // { mimetype: 'video/mp4', width: 1280, height: 720, seconds: 12, jpegThumbnail: …, warnings: [] }
 * ```
 */
export async function describeMedia(
  source: MediaSource,
  kind: MediaKind,
  options: DescribeOptions = {},
): Promise<MediaDescription> {
  if (!(kind in DEFAULT_MIMETYPES)) {
    throw new MediaInfoError(
      'invalid-argument',
      `kind must be one of ${Object.keys(DEFAULT_MIMETYPES).join(', ')}`,
    );
  }
  const media = await openMedia(source, options.maxBytes ?? 2 ** 31);
  try {
    const result: MediaDescription = { mimetype: '', warnings: [] };
    const warn = (message: string) => {
      result.warnings.push(message);
      options.logger?.warn(message);
    };
    result.mimetype = await chooseMimetype(media, kind, options.mimetype, warn);
    const context: Context = {
      media,
      kind,
      mimetype: baseMimetype(result.mimetype),
      options,
      result,
      warn,
      checkAborted() {
        if (options.signal?.aborted)
          throw new MediaInfoError('aborted', 'describeMedia was aborted');
      },
    };
    context.checkAborted();
    await describeContent(context);
    return result;
  } finally {
    await media.close();
  }
}

async function chooseMimetype(
  media: MediaBytes,
  kind: MediaKind,
  claimed: string | undefined,
  warn: (message: string) => void,
): Promise<string> {
  const sniffed = await sniffMimetype(await media.read(0, SNIFF_BYTES));
  if (
    claimed !== undefined &&
    sniffed !== undefined &&
    baseMimetype(claimed) !== baseMimetype(sniffed)
  ) {
    warn(`The content is ${sniffed}, not ${claimed} as given`);
  }
  const family = FAMILIES[kind];
  if (sniffed !== undefined && family !== undefined && !sniffed.startsWith(`${family}/`)) {
    warn(`The content is ${sniffed}, which does not play as a ${kind} message`);
  }
  if (sniffed === undefined) return claimed ?? DEFAULT_MIMETYPES[kind];
  // Same type as claimed: keep the caller's parameters (e.g. codecs=…).
  return claimed !== undefined &&
    baseMimetype(claimed) === baseMimetype(sniffed) &&
    claimed.includes(';')
    ? claimed
    : sniffed;
}

async function describeContent(context: Context): Promise<void> {
  const { mimetype } = context;
  if (mimetype.startsWith('image/')) await describeImage(context);
  else if (mimetype.startsWith('video/')) await describeVideo(context);
  else if (mimetype.startsWith('audio/') || mimetype === 'application/ogg')
    await describeAudio(context);
  else if (mimetype === 'application/pdf') {
    const pageCount = await readPdfPageCount(context.media);
    if (pageCount !== undefined) context.result.pageCount = pageCount;
  }
}

function wants(context: Context, option: 'thumbnail' | 'waveform'): boolean {
  const explicit = context.options[option];
  if (explicit !== undefined) return explicit;
  if (option === 'waveform') return context.kind === 'ptt';
  return context.kind !== 'sticker' && context.kind !== 'audio' && context.kind !== 'ptt';
}

async function describeImage(context: Context): Promise<void> {
  const { media, result, mimetype } = context;
  const input = media.bytes ?? (await media.path());
  const size = HEADER_IMAGES.has(mimetype)
    ? await readImageHeader(media, mimetype)
    : { ...(await sharpDimensions(input)), animated: false };
  result.width = size.width;
  result.height = size.height;
  if (mimetype === 'image/webp' || mimetype === 'image/gif' || size.animated) {
    result.animated = size.animated;
  }
  context.checkAborted();
  if (wants(context, 'thumbnail')) result.jpegThumbnail = await jpegThumbnail(input, size);
}

async function describeVideo(context: Context): Promise<void> {
  const { media, result, mimetype } = context;
  let header: VideoHeader = {};
  if (MP4_VIDEOS.has(mimetype)) header = await readMp4(media);
  else if (mimetype === 'video/webm' || mimetype === 'video/x-matroska')
    header = await readWebm(media);
  if (header.width !== undefined && header.height !== undefined) {
    result.width = header.width;
    result.height = header.height;
  }
  if (header.duration !== undefined) setDuration(result, header.duration);
  context.checkAborted();
  if (!wants(context, 'thumbnail')) return;
  const thumbnail = await videoFrameThumbnail(await media.path(), {
    ...(context.options.ffmpegPath === undefined ? {} : { ffmpegPath: context.options.ffmpegPath }),
    ...(context.options.ffmpegTimeoutMs === undefined
      ? {}
      : { timeoutMs: context.options.ffmpegTimeoutMs }),
    ...(context.options.signal === undefined ? {} : { signal: context.options.signal }),
  });
  if (thumbnail !== undefined) result.jpegThumbnail = thumbnail;
}

async function describeAudio(context: Context): Promise<void> {
  const { media, result, mimetype } = context;
  const wantsWaveform = wants(context, 'waveform');
  if (mimetype === 'audio/ogg' || mimetype === 'application/ogg') {
    const ogg = await readOgg(media);
    if (ogg.duration !== undefined) setDuration(result, ogg.duration);
    if (context.kind === 'ptt' && ogg.codec !== 'opus') {
      context.warn('Voice notes should be Ogg Opus: phones may not play this one');
    }
    context.checkAborted();
    if (wantsWaveform && ogg.codec === 'opus' && ogg.samples !== undefined && ogg.samples > 0) {
      const waveform = await opusWaveform(media, ogg.samples, context.options.signal);
      if (waveform !== undefined) result.waveform = waveform;
    } else if (wantsWaveform) {
      context.warn('No waveform: it is computed from Ogg Opus audio only');
    }
    return;
  }
  const duration = await readAudioDuration(media, mimetype);
  if (duration !== undefined) setDuration(result, duration);
  if (context.kind === 'ptt')
    context.warn('Voice notes should be Ogg Opus: phones may not play this one');
  if (wantsWaveform) context.warn('No waveform: it is computed from Ogg Opus audio only');
}

function setDuration(result: MediaDescription, duration: number): void {
  if (!Number.isFinite(duration) || duration <= 0) return;
  if (duration > 2 ** 32) throw new UnreadableMediaError('The duration is out of range');
  result.duration = duration;
  result.seconds = Math.max(1, Math.round(duration));
}
