// A response body as the core hands it out. One `DownloadPump` owns the adapter's body and every
// guarantee (length checks, idle watchdog, progress, typed errors, freeing the connection); the
// two ways of reading it — `response.body` (a web stream) and `response.chunks()` (a plain async
// iterator, the fast path) — are thin views over it, and only one of them may take it.

import type { HttpError } from '../errors.js';
import type { TransferProgress } from '../types.js';
import { progressOf } from './progress.js';
import type { IdleWatchdog } from './watchdog.js';

/** The minimal pull interface the pump reads (see `BodySource` in define-client.ts). */
export interface PumpSource {
  read(): Promise<Uint8Array | null>;
  readBuffered?(): Uint8Array | null | undefined;
  cancel(reason?: unknown): void | Promise<void>;
}

/** What the pump needs from the request it belongs to. */
export interface PumpOptions {
  /** Declared `Content-Length` to hold the body to, or `null` (chunked, encoded, unknown). */
  readonly expected: number | null;
  readonly watchdog: IdleWatchdog;
  readonly onDownloadProgress: ((progress: TransferProgress) => void) | undefined;
  /** Turns a raw adapter failure into the request's typed error (and fails the request). */
  readonly toError: (raw: unknown) => HttpError;
  /** Runs the `beforeError` hooks. */
  readonly finalizeError: (error: HttpError) => Promise<HttpError>;
  /** Stops the request's timers and listeners. */
  readonly cleanup: () => void;
  /** The request's failure (abort, timeout), if any. */
  readonly failure: () => HttpError | null;
  readonly mismatch: (actual: number) => HttpError;
}

/** Result of one step: a chunk, `null` at the end, or a promise of either when we must wait. */
type Step = Uint8Array | null | Promise<Uint8Array | null>;

async function cancelQuietly(source: PumpSource, reason?: unknown): Promise<void> {
  try {
    await source.cancel(reason);
  } catch {
    // Best effort: the connection is being dropped anyway.
  }
}

/**
 * Reads the adapter's body one step at a time. `take()` returns a buffered chunk synchronously
 * (no promise while data flows) and a promise only when it has to wait for the network, which
 * is also the only time the idle watchdog runs: a slow consumer is not an idle network.
 */
export class DownloadPump {
  readonly #source: PumpSource;
  readonly #options: PumpOptions;
  #received = 0;
  #settled = false;
  /** The final (hook-processed) error once the body failed. */
  #error: Promise<unknown> | null = null;
  /** Told about a failure that happens while nobody is reading (abort, timeout). */
  onError: ((error: unknown) => void) | null = null;

  constructor(source: PumpSource, options: PumpOptions) {
    this.#source = source;
    this.#options = options;
  }

  /** `true` once the body ended, failed or was cancelled. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The next chunk, `null` at the end, or a promise of either. Failures reject (typed). */
  take(): Step {
    if (this.#settled) return this.#error ? this.#rejection() : null;
    let chunk: Uint8Array | null | undefined;
    try {
      chunk = this.#source.readBuffered?.();
    } catch (error) {
      return this.#fail(this.#options.toError(error));
    }
    return chunk === undefined ? this.#wait() : this.#accept(chunk);
  }

  /** Fails the body with `error` (after the `beforeError` hooks) and frees the connection. */
  fail(error: HttpError): void {
    void this.#fail(error).catch(() => undefined);
  }

  /** Discards the rest of the body and frees the connection. */
  async cancel(reason?: unknown): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    this.#options.cleanup();
    await cancelQuietly(this.#source, reason);
  }

  #wait(): Promise<Uint8Array | null> {
    const { watchdog, toError } = this.#options;
    watchdog.waiting();
    let pending: Promise<Uint8Array | null>;
    try {
      pending = this.#source.read();
    } catch (error) {
      return this.#fail(toError(error));
    }
    // `then` rather than an async function: one promise less per chunk that had to be awaited.
    return pending.then(
      (chunk) => {
        watchdog.progress();
        // Failed (abort, timeout) or cancelled while we waited.
        if (this.#settled) return this.#error ? this.#rejection() : null;
        return this.#accept(chunk);
      },
      (error: unknown) => {
        // A read that fails because we cancelled it is the end we asked for, not news.
        if (this.#settled && !this.#error) return null;
        return this.#fail(toError(error));
      },
    );
  }

  #accept(chunk: Uint8Array | null): Step {
    const options = this.#options;
    const failure = options.failure();
    if (failure) return this.#fail(failure);
    if (chunk === null) {
      if (options.expected !== null && this.#received !== options.expected) {
        return this.#fail(options.mismatch(this.#received));
      }
      this.#settled = true;
      options.cleanup();
      if (options.expected === null || this.#received === 0) {
        options.onDownloadProgress?.(progressOf(this.#received, this.#received));
      }
      return null;
    }
    this.#received += chunk.byteLength;
    if (options.expected !== null && this.#received > options.expected) {
      return this.#fail(options.mismatch(this.#received));
    }
    if (chunk.byteLength > 0) {
      options.onDownloadProgress?.(progressOf(this.#received, options.expected));
    }
    return chunk;
  }

  #fail(error: HttpError): Promise<never> {
    if (!this.#settled) {
      this.#settled = true;
      this.#options.cleanup();
      void cancelQuietly(this.#source, error);
      this.#error = this.#options.finalizeError(error).then(
        (final) => final,
        // A throwing beforeError hook replaces the error, as it would for request().
        (hookError: unknown) => hookError,
      );
      void this.#error.then((final) => this.onError?.(final));
    }
    return this.#rejection();
  }

  #rejection(): Promise<never> {
    return (this.#error ?? Promise.resolve(undefined)).then((final) => {
      throw final;
    });
  }
}

/**
 * Bytes the response stream may read ahead of its consumer. A little read-ahead lets network
 * reads overlap with the consumer's work (measured: ~10% faster on loopback than pulling on
 * demand) while memory stays bounded.
 */
const STREAM_READ_AHEAD_BYTES = 1024 * 1024;

/** `response.body`: the pump as a `ReadableStream` with 1 MiB read-ahead. */
export function pumpToStream(pump: DownloadPump): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        pump.onError = (error) => controller.error(error);
      },
      async pull(controller) {
        // One pull drains every chunk the adapter already buffered and waits on the network
        // only when nothing is.
        for (;;) {
          let chunk: Uint8Array | null;
          try {
            const step = pump.take();
            chunk = step instanceof Promise ? await step : step;
          } catch (error) {
            controller.error(error);
            return;
          }
          if (chunk === null) {
            try {
              controller.close();
            } catch {
              // Cancelled while this pull waited: nothing left to close.
            }
            return;
          }
          controller.enqueue(chunk);
          // Read-ahead full: the stream calls pull again once the consumer has taken some.
          if ((controller.desiredSize ?? 0) <= 0) return;
        }
      },
      cancel: (reason) => pump.cancel(reason),
    },
    { highWaterMark: STREAM_READ_AHEAD_BYTES, size: (chunk) => chunk.byteLength },
  );
}

