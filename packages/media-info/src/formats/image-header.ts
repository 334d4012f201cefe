// Image dimensions (as displayed: JPEG EXIF orientation applied) and the animation flag from the
// headers of JPEG, PNG, GIF and WebP, without decoding pixels. Pure and bounded.

import { UnreadableMediaError } from '../errors.js';
import type { MediaBytes } from '../source.js';

/** What an image header says. */
export interface ImageHeader {
  width: number;
  height: number;
  animated: boolean;
}

/** The JPEG scan reads markers up to this far into the file. */
const JPEG_SCAN_LIMIT = 4 * 1024 * 1024;

const u16be = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number): number => u16le(b, at) | ((b[at + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, at: number): number => u16be(b, at) * 65536 + u16be(b, at + 2);
const tag = (b: Uint8Array, at: number): string => String.fromCharCode(...b.subarray(at, at + 4));

function checked(width: number, height: number, animated: boolean, format: string): ImageHeader {
  if (!(width > 0 && height > 0)) throw new UnreadableMediaError(`${format} header has no size`);
  return { width, height, animated };
}

/**
 * Reads the header of a JPEG, PNG, GIF or WebP image.
 * @throws {UnreadableMediaError} when the header is missing or malformed.
 */
export async function readImageHeader(media: MediaBytes, mimetype: string): Promise<ImageHeader> {
  switch (mimetype) {
    case 'image/png':
      return readPng(media);
    case 'image/gif':
      return readGif(media);
    case 'image/webp':
      return readWebp(media);
    case 'image/jpeg':
      return readJpeg(media);
    default:
      throw new UnreadableMediaError(`No header reader for ${mimetype}`);
  }
}

async function readPng(media: MediaBytes): Promise<ImageHeader> {
  const head = await media.read(0, 33);
  if (tag(head, 12) !== 'IHDR') throw new UnreadableMediaError('PNG without IHDR');
  // APNG: an acTL chunk before the first IDAT.
  let animated = false;
  let at = 33;
  for (let chunks = 0; chunks < 64 && at + 8 <= media.size; chunks++) {
    const header = await media.read(at, 8);
    const type = tag(header, 4);
    if (type === 'acTL') animated = true;
    if (type === 'IDAT' || type === 'IEND' || animated) break;
    at += 12 + u32be(header, 0);
  }
  return checked(u32be(head, 16), u32be(head, 20), animated, 'PNG');
}

async function readGif(media: MediaBytes): Promise<ImageHeader> {
  const head = await media.read(0, 10);
  // Animated GIFs carry a looping (NETSCAPE2.0) extension or several graphic control blocks; a
  // look at the first 256 KiB is enough for the flag.
  const body = await media.read(0, 256 * 1024);
  let controls = 0;
  let looping = false;
  for (let i = 0; i + 3 < body.length && controls < 2 && !looping; i++) {
    if (body[i] === 0x21 && body[i + 1] === 0xf9 && body[i + 2] === 0x04) controls++;
    if (body[i] === 0x21 && body[i + 1] === 0xff && tag(body, i + 3) === 'NETS') looping = true;
  }
  return checked(u16le(head, 6), u16le(head, 8), looping || controls > 1, 'GIF');
}

async function readWebp(media: MediaBytes): Promise<ImageHeader> {
  const head = await media.read(0, 30);
  const chunk = tag(head, 12);
  if (chunk === 'VP8X') {
    const flags = head[20] ?? 0;
    return checked(1 + u24le(head, 24), 1 + u24le(head, 27), (flags & 0x02) !== 0, 'WebP');
  }
  if (chunk === 'VP8L') {
    if (head[20] !== 0x2f) throw new UnreadableMediaError('WebP VP8L without signature');
    const bits = (head[21] ?? 0) | ((head[22] ?? 0) << 8) | ((head[23] ?? 0) << 16);
    const width = 1 + (bits & 0x3fff);
    const height = 1 + (((bits >>> 14) | ((head[24] ?? 0) << 10)) & 0x3fff);
    return checked(width, height, false, 'WebP');
  }
  if (chunk === 'VP8 ') {
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) {
      throw new UnreadableMediaError('WebP VP8 without start code');
    }
    return checked(u16le(head, 26) & 0x3fff, u16le(head, 28) & 0x3fff, false, 'WebP');
  }
  throw new UnreadableMediaError('WebP without a VP8/VP8L/VP8X chunk');
}

/** EXIF orientations 5–8 turn the image a quarter: width and height swap on display. */
function exifOrientation(app1: Uint8Array): number {
  if (tag(app1, 0) !== 'Exif') return 1;
  const tiff = 6;
  const little = app1[tiff] === 0x49;
  const read16 = (at: number) => (little ? u16le(app1, tiff + at) : u16be(app1, tiff + at));
  const read32 = (at: number) =>
    little ? read16(at) + read16(at + 2) * 65536 : read16(at) * 65536 + read16(at + 2);
  const ifd = read32(4);
  const entries = read16(ifd);
  for (let i = 0; i < entries && i < 256; i++) {
    const entry = ifd + 2 + i * 12;
    if (tiff + entry + 12 > app1.length) break;
    if (read16(entry) === 0x0112) return read16(entry + 8);
  }
  return 1;
}

async function readJpeg(media: MediaBytes): Promise<ImageHeader> {
  let at = 2;
  let orientation = 1;
  const limit = Math.min(media.size, JPEG_SCAN_LIMIT);
  while (at + 4 <= limit) {
    const marker = await media.read(at, 4);
    if (marker[0] !== 0xff) throw new UnreadableMediaError('JPEG marker expected');
    const code = marker[1] ?? 0;
    if (code === 0xff) {
      at += 1; // fill byte
      continue;
    }
    const length = u16be(marker, 2);
    if (length < 2) throw new UnreadableMediaError('JPEG segment too short');
    if (code === 0xe1 && orientation === 1) {
      orientation = exifOrientation(await media.read(at + 4, Math.min(length - 2, 64 * 1024)));
    }
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc) {
      const sof = await media.read(at + 5, 4);
      const height = u16be(sof, 0);
      const width = u16be(sof, 2);
      const turned = orientation >= 5 && orientation <= 8;
      return checked(turned ? height : width, turned ? width : height, false, 'JPEG');
    }
    if (code === 0xda || code === 0xd9) break;
    at += 2 + length;
  }
  throw new UnreadableMediaError('JPEG without a frame header');
}
