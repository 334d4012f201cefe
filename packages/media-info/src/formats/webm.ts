// Duration and video dimensions of a WebM/Matroska file from its EBML elements: Segment's
// children are walked by seeking (clusters are skipped, never read); Info and Tracks are bounded.

import { UnreadableMediaError } from '../errors.js';
import type { MediaBytes } from '../source.js';
import type { VideoHeader } from './mp4.js';

const EBML = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TRACKS = 0x1654ae6b;
const CLUSTER = 0x1f43b675;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const TRACK_ENTRY = 0xae;
const TRACK_TYPE = 0x83;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;
const DISPLAY_WIDTH = 0x54b0;
const DISPLAY_HEIGHT = 0x54ba;

/** Info and Tracks larger than this are refused. */
const MAX_HEADER_ELEMENT = 1024 * 1024;
const MAX_SEGMENT_CHILDREN = 10_000;

interface Element {
  id: number;
  /** Offset of the payload. */
  start: number;
  /** Payload length; `undefined` for an unknown size. */
  size: number | undefined;
}

/** A variable-length integer at `at`: [value, length], or undefined when malformed. */
function vint(data: Uint8Array, at: number, keepMarker: boolean): [number, number] | undefined {
  const first = data[at];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23;
  if (at + length > data.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = data[at + i] ?? 0;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return [!keepMarker && allOnes ? -1 : value, length];
}

function parseElement(data: Uint8Array, at: number, base: number): Element | undefined {
  const id = vint(data, at, true);
  const size = id && vint(data, at + id[1], false);
  if (id === undefined || size === undefined) return undefined;
  return { id: id[0], start: base + at + id[1] + size[1], size: size[0] < 0 ? undefined : size[0] };
}

function elements(data: Uint8Array, from: number, to: number): Element[] {
  const list: Element[] = [];
  let at = from;
  while (at < to && list.length < 4096) {
    const element = parseElement(data, at, 0);
    if (element === undefined || element.size === undefined) break;
    if (element.start + element.size > to) break;
    list.push(element);
    at = element.start + element.size;
  }
  return list;
}

function uint(data: Uint8Array, element: Element): number {
  let value = 0;
  for (let i = 0; i < (element.size ?? 0) && i < 8; i++)
    value = value * 256 + (data[element.start + i] ?? 0);
  return value;
}

function float(data: Uint8Array, element: Element): number | undefined {
  const view = new DataView(data.buffer, data.byteOffset + element.start, element.size);
  if (element.size === 4) return view.getFloat32(0);
  if (element.size === 8) return view.getFloat64(0);
  return undefined;
}

function readInfo(data: Uint8Array, result: VideoHeader): void {
  let scale = 1_000_000;
  let duration: number | undefined;
  for (const element of elements(data, 0, data.length)) {
    if (element.id === TIMECODE_SCALE) scale = uint(data, element);
    if (element.id === DURATION) duration = float(data, element);
  }
  const seconds = duration === undefined ? Number.NaN : (duration * scale) / 1e9;
  if (Number.isFinite(seconds) && seconds > 0) result.duration = seconds;
}

function readTracks(data: Uint8Array, result: VideoHeader): void {
  for (const entry of elements(data, 0, data.length)) {
    if (entry.id !== TRACK_ENTRY || entry.size === undefined) continue;
    const fields = elements(data, entry.start, entry.start + entry.size);
    const type = fields.find((f) => f.id === TRACK_TYPE);
    const video = fields.find((f) => f.id === VIDEO);
    if (type === undefined || uint(data, type) !== 1 || video?.size === undefined) continue;
    const sizes = new Map<number, number>();
    for (const field of elements(data, video.start, video.start + video.size)) {
      sizes.set(field.id, uint(data, field));
    }
    const width = sizes.get(DISPLAY_WIDTH) ?? sizes.get(PIXEL_WIDTH);
    const height = sizes.get(DISPLAY_HEIGHT) ?? sizes.get(PIXEL_HEIGHT);
    if (width && height) {
      result.width = width;
      result.height = height;
      return;
    }
  }
}

/**
 * Reads a WebM/Matroska file's duration (Info) and first video track's size (Tracks).
 * @throws {UnreadableMediaError} when the EBML header or Segment is missing or malformed.
 */
export async function readWebm(media: MediaBytes): Promise<VideoHeader> {
  const head = await media.read(0, 64);
  const ebml = parseElement(head, 0, 0);
  if (ebml?.id !== EBML || ebml.size === undefined) throw new UnreadableMediaError('Not EBML');
  const segmentAt = ebml.start + ebml.size;
  const segment = parseElement(await media.read(segmentAt, 16), 0, segmentAt);
  if (segment?.id !== SEGMENT) throw new UnreadableMediaError('EBML without a Segment');
  const end = segment.size === undefined ? media.size : segment.start + segment.size;
  const result: VideoHeader = {};
  let at = segment.start;
  let seen = 0;
  for (let count = 0; count < MAX_SEGMENT_CHILDREN && at < end && seen < 2; count++) {
    const element = parseElement(await media.read(at, 16), 0, at);
    if (element === undefined || element.size === undefined) break;
    if (element.id === INFO || element.id === TRACKS) {
      if (element.size > MAX_HEADER_ELEMENT)
        throw new UnreadableMediaError('WebM header too large');
      const data = await media.read(element.start, element.size);
      if (element.id === INFO) readInfo(data, result);
      else readTracks(data, result);
      seen++;
    } else if (element.id === CLUSTER && seen === 0) {
      break; // media before any header: nothing more to learn cheaply
    }
    at = element.start + element.size;
  }
  return result;
}
