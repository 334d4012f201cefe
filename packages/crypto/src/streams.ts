// The stream and async-iterable forms of encryption and decryption (web streams, any byte
// source), over the incremental encryptor and decryptor.

import { type DecryptedMediaInfo, MediaDecryptor, type MediaDecryptorOptions } from './decrypt.js';
import { MediaEncryptor, type MediaEncryptorOptions, type MediaInfo } from './encrypt.js';
import type { MediaType } from './media-types.js';

/** Anything the async helpers can read bytes from. */
export type ByteSource =
  | Uint8Array
  | Iterable<Uint8Array>
  | AsyncIterable<Uint8Array>
  | ReadableStream<Uint8Array>;

/** An encrypting `TransformStream` with the metadata available once it has flushed. */
export interface MediaEncryptStream extends TransformStream<Uint8Array, Uint8Array> {
  /** Resolves after the last output chunk; rejects if the stream errors or is aborted. */
  readonly info: Promise<MediaInfo>;
  /** The underlying encryptor (for `bytesIn` / `bytesOut`). */
  readonly encryptor: MediaEncryptor;
}

/** A verifying decrypting `TransformStream`. */
export interface MediaDecryptStream extends TransformStream<Uint8Array, Uint8Array> {
  /**
   * Resolves once everything is verified; rejects with a {@link MediaIntegrityError} (which
   * also errors the readable side) when a check fails.
   */
  readonly info: Promise<DecryptedMediaInfo>;
  /** The underlying decryptor (for `bytesIn` / `bytesOut`, or to resume on a new stream). */
  readonly decryptor: MediaDecryptor;
}

/** An async iterable of output chunks with the metadata available after the last one. */
export interface MediaEncryptIterable extends AsyncIterable<Uint8Array> {
  /** Resolves after the last chunk was yielded; rejects if iteration fails. */
  readonly info: Promise<MediaInfo>;
}

/** An async iterable of plaintext chunks, verified when iteration completes without throwing. */
export interface MediaDecryptIterable extends AsyncIterable<Uint8Array> {
  /** Resolves once everything is verified; rejects like the iteration does. */
  readonly info: Promise<DecryptedMediaInfo>;
}

// `cancel` is newer than TypeScript's DOM lib; runtimes that know it call it on abort.
type CancellableTransformer = Transformer<Uint8Array, Uint8Array> & {
  cancel?(reason: unknown): void;
};

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** One input chunk may wait while the previous one is being transformed (the default). */
const WRITABLE_STRATEGY: QueuingStrategy<Uint8Array> = { highWaterMark: 1 };
/**
 * Room for the (up to two) parts the encryptor makes of one input chunk, so enqueueing the
 * second does not flip backpressure on and off again (the decryptor makes one). Counted in
 * chunks, not bytes: a byte-size strategy costs a call per chunk and buys nothing here, since
 * at most one input chunk's output is queued.
 */
const READABLE_STRATEGY: QueuingStrategy<Uint8Array> = { highWaterMark: 2 };

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The stream/iteration reports the same failure; don't also report it as unhandled.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * A `TransformStream` that encrypts plaintext into the blob to upload (ciphertext ‖ mac).
 * Constant memory; `info` resolves when the stream has flushed.
 *
 * @throws {TypeError} / {RangeError} for bad options (see {@link MediaEncryptor}).
 * @example
 * ```ts
 * const encrypt = createEncryptStream('video');
 * const upload = fetch(url, { method: 'POST', body: file.stream().pipeThrough(encrypt), duplex: 'half' });
 * const { fileEncSha256 } = await encrypt.info;
 * ```
 */
export function createEncryptStream(
  type: MediaType,
  options: MediaEncryptorOptions = {},
): MediaEncryptStream {
  const encryptor = new MediaEncryptor(type, options);
  const info = deferred<MediaInfo>();
  const stream = new TransformStream<Uint8Array, Uint8Array>(
    <CancellableTransformer>{
      transform(chunk, controller) {
        let parts: Uint8Array[];
        try {
          parts = encryptor.updateParts(chunk);
        } catch (error) {
          info.reject(error);
          throw error;
        }
        // Enqueue the parts as they are: joining them would copy every chunk once more.
        for (let i = 0; i < parts.length; i++) controller.enqueue(parts[i]!);
      },
      flush(controller) {
        try {
          const result = encryptor.finalize();
          controller.enqueue(result.tail);
          info.resolve(result.info);
        } catch (error) {
          info.reject(error);
          throw error;
        }
      },
      cancel(reason: unknown) {
        info.reject(reason);
      },
    },
    WRITABLE_STRATEGY,
    READABLE_STRATEGY,
  );
  return Object.assign(stream, { info: info.promise, encryptor });
}

