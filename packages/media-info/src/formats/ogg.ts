// Ogg Opus/Vorbis duration from the first and last pages (the last page's granule position
// minus the Opus pre-skip), read by seeking: the pages between are never read.

import { UnreadableMediaError } from '../errors.js';
import type { MediaBytes } from '../source.js';

/** What the Ogg pages say. */
export interface OggHeader {
  codec: 'opus' | 'vorbis';
  /** Rate of the granule positions (48 000 for Opus). */
  granuleRate: number;
  /** Samples to drop at the start (Opus pre-skip). */
  preSkip: number;
  /** Decoded samples per channel (at granuleRate), when the last page was found. */
  samples?: number;
  /** Seconds, when the last page was found. */
  duration?: number;
}

/** The largest Ogg page: header 27 + 255 lacing values + 255 × 255 bytes. */
const MAX_PAGE = 27 + 255 + 255 * 255;

const u32le = (b: Uint8Array, at: number): number =>
  ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16)) + (b[at + 3] ?? 0) * 2 ** 24;

function isPageAt(data: Uint8Array, at: number): boolean {
  return (
    data[at] === 0x4f &&
    data[at + 1] === 0x67 &&
    data[at + 2] === 0x67 &&
    data[at + 3] === 0x53 &&
    data[at + 4] === 0
  );
}

/** The granule position of the page at `at` (low 53 bits are plenty), or -1 for "none". */
function granule(data: Uint8Array, at: number): number {
  const low = u32le(data, at + 6);
  const high = u32le(data, at + 10);
  if (high === 0xffffffff && low === 0xffffffff) return -1;
  return high * 2 ** 32 + low;
}

/**
 * Reads the codec header of the first page and the granule position of the last.
 * @throws {UnreadableMediaError} when the first page is not an Opus or Vorbis header page.
 */
export async function readOgg(media: MediaBytes): Promise<OggHeader> {
  const first = await media.read(0, 27 + 255 + 64);
  if (!isPageAt(first, 0)) throw new UnreadableMediaError('Not an Ogg stream');
  const serial = u32le(first, 14);
  const payload = 27 + (first[26] ?? 0);
  const text = String.fromCharCode(...first.subarray(payload, payload + 8));
  let header: OggHeader;
  if (text === 'OpusHead') {
    header = {
      codec: 'opus',
      granuleRate: 48_000,
      preSkip: (first[payload + 10] ?? 0) | ((first[payload + 11] ?? 0) << 8),
    };
  } else if (text.startsWith('\x01vorbis')) {
    const rate = u32le(first, payload + 12);
    if (rate === 0) throw new UnreadableMediaError('Vorbis header without a sample rate');
    header = { codec: 'vorbis', granuleRate: rate, preSkip: 0 };
  } else {
    throw new UnreadableMediaError('Ogg stream is neither Opus nor Vorbis');
  }
  const tailStart = Math.max(0, media.size - MAX_PAGE);
  const tail = await media.read(tailStart, media.size - tailStart);
  for (let at = tail.length - 27; at >= 0; at--) {
    if (!isPageAt(tail, at) || u32le(tail, at + 14) !== serial) continue;
    const position = granule(tail, at);
    if (position < 0) continue;
    const samples = Math.max(0, position - header.preSkip);
    header.samples = samples;
    header.duration = samples / header.granuleRate;
    break;
  }
  return header;
}
