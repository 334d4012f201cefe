// Request bodies: validation up front, then a pull-based stream per attempt that enforces the
// declared length, reports progress and never reads ahead of the connection (backpressure).

import type { HttpRequestBody } from '../types.js';

/** Slice size used to stream a `Uint8Array` body, so progress and idle checks stay granular. */
export const BYTES_BODY_SLICE: number = 64 * 1024;

/** A validated request body. */
export interface PreparedBody {
  /** Set for `Uint8Array` bodies: these can be re-sent on a 307/308 redirect. */
  readonly bytes: Uint8Array | null;
  readonly source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null;
  /** Exact length, or `null` when unknown (sent chunked). */
  readonly contentLength: number | null;
}

/**
 * Validates the body and its declared length.
 * @throws {TypeError} the body is not a Uint8Array, ReadableStream or AsyncIterable.
 * @throws {RangeError} `contentLength` is not a non-negative safe integer.
 */
export function prepareBody(
  body: HttpRequestBody | undefined,
  declaredLength: number | undefined,
): PreparedBody | null {
  if (
    declaredLength !== undefined &&
    (!Number.isSafeInteger(declaredLength) || declaredLength < 0)
  ) {
    throw new RangeError(
      `request.contentLength must be a non-negative safe integer, got ${String(declaredLength)}`,
    );
  }
  if (body === undefined || body === null) {
    if (declaredLength !== undefined && declaredLength !== 0) {
      throw new RangeError(
        `request.contentLength is ${declaredLength} but request.body is missing`,
      );
    }
    return null;
  }
  if (body instanceof Uint8Array) {
    return { bytes: body, source: null, contentLength: declaredLength ?? body.byteLength };
  }
  if (isReadableStream(body) || isAsyncIterable(body)) {
    return { bytes: null, source: body, contentLength: declaredLength ?? null };
  }
  throw new TypeError(
    'request.body must be a Uint8Array, a ReadableStream<Uint8Array> or an AsyncIterable<Uint8Array>',
  );
}

/** Callbacks the upload stream reports to. */
export interface UploadStreamEvents {
  /** The connection asked for the next chunk (so the previous one was accepted). */
  readonly onPull: () => void;
  /** A chunk was handed to the connection; `sent` is the running total. */
  readonly onChunk: (sent: number) => void;
  /** Every byte was handed over. */
  readonly onDone: (sent: number) => void;
  /** The body cannot be sent as declared (length mismatch, bad chunk, source failure). */
  readonly onError: (
    problem:
      | { readonly kind: 'length'; readonly expected: number; readonly actual: number }
      | { readonly kind: 'source'; readonly cause: unknown },
  ) => Error;
}

/** The request body as a plain pull source (what {@link createUploadStream} wraps). */
export interface UploadSource {
  /** The next chunk to send, or `null` once every byte was handed over. Throws typed errors. */
  read(): Promise<Uint8Array | null>;
  /** Releases the caller's source (file handle, generator). */
  cancel(reason?: unknown): Promise<void>;
}

/**
 * Reads the body only when the connection asks, so nothing is buffered beyond the chunk in
 * flight. When the declared length is reached, the source is read once more *before* handing
 * over the last chunk, so an over-long body fails the request while the server still misses
 * bytes (it can never see a complete, wrong body).
 */
export function createUploadSource(
  prepared: PreparedBody,
  events: UploadStreamEvents,
  signal: AbortSignal,
): UploadSource {
  const next = chunkSource(prepared);
  const expected = prepared.contentLength;
  let sent = 0;
  let finished = false;
  let closed = false;
  // On abort/timeout, release the caller's source (file handle, generator) right away instead
  // of waiting for the adapter to notice.
  const onAbort = (): void => {
    if (finished) return;
    finished = true;
    void next.cancel(signal.reason);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  /** Every byte was handed over: later reads report the end. */
  const finish = (): void => {
    finished = true;
    closed = true;
    signal.removeEventListener('abort', onAbort);
    events.onDone(sent);
  };
  return {
    async read() {
      if (closed) return null;
      if (finished) throw signal.reason;
      events.onPull();
      try {
        let chunk = await next.read();
        while (chunk !== null && chunk.byteLength === 0) chunk = await next.read();
        if (chunk === null) {
          if (expected !== null && sent !== expected) {
            throw events.onError({ kind: 'length', expected, actual: sent });
          }
          finish();
          return null;
        }
        const total = sent + chunk.byteLength;
        if (expected !== null && total > expected) {
          throw events.onError({ kind: 'length', expected, actual: total });
        }
        if (expected !== null && total === expected) {
          // Confirm the source is exhausted before the server gets its last byte.
          let extra = await next.read();
          while (extra !== null && extra.byteLength === 0) extra = await next.read();
          if (extra !== null) {
            throw events.onError({ kind: 'length', expected, actual: total + extra.byteLength });
          }
          sent = total;
          events.onChunk(sent);
          finish();
          return chunk;
        }
        sent = total;
        events.onChunk(sent);
        return chunk;
      } catch (error) {
        if (finished) {
          // Aborted while reading: the source is already being cancelled.
          throw signal.reason;
        }
        finished = true;
        signal.removeEventListener('abort', onAbort);
        await next.cancel(error);
        throw error instanceof Error &&
          (error as { name?: string }).name === 'ContentLengthMismatchError'
          ? error
          : events.onError({ kind: 'source', cause: error });
      }
    },
    async cancel(reason) {
      signal.removeEventListener('abort', onAbort);
      if (finished) return;
      finished = true;
      await next.cancel(reason);
    },
  };
}

/**
 * The upload source as a stream with `highWaterMark: 0` (see {@link createUploadSource}): for
 * adapters that take a `ReadableStream` body.
 */
export function createUploadStream(source: UploadSource): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const chunk = await source.read();
          if (chunk === null) controller.close();
          else controller.enqueue(chunk);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel: (reason) => source.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

interface ChunkSource {
  /** Next chunk, or `null` at the end. Throws a TypeError for chunks that are not bytes. */
  read(): Promise<Uint8Array | null>;
  cancel(reason: unknown): Promise<void>;
}

function chunkSource(prepared: PreparedBody): ChunkSource {
  if (prepared.bytes) {
    const bytes = prepared.bytes;
    let offset = 0;
    return {
      read: async () => {
        if (offset >= bytes.byteLength) return null;
        const end = Math.min(bytes.byteLength, offset + BYTES_BODY_SLICE);
        const slice = bytes.subarray(offset, end);
        offset = end;
        return slice;
      },
      cancel: async () => {
        offset = bytes.byteLength;
      },
    };
  }
  const source = prepared.source;
  if (isReadableStream(source)) {
    const reader = source.getReader();
    return {
      read: async () => {
        const { done, value } = await reader.read();
        return done ? null : checkChunk(value);
      },
      cancel: async (reason) => {
        await reader.cancel(reason).catch(() => undefined);
      },
    };
  }
  const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return {
    read: async () => {
      const result = await iterator.next();
      return result.done ? null : checkChunk(result.value);
    },
    cancel: async () => {
      await Promise.resolve(iterator.return?.()).catch(() => undefined);
    },
  };
}

function checkChunk(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new TypeError(
    `request.body produced a chunk that is not a Uint8Array (${Object.prototype.toString.call(value)})`,
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
