/**
 * @wa-media/media-info — what WhatsApp media messages need to look right, read from the bytes:
 * dimensions, durations, JPEG previews, the voice-note waveform, PDF page counts, the sticker
 * animation flag and the real mimetype.
 *
 * Container headers (JPEG, PNG, GIF, WebP, MP4, WebM, Ogg, PDF) are read here without
 * dependencies; previews need sharp, waveforms ogg-opus-decoder, other audio durations
 * music-metadata, and unusual formats' sniffing file-type: all optional peer dependencies,
 * loaded on demand (a {@link MissingDependencyError} names the one missing). Video previews use
 * ffmpeg when it is on PATH.
 */

export {
  type DescribeOptions,
  describeMedia,
  type MediaDescription,
  type MediaKind,
} from './describe.js';
export {
  isMediaInfoError,
  MediaInfoError,
  type MediaInfoErrorCode,
  MissingDependencyError,
  UnreadableMediaError,
} from './errors.js';
export { WAVEFORM_SAMPLES } from './formats/waveform.js';
export { sniffMimetype } from './sniff.js';
export type { MediaSource, ReopenableMediaSource } from './source.js';
export { MAX_THUMBNAIL_BYTES, THUMBNAIL_MAX_SIDE, THUMBNAIL_MIN_SIDE } from './thumbnail.js';