/**
 * A `TransformStream` that decrypts a blob and verifies it when the input ends: the readable
 * side errors with a {@link MediaIntegrityError} instead of closing when a check fails.
 * Chunks read before the end are unverified (see {@link MediaDecryptor}). Each input chunk
 * gives at most one output chunk, one chunk late (the latest chunk's plaintext waits in the
 * decryptor until the next shows it was not the last: {@link MediaDecryptor.updateDeferred}).
 * Pass an existing decryptor to continue it on a new connection; output still queued in a
 * stream whose pipe errored is lost, so resume only when `decryptor.bytesOut` equals the
 * bytes written.
 *
 * @throws {TypeError} / {RangeError} for bad options (see {@link MediaDecryptor}).
 * @example
 * ```ts
 * const decrypt = createDecryptStream({ type: 'video', mediaKey, fileSha256, fileEncSha256 });
 * await response.body.pipeThrough(decrypt).pipeTo(tempFileWritable);
 * await decrypt.info; // verified: now rename the temp file
 * ```
 */
export function createDecryptStream(
  options: MediaDecryptorOptions | MediaDecryptor,
): MediaDecryptStream {
  const decryptor = options instanceof MediaDecryptor ? options : new MediaDecryptor(options);
  const info = deferred<DecryptedMediaInfo>();
  const stream = new TransformStream<Uint8Array, Uint8Array>(
    <CancellableTransformer>{
      transform(chunk, controller) {
        let plain: Uint8Array;
        try {
          plain = decryptor.updateDeferred(chunk);
        } catch (error) {
          info.reject(error);
          throw error;
        }
        // One output per input chunk, not joined (the previous chunk's plaintext, released
        // now that this chunk shows it was not the last): half the enqueues of splitting it.
        if (plain.length > 0) controller.enqueue(plain);
      },
      flush(controller) {
        try {
          const result = decryptor.finalize();
          if (result.tail.length > 0) controller.enqueue(result.tail);
          info.resolve(result.info);
        } catch (error) {
          info.reject(error);
          throw error;
        }
      },
      cancel(reason: unknown) {
        info.reject(reason);
      },
    },
    WRITABLE_STRATEGY,
    READABLE_STRATEGY,
  );
  return Object.assign(stream, { info: info.promise, decryptor });
}

/**
 * `source` as something `for await` can read chunk by chunk, wrapped only when it has to be:
 * every wrapping async generator costs a promise per chunk.
 */
export function byteChunks(source: ByteSource): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  if (source instanceof Uint8Array) return [source];
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    return readChunks(source);
  }
  return source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

// Not every browser makes ReadableStream async-iterable yet; read it by hand.
async function* readChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array, void> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    // Stopped early (consumer broke off or failed): tell the source we are done with it.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * Encrypt an async (or sync) iterable of plaintext chunks, yielding the blob's chunks.
 *
 * @throws {TypeError} / {RangeError} for bad options, synchronously (see {@link MediaEncryptor}).
 * @example
 * ```ts
 * const blob = encryptIterable(createReadStream(path), 'document');
 * for await (const chunk of blob) await upload.write(chunk);
 * const { mediaKey, fileEncSha256 } = await blob.info;
 * ```
 */
export function encryptIterable(
  source: ByteSource,
  type: MediaType,
  options: MediaEncryptorOptions = {},
): MediaEncryptIterable {
  const encryptor = new MediaEncryptor(type, options);
  const info = deferred<MediaInfo>();
  async function* run(): AsyncGenerator<Uint8Array, void> {
    try {
      for await (const chunk of byteChunks(source)) {
        // An indexed loop, not `yield*`: no iterator object per chunk on the hot path.
        const parts = encryptor.updateParts(chunk);
        for (let i = 0; i < parts.length; i++) yield parts[i]!;
      }
      const result = encryptor.finalize();
      info.resolve(result.info);
      yield result.tail;
    } catch (error) {
      info.reject(error);
      throw error;
    } finally {
      info.reject(new Error('iteration stopped before the end'));
    }
  }
  return { [Symbol.asyncIterator]: run, info: info.promise };
}

/**
 * Decrypt an async (or sync) iterable of blob chunks, yielding plaintext; the iteration throws
 * a {@link MediaIntegrityError} at the end when a check fails. Chunks are unverified until the
 * iteration completes. Pass an existing decryptor to continue it.
 *
 * @throws {TypeError} / {RangeError} for bad options, synchronously (see {@link MediaDecryptor}).
 */
export function decryptIterable(
  source: ByteSource,
  options: MediaDecryptorOptions | MediaDecryptor,
): MediaDecryptIterable {
  const decryptor = options instanceof MediaDecryptor ? options : new MediaDecryptor(options);
  const info = deferred<DecryptedMediaInfo>();
  async function* run(): AsyncGenerator<Uint8Array, void> {
    try {
      for await (const chunk of byteChunks(source)) {
        // One output per input chunk, one chunk late (see MediaDecryptor.updateDeferred).
        const plain = decryptor.updateDeferred(chunk);
        if (plain.length > 0) yield plain;
      }
      const result = decryptor.finalize();
      info.resolve(result.info);
      if (result.tail.length > 0) yield result.tail;
    } catch (error) {
      info.reject(error);
      throw error;
    } finally {
      info.reject(new Error('iteration stopped before the end'));
    }
  }
  return { [Symbol.asyncIterator]: run, info: info.promise };
}
