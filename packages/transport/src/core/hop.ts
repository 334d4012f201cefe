// One hop: the request sent once, and everything that happens to it until its body ends. A
// `Hop` owns the transfer phase, the headers timer, the idle watchdog, the caller's abort and
// the first failure; whichever fires first fails the hop once, with a typed, redacted error.

import { describeCause, findErrorCode } from '../error-cause.js';
import {
  AbortError,
  ContentLengthMismatchError,
  type ErrorRequestInfo,
  HttpError,
  isHttpError,
  NetworkError,
  RangeMismatchError,
  TimeoutError,
  type TransferPhase,
} from '../errors.js';
import { redactUrl } from '../redact.js';
import type {
  ByteRange,
  ContentRange,
  HttpResponse,
  TimeoutOptions,
  TransferProgress,
} from '../types.js';
import type { BodySource, SendFunction, TransportResponse } from './adapter-contract.js';
import { DownloadPump } from './download-body.js';
import { progressOf } from './progress.js';
import { parseContentRange, partialRangeMatches } from './range.js';
import {
  createUploadSource,
  createUploadStream,
  type PreparedBody,
  type UploadSource,
} from './request-body.js';
import { createHttpResponse } from './response.js';
import { IdleWatchdog } from './watchdog.js';

/** What one hop sends, and whom it reports to. */
export interface HopInput {
  readonly send: SendFunction;
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: PreparedBody | null;
  readonly timeouts: Required<TimeoutOptions>;
  readonly signal: AbortSignal | undefined;
  /** Runs the `beforeError` hooks on an error about to be thrown. */
  readonly finalizeError: (error: HttpError) => Promise<HttpError>;
  readonly onUploadProgress: ((progress: TransferProgress) => void) | undefined;
  readonly onDownloadProgress: ((progress: TransferProgress) => void) | undefined;
  /** The range asked for, to check a 206 against. */
  readonly range: ByteRange | undefined;
  /** `true` when this hop follows a redirect. */
  readonly redirected: boolean;
  /** The adapter refuses private resolved addresses. */
  readonly publicAddressesOnly: boolean;
}

/** A hop's answer: the response (headers in, body still to read) and the time to headers. */
export interface HopResult {
  readonly response: HttpResponse;
  /** Milliseconds from sending to the response headers. */
  readonly durationMs: number;
}

/** The upload of a hop, in both shapes an adapter may read (it reads one). */
interface Upload {
  readonly source: UploadSource;
  readonly stream: ReadableStream<Uint8Array>;
}

/** Sends one hop; `run()` once. */
export class Hop {
  readonly #input: HopInput;
  readonly #controller = new AbortController();
  readonly #watchdog: IdleWatchdog;
  #phase: TransferPhase;
  #failure: HttpError | null = null;
  #headersTimer: ReturnType<typeof setTimeout> | null = null;
  // Set once headers arrived: a server may answer before the upload ends, and the late
  // end-of-upload must not start a headers timer nor an upload idle wait any more.
  #responded = false;
  #pump: DownloadPump | null = null;