/**
 * `response.chunks()`: the pump as a plain async iterator, with no stream machinery and no
 * read-ahead beyond what the adapter buffers. `return()` (a `break` out of `for await`)
 * discards the rest and frees the connection.
 */
export function pumpToIterator(pump: DownloadPump): AsyncIterableIterator<Uint8Array> {
  let inflight: Promise<IteratorResult<Uint8Array>> | null = null;
  let rejectWaiting: ((error: unknown) => void) | null = null;
  const done: IteratorResult<Uint8Array> = { done: true, value: undefined };
  // A failure (abort, timeout) ends a pending wait even if the adapter's read never settles.
  pump.onError = (error) => {
    inflight = null;
    rejectWaiting?.(error);
    rejectWaiting = null;
  };
  const next = (): Promise<IteratorResult<Uint8Array>> => {
    // Calls that overlap (not `for await`, which waits) are served in order.
    if (inflight) return inflight.then(next, next);
    const step = pump.take();
    if (!(step instanceof Promise)) {
      return Promise.resolve(step === null ? done : { done: false, value: step });
    }
    const pending = new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
      rejectWaiting = reject;
      step.then(
        (chunk) => {
          inflight = null;
          rejectWaiting = null;
          resolve(chunk === null ? done : { done: false, value: chunk });
        },
        (error: unknown) => {
          inflight = null;
          rejectWaiting = null;
          reject(error);
        },
      );
    });
    inflight = pending;
    return pending;
  };
  const iterator: AsyncIterableIterator<Uint8Array> = {
    next,
    return: async () => {
      await pump.cancel();
      return done;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * Hands a body to exactly one reader: `body` (the stream, created on first access and the same
 * object afterwards) or `chunks()` (once). The other then throws a `TypeError`.
 */
export class BodyClaim {
  #by: 'body' | 'chunks' | null = null;

  /** Who took the body so far. */
  get by(): 'body' | 'chunks' | null {
    return this.#by;
  }

  /** @throws {TypeError} `chunks()` already took the body. */
  claimBody(): void {
    if (this.#by === 'chunks') {
      throw new TypeError(
        'response.body is not available: this response body was already taken by response.chunks() (read a body through one of them only)',
      );
    }
    this.#by = 'body';
  }

  /** @throws {TypeError} `body` or an earlier `chunks()` already took the body. */
  claimChunks(): void {
    if (this.#by === 'body') {
      throw new TypeError(
        'response.chunks() is not available: this response body was already taken by response.body (read a body through one of them only)',
      );
    }
    if (this.#by === 'chunks') {
      throw new TypeError('response.chunks() can only be called once per response');
    }
    this.#by = 'chunks';
  }
}

/** The iterator of a body-less response (HEAD, 204, 304). */
export function emptyChunks(): AsyncIterableIterator<Uint8Array> {
  const iterator: AsyncIterableIterator<Uint8Array> = {
    next: () => Promise.resolve({ done: true, value: undefined }),
    return: () => Promise.resolve({ done: true, value: undefined }),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
