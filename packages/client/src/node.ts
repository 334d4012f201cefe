/**
 * `@wa-media/client/node` — the Node-only parts: files as upload sources, a temp-file spool
 * for one-shot streams, atomic `downloadToFile`, and `createNodeMediaClient` with those
 * defaults plus the node:http transport. Kept out of the main entry so browsers and workers
 * never import `node:fs`.
 *
 * @packageDocumentation
 */

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createNodeHttpClient } from '@wa-media/transport/node';
import {
  createMediaClient,
  type Downloadable,
  type DownloadOptions,
  type DownloadResult,
  type MediaClient,
  type MediaClientOptions,
} from './client.js';
import type { MediaWriter } from './download/sinks.js';
import type { Transfer } from './transfers/transfer.js';
import type { ReopenableSource, SpoolWriter, UploadSpool } from './upload/upload-source.js';

/**
 * Bytes per file read: one read per upload batch (1 MiB) halves the trips through the stream
 * machinery of 256 KiB reads, and the upload pass can then hand each read to WebCrypto as is.
 */
const FILE_READ_BYTES = 1024 * 1024;

/**
 * A file as a re-readable upload source: read twice (hash pass, then upload pass), never
 * loaded whole.
 * @throws {Error} the `fs.stat` error (e.g. `ENOENT`) when the file cannot be read; later read
 *   errors fail the upload with `MediaUploadError` `source-failed`.
 * @example
 * ```ts
 * await client.upload(await fileSource('video.mp4'), 'video');
 * ```
 */
export async function fileSource(path: string): Promise<ReopenableSource> {
  const { size } = await stat(path);
  return {
    size,
    open: () =>
      createReadStream(path, { highWaterMark: FILE_READ_BYTES }) as AsyncIterable<Uint8Array>,
  };
}

/** Options of {@link tempFileSpool}. */
export interface TempFileSpoolOptions {
  /** Directory for spool files. @default os.tmpdir() */
  directory?: string;
}

/**
 * Spools one-shot upload streams to a temp file (mode 0600, deleted when the upload ends).
 * Never throws itself; a spool file that cannot be created or written fails the upload with
 * `MediaUploadError` `source-failed`.
 */
export function tempFileSpool(options: TempFileSpoolOptions = {}): UploadSpool {
  return {
    async create(): Promise<SpoolWriter> {
      const path = join(
        options.directory ?? tmpdir(),
        `wa-media-spool-${randomBytes(8).toString('hex')}`,
      );
      const handle = await open(path, 'wx', 0o600);
      let size = 0;
      let closed = false;
      const close = async (): Promise<void> => {
        if (!closed) {
          closed = true;
          await handle.close();
        }
      };
      return {
        async write(chunk) {
          await writeAll(handle, chunk, size);
          size += chunk.length;
        },
        async finish() {
          await close();
          return {
            size,
            open: () =>
              createReadStream(path, {
                highWaterMark: FILE_READ_BYTES,
              }) as AsyncIterable<Uint8Array>,
            dispose: () => unlink(path).catch(() => {}),
          };
        },
        async abort() {
          await close().catch(() => {});
          await unlink(path).catch(() => {});
        },
      };
    },
  };
}

async function writeAll(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await handle.write(
      chunk,
      written,
      chunk.length - written,
      position + written,
    );
    written += bytesWritten;
  }
}

/**
 * A {@link MediaWriter} that writes `<dir>/.<name>.<random>.part` beside `path` and renames it
 * to `path` only after every check passed; on failure or cancel the temp file is deleted, so a
 * failed download leaves nothing.
 * @throws {Error} the `fs.open` error (e.g. `ENOENT` for a missing directory, `EACCES`).
 */
export async function atomicFileWriter(path: string): Promise<
  MediaWriter & {
    /** The temp file being written (renamed to `path` on success). */
    readonly tempPath: string;
  }
> {
  const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
  const handle = await open(tempPath, 'wx', 0o600);
  let position = 0;
  let closed = false;
  const closeHandle = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    tempPath,
    async write(chunk) {
      await writeAll(handle, chunk, position);
      position += chunk.length;
    },
    seek(offset) {
      position = offset;
    },
    async truncate(length) {
      await handle.truncate(length);
    },
    async close() {
      await handle.sync();
      await closeHandle();
      await rename(tempPath, path);
    },
    async abort() {
      await closeHandle().catch(() => {});
      await unlink(tempPath).catch(() => {});
    },
  };
}

/** A {@link MediaClient} with Node extras. */
export interface NodeMediaClient extends MediaClient {
  /**
   * Download, verify and write to `path` atomically (temp file beside it, renamed only after
   * every check passed; a failed or cancelled download leaves no file and no temp file).
   * @throws {MediaDownloadError} / {TransferCancelledError} through the transfer; file-system
   *   errors (temp file, rename) as `MediaDownloadError` `writer-failed` with the cause.
   */
  downloadToFile(
    message: Downloadable,
    path: string,
    options?: DownloadOptions,
  ): Transfer<DownloadResult>;
}

/**
 * {@link NodeMediaClient.downloadToFile} for any client.
 * @throws {MediaDownloadError} / {TransferCancelledError} through the transfer; file-system
 *   errors (temp file, rename) as `MediaDownloadError` `writer-failed` with the cause.
 * @throws {NoMediaError} / {UnsupportedMessageError} / {TransferStateError} at once, as
 *   `client.download`.
 */
export function downloadToFile(
  client: MediaClient,
  message: Downloadable,
  path: string,
  options: DownloadOptions = {},
): Transfer<DownloadResult> {
  // The writer needs an async open; a lazy writer keeps the Transfer synchronous to create.
  let writer: Promise<MediaWriter> | undefined;
  const get = (): Promise<MediaWriter> => {
    writer ??= atomicFileWriter(path);
    return writer;
  };
  const lazy: MediaWriter = {
    write: async (chunk) => (await get()).write(chunk),
    seek: async (offset) => (await get()).seek?.(offset),
    truncate: async (length) => (await get()).truncate?.(length),
    close: async () => (await get()).close?.(),
    abort: async (reason) => {
      if (writer !== undefined) await (await writer).abort?.(reason);
    },
  };
  return client.downloadToWriter(message, lazy, options);
}

/**
 * `createMediaClient` with Node defaults: `createNodeHttpClient()` transport, temp-file spool,
 * and `downloadToFile`. Never throws.
 * @example
 * ```ts
 * const client = createNodeMediaClient({ signaling: fromBaileysSocket(sock) });
 * await client.downloadToFile(message, './media/photo.jpg');
 * ```
 */
export function createNodeMediaClient(options: MediaClientOptions = {}): NodeMediaClient {
  const client = createMediaClient({
    ...options,
    http: options.http ?? createNodeHttpClient(),
    spool: options.spool ?? tempFileSpool(),
  });
  return Object.assign(client, {
    downloadToFile: (message: Downloadable, path: string, downloadOptions?: DownloadOptions) =>
      downloadToFile(client, message, path, downloadOptions),
  });
}
