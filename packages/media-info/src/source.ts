// Every input form becomes random-access bytes: a file is read where it lies, bytes are used as
// they are, and one-shot streams are spooled to a private temporary file (constant memory).

import { createReadStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaInfoError } from './errors.js';

/** A source that can be read again from the start (e.g. `fileSource(path)` of the client). */
export interface ReopenableMediaSource {
  /** Length in bytes, when known. */
  readonly size?: number;
  /** Reads the bytes from the start; called once per pass. */
  open(): AsyncIterable<Uint8Array>;
}

/**
 * What `describeMedia` reads: a file path or `file:` URL, bytes, a `Blob`, a re-readable
 * source, or a one-shot `ReadableStream` / async iterable of bytes (spooled to a temporary file).
 */
export type MediaSource =
  | string
  | URL
  | Uint8Array
  | Blob
  | ReopenableMediaSource
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

/** Random access to the media's bytes. */
export interface MediaBytes {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer only at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** The bytes from `offset` to the end, in chunks. */
  chunks(offset?: number): AsyncIterable<Uint8Array>;
  /** A file holding the bytes (spooled on first use for in-memory bytes). */
  path(): Promise<string>;
  /** The bytes themselves when they are in memory. */
  readonly bytes: Uint8Array | undefined;
  close(): Promise<void>;
}

const CHUNK = 64 * 1024;

function isReopenable(source: object): source is ReopenableMediaSource {
  return typeof (source as { open?: unknown }).open === 'function';
}

/**
 * Opens `source` for reading.
 * @throws {MediaInfoError} `invalid-argument` for an unsupported source, `too-large` past
 *   `maxBytes` while spooling a stream, `unreadable-media` when the file cannot be opened.
 */
export async function openMedia(source: MediaSource, maxBytes: number): Promise<MediaBytes> {
  if (source instanceof Uint8Array) return memoryBytes(source);
  if (typeof source === 'string' || source instanceof URL) {
    const path = source instanceof URL ? fileURLToPath(source) : source;
    return fileBytes(path, undefined);
  }
  if (typeof source !== 'object' || source === null) {
    throw new MediaInfoError(
      'invalid-argument',
      'source must be a path, bytes, a Blob or a stream',
    );
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return spool(source.stream() as unknown as AsyncIterable<Uint8Array>, maxBytes);
  }
  // Before `open()`: Node's fs.ReadStream has a (deprecated) open method of its own.
  if (Symbol.asyncIterator in source) return spool(source as AsyncIterable<Uint8Array>, maxBytes);
  if (isReopenable(source)) return spool(source.open(), maxBytes);
  if (typeof (source as ReadableStream).getReader === 'function') {
    return spool(readerChunks(source as ReadableStream<Uint8Array>), maxBytes);
  }
  throw new MediaInfoError('invalid-argument', 'source must be a path, bytes, a Blob or a stream');
}

async function* readerChunks(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function memoryBytes(bytes: Uint8Array): MediaBytes {
  let spooled: { dir: string; path: string } | undefined;
  return {
    size: bytes.length,
    bytes,
    async read(offset, length) {
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
    async *chunks(offset = 0) {
      for (let at = offset; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
    },
    async path() {
      if (spooled === undefined) {
        const dir = await privateDir();
        const path = join(dir, 'media');
        const handle = await open(path, 'wx', 0o600);
        try {
          await handle.writeFile(bytes);
        } finally {
          await handle.close();
        }
        spooled = { dir, path };
      }
      return spooled.path;
    },
    async close() {
      if (spooled !== undefined) await rm(spooled.dir, { recursive: true, force: true });
    },
  };
}

async function fileBytes(path: string, ownedDir: string | undefined): Promise<MediaBytes> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new MediaInfoError('unreadable-media', 'The media file cannot be opened', {
      cause: error,
    });
  }
  const { size } = await handle.stat();
  return {
    size,
    bytes: undefined,
    async read(offset, length) {
      const want = Math.max(0, Math.min(length, size - offset));
      const buffer = new Uint8Array(want);
      let done = 0;
      while (done < want) {
        const { bytesRead } = await handle.read(buffer, done, want - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer.subarray(0, done);
    },
    async *chunks(offset = 0) {
      if (offset >= size) return;
      for await (const chunk of createReadStream(path, { start: offset, highWaterMark: CHUNK })) {
        yield chunk as Uint8Array;
      }
    },
    async path() {
      return path;
    },
    async close() {
      await handle.close();
      if (ownedDir !== undefined) await rm(ownedDir, { recursive: true, force: true });
    },
  };
}

async function privateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'wa-media-info-'));
}

async function spool(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<MediaBytes> {
  const dir = await privateDir();
  const path = join(dir, 'media');
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      let total = 0;
      for await (const chunk of chunks) {
        if (!(chunk instanceof Uint8Array)) {
          throw new MediaInfoError('invalid-argument', 'stream chunks must be Uint8Array');
        }
        total += chunk.length;
        if (total > maxBytes) {
          throw new MediaInfoError('too-large', `The media is larger than maxBytes (${maxBytes})`);
        }
        await handle.write(chunk);
      }
    } finally {
      await handle.close();
    }
    return await fileBytes(path, dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
