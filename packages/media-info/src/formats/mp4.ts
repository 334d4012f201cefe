// Duration and displayed video dimensions of an MP4/MOV/3GP file from its boxes: the top level is
// walked by seeking (mdat is never read), and only the moov box (bounded) is loaded.

import { UnreadableMediaError } from '../errors.js';
import type { MediaBytes } from '../source.js';

/** What a container says about a video. */
export interface VideoHeader {
  /** Seconds, when the container knows it. */
  duration?: number;
  width?: number;
  height?: number;
}

/** A moov box larger than this is refused (real ones are far smaller). */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;
const MAX_TOP_LEVEL_BOXES = 10_000;

const u32 = (b: Uint8Array, at: number): number =>
  (((b[at] ?? 0) << 24) >>> 0) +
  (((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0));
const u64 = (b: Uint8Array, at: number): number => u32(b, at) * 2 ** 32 + u32(b, at + 4);
const s32 = (b: Uint8Array, at: number): number => u32(b, at) | 0;
const type4 = (b: Uint8Array, at: number): string => String.fromCharCode(...b.subarray(at, at + 4));

interface Box {
  type: string;
  /** Offset of the payload. */
  start: number;
  /** Offset just past the box. */
  end: number;
}

/** The child boxes of `data[from, to)`; stops at the first malformed header. */
function children(data: Uint8Array, from: number, to: number): Box[] {
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= to && boxes.length < 4096) {
    let size = u32(data, at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) break;
      size = u64(data, at + 8);
      header = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < header || at + size > to) break;
    boxes.push({ type: type4(data, at + 4), start: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

async function findMoov(media: MediaBytes): Promise<Uint8Array> {
  let at = 0;
  for (let count = 0; count < MAX_TOP_LEVEL_BOXES && at + 8 <= media.size; count++) {
    const header = await media.read(at, 16);
    let size = u32(header, 0);
    const type = type4(header, 4);
    let headerLength = 8;
    if (size === 1) {
      size = u64(header, 8);
      headerLength = 16;
    } else if (size === 0) {
      size = media.size - at;
    }
    if (size < headerLength || !/^[\x20-\x7e]{4}$/.test(type)) break;
    if (type === 'moov') {
      if (size > MAX_MOOV_BYTES) throw new UnreadableMediaError('MP4 moov box is too large');
      const moov = await media.read(at, size);
      if (moov.length !== size) throw new UnreadableMediaError('MP4 moov box is truncated');
      return moov;
    }
    at += size;
  }
  throw new UnreadableMediaError('MP4 without a moov box');
}

function child(data: Uint8Array, box: Box, type: string): Box | undefined {
  return children(data, box.start, box.end).find((c) => c.type === type);
}

/** (duration in timescale units, timescale) of an mvhd or mdhd box. */
function timeOf(data: Uint8Array, box: Box): number | undefined {
  const version = data[box.start];
  const base = box.start + 4;
  const timescale = version === 1 ? u32(data, base + 16) : u32(data, base + 8);
  const duration = version === 1 ? u64(data, base + 20) : u32(data, base + 12);
  if (timescale === 0 || duration === 0 || duration === 0xffffffff) return undefined;
  return duration / timescale;
}

function videoTrackSize(
  data: Uint8Array,
  trak: Box,
): { width: number; height: number } | undefined {
  const mdia = child(data, trak, 'mdia');
  const hdlr = mdia && child(data, mdia, 'hdlr');
  if (hdlr === undefined || type4(data, hdlr.start + 8) !== 'vide') return undefined;
  const tkhd = child(data, trak, 'tkhd');
  if (tkhd === undefined) return undefined;
  const matrix = tkhd.start + (data[tkhd.start] === 1 ? 52 : 40);
  const width = Math.round(u32(data, matrix + 36) / 65536);
  const height = Math.round(u32(data, matrix + 40) / 65536);
  if (!(width > 0 && height > 0)) return undefined;
  // A matrix with a = 0 and b ≠ 0 turns the picture a quarter: displayed width and height swap.
  const quarterTurn = s32(data, matrix) === 0 && s32(data, matrix + 4) !== 0;
  return quarterTurn ? { width: height, height: width } : { width, height };
}

/**
 * Reads an MP4's duration (movie header, else the longest track) and the first video track's
 * displayed size.
 * @throws {UnreadableMediaError} when there is no well-formed moov box.
 */
export async function readMp4(media: MediaBytes): Promise<VideoHeader> {
  const moov = await findMoov(media);
  const root = children(moov, 0, moov.length)[0];
  if (root === undefined) throw new UnreadableMediaError('MP4 moov box is malformed');
  const result: VideoHeader = {};
  const mvhd = child(moov, root, 'mvhd');
  let duration = mvhd && timeOf(moov, mvhd);
  for (const trak of children(moov, root.start, root.end).filter((b) => b.type === 'trak')) {
    const size = result.width === undefined ? videoTrackSize(moov, trak) : undefined;
    if (size !== undefined) Object.assign(result, size);
    const mdia = child(moov, trak, 'mdia');
    const mdhd = mdia && child(moov, mdia, 'mdhd');
    const trackDuration = mdhd && timeOf(moov, mdhd);
    if (duration === undefined && trackDuration !== undefined) duration = trackDuration;
  }
  if (duration !== undefined && Number.isFinite(duration)) result.duration = duration;
  return result;
}
