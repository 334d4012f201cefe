// The places a download writes to. Each can "reset" (forget everything written) or says it
// cannot, so the engine never leaves a half-written, unverified result behind.

import { MediaDownloadError } from '../errors.js';
import type { DownloadSink } from './download-engine.js';

/**
 * Where `downloadToWriter` writes. `write` receives plaintext in order. With `seek` and/or
 * `truncate` the writer is rewound to 0 and truncated before a retry from byte 0 and after a
 * failure; a writer without them cannot be restarted once written to (the download then fails
 * with `MediaDownloadError` code `not-rewindable`).
 */
export interface MediaWriter {
  /** Takes the next plaintext bytes (not yet verified: only `close` says they all passed). */
  write(chunk: Uint8Array): void | Promise<void>;
  /** Move the write position (always called with 0). */
  seek?(offset: number): void | Promise<void>;
  /** Cut the output to `length` bytes (always called with 0). */
  truncate?(length: number): void | Promise<void>;
  /**
   * Called once after every check passed; the transfer succeeds only when it resolved
   * (e.g. rename a temp file into place).
   */
  close?(): void | Promise<void>;
  /** Called once when the download failed or was cancelled (e.g. delete a temp file). */
  abort?(reason: unknown): void | Promise<void>;
}

/** Collects the plaintext in memory (the `download()` form). */
export class BytesSink implements DownloadSink {
  #chunks: Uint8Array[] = [];
  #length = 0;

  write(chunk: Uint8Array): void {
    // Copy: decryptor output may be a view into a reused buffer.
    this.#chunks.push(chunk.slice());
    this.#length += chunk.length;
  }

  reset(): void {
    this.#chunks = [];
    this.#length = 0;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** Wraps a caller's {@link MediaWriter}. */
export class WriterSink implements DownloadSink {
  readonly #writer: MediaWriter;
  #written = 0;
  /** Whether anything reached the writer since the last reset (a clean writer is left alone). */
  #dirty = false;

  constructor(writer: MediaWriter) {
    this.#writer = writer;
  }

  get bytesWritten(): number {
    return this.#written;
  }

  write(chunk: Uint8Array): void | Promise<void> {
    this.#dirty = true;
    const pending = this.#writer.write(chunk);
    // A synchronous writer costs no promise per chunk (the download's hot path).
    if (isPromiseLike(pending)) {
      return Promise.resolve(pending).then(() => {
        this.#written += chunk.length;
      });
    }
    this.#written += chunk.length;
  }

  async reset(): Promise<void> {
    if (!this.#dirty) return;
    const writer = this.#writer;
    if (writer.seek === undefined && writer.truncate === undefined) {
      if (this.#written === 0) return;
      throw new MediaDownloadError(
        'not-rewindable',
        'The download must restart from byte 0 but the writer has neither seek nor truncate',
      );
    }
    await writer.truncate?.(0);
    await writer.seek?.(0);
    this.#written = 0;
    this.#dirty = false;
  }
}

/**
 * Feeds a ReadableStream with backpressure. Bytes already handed to the consumer cannot be
 * taken back: a restart from 0 after that errors the stream.
 */
export class StreamSink implements DownloadSink {
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #pull: (() => void) | undefined;
  #emitted = 0;
  /** The transfer's current signal: a pause or cancel must not stay stuck waiting for a reader. */
  signal: (() => AbortSignal) | undefined;

  attach(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
  }

  pulled(): void {
    const pull = this.#pull;
    this.#pull = undefined;
    pull?.();
  }

  async write(chunk: Uint8Array): Promise<void> {
    const controller = this.#controller;
    if (controller === undefined) return;
    controller.enqueue(chunk.slice());
    this.#emitted += chunk.length;
    if ((controller.desiredSize ?? 1) <= 0) {
      const signal = this.signal?.();
      if (signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.#pull = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  reset(): void {
    if (this.#emitted === 0) return;
    throw new MediaDownloadError(
      'not-rewindable',
      'The download must restart from byte 0 but bytes were already streamed',
    );
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
