// Inline JPEG previews: longest side between 32 and 100 px (WhatsApp's inline sizes), at most
// 32 KiB, made with sharp (optional). Video frames come from ffmpeg (see ffmpeg.ts).

import { UnreadableMediaError } from './errors.js';
import { loadOptional } from './optional.js';

/** The largest inline thumbnail WhatsApp accepts comfortably. */
export const MAX_THUMBNAIL_BYTES: number = 32 * 1024;
/** Longest side of a preview. */
export const THUMBNAIL_MAX_SIDE: number = 100;
/** Shortest longest-side of a preview: smaller images are scaled up to it. */
export const THUMBNAIL_MIN_SIDE: number = 32;

interface SharpInstance {
  rotate(): SharpInstance;
  resize(options: { width: number; height: number; fit: 'inside' }): SharpInstance;
  flatten(options: { background: string }): SharpInstance;
  jpeg(options: { quality: number; mozjpeg?: boolean }): SharpInstance;
  metadata(): Promise<{
    width?: number;
    height?: number;
    autoOrient?: { width: number; height: number };
  }>;
  toBuffer(): Promise<Uint8Array>;
}
type Sharp = (
  input: string | Uint8Array,
  options?: { limitInputPixels?: number; failOn?: string; animated?: boolean },
) => SharpInstance;

/** Pixels above this are refused (decompression bombs): 16 384 × 16 384. */
const MAX_INPUT_PIXELS = 16_384 * 16_384;

async function loadSharp(): Promise<Sharp> {
  const module = await loadOptional<{ default: Sharp }>('sharp', 'The JPEG thumbnail');
  return module.default;
}

/** Target size: longest side clamped to [32, 100], aspect kept. */
export function thumbnailSize(width: number, height: number): { width: number; height: number } {
  const longest = Math.max(width, height);
  const side = Math.min(THUMBNAIL_MAX_SIDE, Math.max(THUMBNAIL_MIN_SIDE, longest));
  const scale = side / longest;
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** Displayed dimensions through sharp (formats the header reader does not know: HEIC, AVIF, TIFF…). */
export async function sharpDimensions(
  input: string | Uint8Array,
): Promise<{ width: number; height: number }> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new UnreadableMediaError('The image has no size');
    return { width, height };
  } catch (error) {
    if (error instanceof UnreadableMediaError) throw error;
    throw new UnreadableMediaError('The image cannot be decoded', error);
  }
}

/**
 * A JPEG preview of an image (its first frame), orientation applied.
 * @throws {MissingDependencyError} when sharp is not installed.
 * @throws {UnreadableMediaError} when sharp cannot decode the image.
 */
export async function jpegThumbnail(
  input: string | Uint8Array,
  displayed: { width: number; height: number },
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const size = thumbnailSize(displayed.width, displayed.height);
  try {
    for (const quality of [50, 35, 20]) {
      const jpeg = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
        .rotate()
        .resize({ ...size, fit: 'inside' })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality })
        .toBuffer();
      if (jpeg.length <= MAX_THUMBNAIL_BYTES) return new Uint8Array(jpeg);
    }
  } catch (error) {
    throw new UnreadableMediaError('The image cannot be decoded', error);
  }
  throw new UnreadableMediaError('No JPEG preview fits in 32 KiB');
}
