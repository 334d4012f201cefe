// Deterministic sample media for the demo: the same bytes on every machine, generated chunk by
// chunk (constant memory) and hashed on the way to disk.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** A generated sample file. */
export interface Sample {
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the file, base64. */
  readonly sha256: string;
}

const CHUNK = 1024 * 1024;

/** xorshift32 stream: fast, seedable, not cryptographic (it only has to be reproducible). */
function fillPseudoRandom(target: Uint8Array, state: { x: number }): void {
  const words = new Uint32Array(target.buffer, target.byteOffset, target.byteLength >>> 2);
  let x = state.x;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < target.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    target[i] = x & 0xff;
  }
  state.x = x;
}

/**
 * Writes `size` deterministic bytes to `path`, starting with `header` (e.g. an MP4 `ftyp` box
 * or a JPEG SOI marker, so the samples look like what they stand for).
 */
export async function writeSample(
  path: string,
  size: number,
  seed: number,
  header: Uint8Array,
): Promise<Sample> {
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  const state = { x: seed >>> 0 || 1 };
  try {
    const buffer = new Uint8Array(CHUNK);
    for (let offset = 0; offset < size; offset += CHUNK) {
      const length = Math.min(CHUNK, size - offset);
      const chunk = buffer.subarray(0, length);
      fillPseudoRandom(chunk, state);
      if (offset === 0) chunk.set(header.subarray(0, Math.min(header.length, length)));
      hash.update(chunk);
      await handle.write(chunk, 0, length);
    }
  } finally {
    await handle.close();
  }
  return { path, size, sha256: hash.digest('base64') };
}

/** An MP4 (`ftypisom`) header. */
export const MP4_HEADER: Uint8Array = new Uint8Array([
  0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 2, 0,
]);
/** A JPEG SOI + JFIF APP0 header. */
export const JPEG_HEADER: Uint8Array = new Uint8Array([
  0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1,
]);

/** SHA-256 of a file, base64, streaming. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('base64');
}