  constructor(input: HopInput) {
    this.#input = input;
    this.#phase = input.body ? 'upload' : 'headers';
    const idleMs = input.timeouts.idleTimeoutMs;
    this.#watchdog = new IdleWatchdog(idleMs, () => {
      this.#fail(
        new TimeoutError({ request: this.#info(), phase: this.#phase, timeoutMs: idleMs }),
      );
    });
  }

  /**
   * Sends the hop and resolves once the response headers arrived and passed the checks.
   * @throws {HttpError} typed and already through the `beforeError` hooks.
   */
  async run(): Promise<HopResult> {
    this.#input.signal?.addEventListener('abort', this.#onUserAbort, { once: true });
    const upload = this.#startUpload();
    const startedAt = performance.now();
    const raw = await this.#send(upload);
    const durationMs = performance.now() - startedAt;
    this.#responded = true;
    this.#clearHeadersTimer();
    this.#watchdog.progress();
    if (this.#failure) {
      const failure = this.#failure;
      this.#cleanup();
      await cancelBody(raw.body, failure);
      throw await this.#input.finalizeError(failure);
    }
    this.#phase = 'download';
    return { response: await this.#receive(raw), durationMs };
  }

  #info(): ErrorRequestInfo {
    return { method: this.#input.method, url: this.#input.url, headers: this.#input.headers };
  }

  /** Records the first failure, aborts the adapter and fails a body nobody may be reading. */
  #fail(error: HttpError): HttpError {
    if (this.#failure) return this.#failure;
    this.#failure = error;
    this.#controller.abort(error);
    // An abort or timeout while nobody is reading still fails the body and frees the socket.
    this.#pump?.fail(error);
    return error;
  }

  readonly #onUserAbort = (): void => {
    this.#fail(
      new AbortError({
        request: this.#info(),
        phase: this.#phase,
        cause: this.#input.signal?.reason,
      }),
    );
  };

  /** A raw adapter failure as the hop's typed error (the first failure wins). */
  #toError(raw: unknown): HttpError {
    if (this.#failure) return this.#failure;
    if (isHttpError(raw)) return this.#fail(raw);
    const code = findErrorCode(raw);
    const detail = describeCause(raw);
    const { method, url } = this.#input;
    return this.#fail(
      new NetworkError(
        `Network error${code ? ` (${code})` : ''} during ${this.#phase} of ${method} ${redactUrl(url)}${detail ? `: ${detail}` : ''}`,
        { request: this.#info(), phase: this.#phase, cause: raw, ...(code ? { code } : {}) },
      ),
    );
  }

  #startHeadersTimer(): void {
    if (this.#responded) return;
    this.#phase = 'headers';
    const ms = this.#input.timeouts.headersTimeoutMs;
    if (ms > 0 && Number.isFinite(ms) && !this.#failure) {
      this.#headersTimer = setTimeout(() => {
        this.#fail(new TimeoutError({ request: this.#info(), phase: 'headers', timeoutMs: ms }));
      }, ms);
    }
  }

  #clearHeadersTimer(): void {
    if (this.#headersTimer !== null) clearTimeout(this.#headersTimer);
    this.#headersTimer = null;
  }

  /** Stops the timers and the abort listener. */
  readonly #cleanup = (): void => {
    this.#watchdog.stop();
    this.#clearHeadersTimer();
    this.#input.signal?.removeEventListener('abort', this.#onUserAbort);
  };

  /** Wraps the body (if any) so the watchdog, progress and length checks see every chunk. */
  #startUpload(): Upload | null {
    const body = this.#input.body;
    if (!body) {
      this.#startHeadersTimer();
      return null;
    }
    const total = body.contentLength;
    const { onUploadProgress, method, url } = this.#input;
    const watchdog = this.#watchdog;
    const source = createUploadSource(
      body,
      {
        onPull: () => watchdog.progress(),
        onChunk: (sent) => {
          if (!this.#responded) watchdog.waiting();
          onUploadProgress?.(progressOf(sent, total));
        },
        onDone: (sent) => {
          if (!this.#responded) watchdog.progress();
          if (total === null || sent === 0) onUploadProgress?.(progressOf(sent, sent));
          this.#startHeadersTimer();
        },
        onError: (problem) =>
          this.#fail(
            problem.kind === 'length'
              ? new ContentLengthMismatchError({
                  request: this.#info(),
                  direction: 'request',
                  expectedBytes: problem.expected,
                  actualBytes: problem.actual,
                })
              : new HttpError(
                  `Request body source failed during upload of ${method} ${redactUrl(url)}`,
                  { request: this.#info(), cause: problem.cause },
                ),
          ),
      },
      this.#controller.signal,
    );
    // Covers connecting: the adapter has not asked for bytes yet.
    watchdog.waiting();
    return { source, stream: createUploadStream(source) };
  }

  async #send(upload: Upload | null): Promise<TransportResponse> {
    const { method, url, headers, body } = this.#input;
    try {
      if (this.#input.signal?.aborted) this.#onUserAbort();
      if (this.#failure) throw this.#failure;
      return await this.#input.send({
        method,
        url,
        headers: {
          ...headers,
          ...(body?.contentLength != null ? { 'content-length': String(body.contentLength) } : {}),
        },
        body: upload?.stream ?? null,
        bodySource: upload?.source ?? null,
        contentLength: body?.contentLength ?? null,
        signal: this.#controller.signal,
        publicAddressesOnly: this.#input.publicAddressesOnly,
      });
    } catch (error) {
      const typed = this.#toError(error);
      this.#cleanup();
      // The adapter may hold the stream's reader (locked): cancel the source itself.
      await upload?.source.cancel(typed).catch(() => undefined);
      throw await this.#input.finalizeError(typed);
    }
  }

  /** Checks the answer's headers and puts its body behind a pump. */
  async #receive(raw: TransportResponse): Promise<HttpResponse> {
    const { method, url } = this.#input;
    const headers = raw.headers;
    const contentLength = parseLength(headers['content-length']);
    let range: ContentRange | null = null;
    if (raw.status === 206) {
      range = parseContentRange(headers['content-range']);
      // Partial bytes for another range than asked must never reach the caller.
      if (!partialRangeMatches(this.#input.range, range)) {
        this.#cleanup();
        await cancelBody(raw.body);
        throw await this.#input.finalizeError(
          new RangeMismatchError({
            request: this.#info(),
            requested: this.#input.range ?? null,
            received: range,
          }),
        );
      }
    }
    const encoded =
      headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity';
    const expected = encoded || method === 'HEAD' ? null : contentLength;
    if (raw.body && method !== 'HEAD' && raw.status !== 204 && raw.status !== 304) {
      this.#pump = this.#pumpOf(raw.body, expected);
    } else {
      this.#cleanup();
      await cancelBody(raw.body);
    }
    return createHttpResponse({
      status: raw.status,
      statusText: raw.statusText,
      headers,
      method,
      url,
      redirected: this.#input.redirected,
      contentLength,
      range,
      pump: this.#pump,
      abortReading: (reason) => {
        this.#fail(new AbortError({ request: this.#info(), phase: 'download', cause: reason }));
        this.#cleanup();
      },
    });
  }

  #pumpOf(body: ReadableStream<Uint8Array> | BodySource, expected: number | null): DownloadPump {
    return new DownloadPump(toBodySource(body), {
      expected,
      watchdog: this.#watchdog,
      onDownloadProgress: this.#input.onDownloadProgress,
      toError: (raw) => this.#toError(raw),
      finalizeError: this.#input.finalizeError,
      cleanup: this.#cleanup,
      failure: () => this.#failure,
      mismatch: (actual) =>
        new ContentLengthMismatchError({
          request: this.#info(),
          direction: 'response',
          expectedBytes: expected ?? 0,
          actualBytes: actual,
        }),
    });
  }
}

async function cancelBody(
  body: ReadableStream<Uint8Array> | BodySource | null,
  reason?: unknown,
): Promise<void> {
  try {
    await body?.cancel(reason);
  } catch {
    // Cancelling is best effort: the connection is being dropped anyway.
  }
}

function toBodySource(body: ReadableStream<Uint8Array> | BodySource): BodySource {
  if (!(body instanceof ReadableStream)) return body;
  const reader = body.getReader();
  return {
    read: async () => {
      const { done, value } = await reader.read();
      return done ? null : value;
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

function parseLength(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}
