// The mimetype from the first bytes: a built-in table for the formats this package reads, then
// file-type (optional) for everything else.

import { tryLoadOptional } from './optional.js';

/** How many leading bytes sniffing looks at. */
export const SNIFF_BYTES = 4100;

function ascii(bytes: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

function hasByteString(bytes: Uint8Array, text: string, limit: number): boolean {
  const end = Math.min(bytes.length, limit) - text.length;
  for (let at = 0; at <= end; at++) if (ascii(bytes, at, text)) return true;
  return false;
}

function sniffOgg(head: Uint8Array): string {
  if (hasByteString(head, 'OpusHead', 128)) return 'audio/ogg; codecs=opus';
  if (hasByteString(head, '\x01vorbis', 128)) return 'audio/ogg';
  if (hasByteString(head, '\x80theora', 128)) return 'video/ogg';
  return 'application/ogg';
}

function sniffMp4(head: Uint8Array): string | undefined {
  if (!ascii(head, 4, 'ftyp')) return undefined;
  if (ascii(head, 8, 'M4A ') || ascii(head, 8, 'M4B ')) return 'audio/mp4';
  if (ascii(head, 8, 'heic') || ascii(head, 8, 'heix') || ascii(head, 8, 'mif1')) {
    return 'image/heic';
  }
  if (ascii(head, 8, 'avif')) return 'image/avif';
  if (ascii(head, 8, 'qt  ')) return 'video/quicktime';
  if (ascii(head, 8, '3gp')) return 'video/3gpp';
  return 'video/mp4';
}

function isMp3(head: Uint8Array): boolean {
  if (ascii(head, 0, 'ID3')) return true;
  // An MPEG audio frame sync: 11 set bits, layer III.
  return head.length >= 2 && head[0] === 0xff && ((head[1] ?? 0) & 0xe6) === 0xe2;
}

/** The mimetype of the formats read here, or `undefined`. Never throws. */
export function sniffBuiltIn(head: Uint8Array): string | undefined {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (ascii(head, 0, '\x89PNG\r\n\x1a\n')) return 'image/png';
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return 'image/gif';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'image/webp';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return 'audio/wav';
  if (ascii(head, 0, '%PDF-')) return 'application/pdf';
  if (ascii(head, 0, 'OggS')) return sniffOgg(head);
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return hasByteString(head, 'webm', 64) ? 'video/webm' : 'video/x-matroska';
  }
  const mp4 = sniffMp4(head);
  if (mp4 !== undefined) return mp4;
  if (ascii(head, 0, 'fLaC')) return 'audio/flac';
  if (isMp3(head)) return 'audio/mpeg';
  return undefined;
}

interface FileTypeModule {
  fileTypeFromBuffer(buffer: Uint8Array): Promise<{ mime: string } | undefined>;
}

/**
 * The mimetype sniffed from `head` (the first 4100 bytes are enough), or `undefined` when
 * neither the built-in table nor file-type (when installed) knows it.
 */
export async function sniffMimetype(head: Uint8Array): Promise<string | undefined> {
  const builtIn = sniffBuiltIn(head);
  if (builtIn !== undefined) return builtIn;
  const fileType = await tryLoadOptional<FileTypeModule>('file-type');
  if (fileType === undefined) return undefined;
  try {
    return (await fileType.fileTypeFromBuffer(head))?.mime;
  } catch {
    return undefined;
  }
}

/** `image/jpeg` of `image/jpeg; foo=bar`, lower-cased. */
export function baseMimetype(mimetype: string): string {
  return (mimetype.split(';')[0] ?? '').trim().toLowerCase();
}
