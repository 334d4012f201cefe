// Turning whatever the caller gives into something the upload can read twice: once to hash
// (the token is the blob's SHA-256 and must be in the URL before the body), once to send.
// Re-readable sources (bytes, Blob, files) are simply read twice; one-shot streams are spooled.

import { ClientArgumentError } from '../errors.js';
import { withAbort } from '../internal/abort.js';
import type { TransferControl } from '../transfers/transfer.js';

/**
 * A source that can be read again from the start, as many times as needed (e.g. a file).
 * `@wa-media/client/node` has `fileSource(path)`.
 */
export interface ReopenableSource {
  /** Byte length, when known. */
  readonly size?: number;
  /** A fresh reader from byte 0. */
  open(): AsyncIterable<Uint8Array>;
}

/**
 * What `upload` accepts: bytes, a `Blob` (or `File`), a {@link ReopenableSource} such as
 * `fileSource(path)` from `@wa-media/client/node`, or a one-shot `ReadableStream` /
 * `AsyncIterable` (spooled first; see {@link UploadSpool}).
 */
export type UploadSource =
  | Uint8Array
  | Blob
  | ReopenableSource
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

/** Where a one-shot stream is kept while it is hashed, so it can be sent afterwards. */
export interface UploadSpool {
  /** Starts a spool; write every chunk, then `finish()`. */
  create(): Promise<SpoolWriter>;
}

/** One spool in progress. */
export interface SpoolWriter {
  /** Appends the next bytes of the stream. */
  write(chunk: Uint8Array): Promise<void> | void;
  /** The spooled bytes as a re-readable source, and a way to free them. */
  finish(): Promise<
    ReopenableSource & {
      /** Frees the spooled bytes (deletes the temp file). */
      dispose(): Promise<void>;
    }
  >;
  /** Frees what was spooled after a failure. */
  abort(): Promise<void>;
}

/**
 * Keeps one-shot streams in memory (the default outside Node). On Node prefer
 * `tempFileSpool()` from `@wa-media/client/node`, which keeps memory constant.
 * Never throws (running out of memory aside).
 */
export function memorySpool(): UploadSpool {
  return {
    async create(): Promise<SpoolWriter> {
      let chunks: Uint8Array[] = [];
      let size = 0;
      return {
        write(chunk) {
          // Copy: the producer may reuse its buffer.
          chunks.push(chunk.slice());
          size += chunk.length;
        },
        async finish() {
          const kept = chunks;
          return {
            size,
            async *open() {
              yield* kept;
            },
            async dispose() {
              chunks = [];
            },
          };
        },
        async abort() {
          chunks = [];
        },
      };
    },
  };
}

/** A re-readable view of the source, or `undefined` for a one-shot stream. */
export function asReopenable(source: UploadSource): ReopenableSource | Uint8Array | undefined {
  if (source instanceof Uint8Array) return source;
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const blob = source;
    return { size: blob.size, open: () => iterateStream(blob.stream()) };
  }
  if (isReopenable(source)) return source;
  if (isReadableStream(source) || isAsyncIterable(source)) return undefined;
  throw new ClientArgumentError(
    'source',
    'must be a Uint8Array, Blob, ReadableStream, AsyncIterable or { open() } source',
  );
}

/** Reads a one-shot source once. */
export function iterateOnce(source: UploadSource): AsyncIterable<Uint8Array> {
  if (isReadableStream(source)) return iterateStream(source);
  return source as AsyncIterable<Uint8Array>;
}

function isReopenable(value: unknown): value is ReopenableSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ReopenableSource).open === 'function'
  );
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ReadableStream).getReader === 'function'
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function'
  );
}

/**
 * A stream as an async iterator whose `return()` cancels the reader at once, even while a read
 * is pending (an async generator would queue `return()` behind a read that may never settle).
 */
function iterateStream(stream: ReadableStream<Uint8Array>): AsyncIterableIterator<Uint8Array> {
  const reader = stream.getReader();
  let closed = false;
  const close = async (): Promise<IteratorReturnResult<undefined>> => {
    if (!closed) {
      closed = true;
      await reader.cancel().catch(() => {});
      try {
        reader.releaseLock();
      } catch {
        // Already released.
      }
    }
    return { done: true, value: undefined };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<Uint8Array>> {
      if (closed) return { done: true, value: undefined };
      const { done, value } = await reader.read();
      if (done) return close();
      return { done: false, value };
    },
    return: close,
  };
}

const ABORTED: unique symbol = Symbol('aborted');

/** `promise`, or {@link ABORTED} as soon as `signal` aborts (the promise is left running). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  return withAbort(promise, signal).catch((error: unknown) => {
    if (signal.aborted && error === signal.reason) return ABORTED;
    throw error;
  });
}

/**
 * Reads the caller's source so that a read that never settles cannot hold a cancelled transfer:
 * every read is raced against the transfer's signal. Paused, the pending read is kept and
 * awaited again after `resume()`; cancelled, the source is stopped (`return()`: a stream's reader
 * is cancelled) without waiting for it, and `TransferCancelledError` is thrown.
 */
export async function* abortableReads(
  chunks: AsyncIterable<Uint8Array>,
  control: TransferControl,
): AsyncGenerator<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = iterator.next();
      let result: IteratorResult<Uint8Array> | typeof ABORTED;
      for (;;) {
        result = await raceAbort(next, control.signal);
        if (result !== ABORTED) break;
        // Waits while paused (the read stays pending), throws once cancelled.
        await control.checkpoint();
      }
      if (result.done === true) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) {
      // Not awaited: a stuck source must not hold the transfer.
      void Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
    }
  }
}

/** Checks each chunk is a Uint8Array (a string chunk would upload the wrong bytes). */
export function checkChunk(chunk: unknown): Uint8Array {
  if (!(chunk instanceof Uint8Array)) {
    throw new ClientArgumentError('source', 'must yield Uint8Array chunks');
  }
  return chunk;
}
