// The adapter-neutral request pipeline. Adapters only implement `send` (one hop, bytes in and
// out); everything the product promises — validation, hooks, redirects, timeouts, progress,
// length checks, typed and redacted errors, freeing the connection — lives here once, so every
// adapter behaves the same.

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
  HttpClient,
  HttpClientConfig,
  HttpClientOptions,
  HttpRequest,
  HttpResponse,
  ResolvedRequest,
  TimeoutOptions,
  TransferProgress,
} from '../types.js';
import {
  BodyClaim,
  DownloadPump,
  emptyChunks,
  pumpToIterator,
  pumpToStream,
} from './download-body.js';
import { formatRangeHeader, parseContentRange } from './range.js';
import {
  createUploadSource,
  createUploadStream,
  type PreparedBody,
  prepareBody,
  type UploadSource,
} from './request-body.js';
import { IdleWatchdog } from './watchdog.js';

/** Default timeouts: 30 s for response headers, 30 s without any byte moving. */
export const DEFAULT_TIMEOUTS: Readonly<Required<TimeoutOptions>> = Object.freeze({
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
});

/** Default bound on redirects followed per request. */
export const DEFAULT_MAX_REDIRECTS = 5;

/** One hop as an adapter sees it: already validated, headers final, body wrapped. */
export interface TransportRequest {
  /** Upper-case method. */
  readonly method: string;
  /** The real URL of this hop (unredacted: never log it as is). */
  readonly url: URL;
  /** Lower-cased names. Includes `content-length` whenever the body length is known. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The body, or `null`. Pull it as the connection can take it (it never reads ahead); when it
   * errors, abort the request.
   */
  readonly body: ReadableStream<Uint8Array> | null;
  /**
   * The same body as a plain pull source (`read()` → chunk, or `null` at the end): cheaper than
   * the stream for adapters on a non-web stream. Read `body` or `bodySource`, never both.
   */
  readonly bodySource: RequestBodySource | null;
  /** Exact body length, or `null` to send chunked. */
  readonly contentLength: number | null;
  /**
   * Aborts on caller abort, timeouts and body errors. The adapter must then reject (before
   * headers) or error the response body (after), and destroy the connection.
   */
  readonly signal: AbortSignal;
}

/** A request body as a plain pull source (see {@link TransportRequest.bodySource}). */
export interface RequestBodySource {
  /** The next chunk to send, or `null` once every byte was handed over. Rejects on failure. */
  read(): Promise<Uint8Array | null>;
  /** Stops reading and releases the caller's source. */
  cancel(reason?: unknown): Promise<void>;
}

/**
 * A response body as a plain pull source: the cheaper alternative to a `ReadableStream` for
 * adapters that sit on a non-web stream (one web stream layer less per chunk).
 */
export interface BodySource {
  /** The next chunk, or `null` at the end. Rejects when the transfer fails. */
  read(): Promise<Uint8Array | null>;
  /**
   * Optional fast path: the next chunk if one is already buffered, `null` at the end, or
   * `undefined` when nothing is buffered yet (then call `read()`). Throws when the transfer
   * failed. Lets the response stream take every buffered chunk without a promise each.
   */
  readBuffered?(): Uint8Array | null | undefined;
  /**
   * Discards the rest and frees (or drops) the connection. A `read()` still pending must then
   * settle (with `null` or an error), as a web stream reader's does.
   */
  cancel(reason?: unknown): void | Promise<void>;
}

/** What an adapter returns for one hop. */
export interface TransportResponse {
  /** HTTP status code. */
  readonly status: number;
  /** HTTP reason phrase (`''` over HTTP/2). */
  readonly statusText: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body; cancelling it must free the connection. */
  readonly body: ReadableStream<Uint8Array> | BodySource | null;
}

/** Sends one hop. Do not follow redirects, do not throw on HTTP statuses. */
export type SendFunction = (request: TransportRequest) => Promise<TransportResponse>;

/** Input of {@link defineHttpClient}. */
export interface DefineHttpClientOptions<TExtra extends object> {
  /** Adapter name, shown as `client.name`. */
  readonly name: string;
  /** Sends one hop; the shared core does redirects, timeouts, progress and errors. */
  readonly send: SendFunction;
  /** The user's options (timeouts, default headers, redirects, hooks). */
  readonly options?: HttpClientOptions | undefined;
  /** @default true */
  readonly supportsStreaming?: boolean;
  /** Adapter-specific settings added to `client.config`. */
  readonly extraConfig?: TExtra;
}

/**
 * Builds an {@link HttpClient} from a one-hop `send` function: the way to plug in another
 * runtime or library while keeping every behaviour of the built-in adapters.
 *
 * @example
 * ```ts
 * const client = defineHttpClient({ name: 'mine', send: async (hop) => mySend(hop) });
 * ```
 * @throws {TypeError | RangeError} invalid `options` (negative timeouts, bad redirect bound).
 */
export function defineHttpClient<TExtra extends object = Record<never, never>>(
  definition: DefineHttpClientOptions<TExtra>,
): HttpClient<HttpClientConfig & TExtra> {
  const config = Object.freeze({
    ...resolveConfig(definition.options),
    ...(definition.extraConfig ?? ({} as TExtra)),
  });
  const send = definition.send;
  return {
    name: definition.name,
    config,
    supportsStreaming: definition.supportsStreaming ?? true,
    request: (request) => runRequest(config, send, request),
  };
}

function resolveConfig(options: HttpClientOptions = {}): HttpClientConfig {
  const timeouts = resolveTimeouts(DEFAULT_TIMEOUTS, options.timeouts, 'options.timeouts');
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  if (!Number.isSafeInteger(maxRedirects) || maxRedirects < 0) {
    throw new RangeError(
      `options.maxRedirects must be a non-negative integer, got ${String(maxRedirects)}`,
    );
  }
  return {
    timeouts,
    headers: Object.freeze(lowerCaseHeaders(options.headers ?? {}, 'options.headers')),
    maxRedirects,
    hooks: options.hooks ?? {},
  };
}

function resolveTimeouts(
  base: Required<TimeoutOptions>,
  override: TimeoutOptions | undefined,
  label: string,
): Required<TimeoutOptions> {
  const out = { ...base, ...override };
  for (const key of ['headersTimeoutMs', 'idleTimeoutMs'] as const) {
    const value = out[key];
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new RangeError(`${label}.${key} must be a non-negative number, got ${String(value)}`);
    }
  }
  return out;
}

function lowerCaseHeaders(
  headers: Readonly<Record<string, string>>,
  label: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') {
      throw new TypeError(`${label}["${name}"] must be a string, got ${typeof value}`);
    }
    out[name.toLowerCase()] = value;
  }
  return out;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

async function runRequest(
  config: HttpClientConfig,
  send: SendFunction,
  request: HttpRequest,
): Promise<HttpResponse> {
  // --- Validation: everything that can be wrong with the input fails before any I/O.
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new TypeError(
      `request.url is not a valid absolute URL: ${redactUrl(String(request.url))}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`request.url must use http: or https:, got ${url.protocol}`);
  }
  let method = (request.method ?? 'GET').toUpperCase();
  if (!/^[A-Z!#$%&'*+.^_`|~0-9-]+$/.test(method)) {
    throw new TypeError(`request.method is not a valid HTTP method: ${JSON.stringify(method)}`);
  }
  const timeouts = resolveTimeouts(config.timeouts, request.timeouts, 'request.timeouts');
  const headers: Record<string, string> = {
    // Media bytes are already compressed; identity keeps byte counts and ranges exact.
    'accept-encoding': 'identity',
    ...config.headers,
    ...lowerCaseHeaders(request.headers ?? {}, 'request.headers'),
  };
  let declared = request.contentLength;
  const headerLength = headers['content-length'];
  if (headerLength !== undefined) {
    const parsed = /^\d+$/.test(headerLength.trim()) ? Number(headerLength.trim()) : Number.NaN;
    if (Number.isNaN(parsed) || (declared !== undefined && declared !== parsed)) {
      throw new RangeError(
        `request.headers["content-length"] (${headerLength}) conflicts with request.contentLength or is not a number`,
      );
    }
    declared = parsed;
  }
  let body: PreparedBody | null = prepareBody(request.body, declared);
  if (body?.bytes && body.contentLength !== body.bytes.byteLength) {
    throw new ContentLengthMismatchError({
      request: { method, url, headers },
      direction: 'request',
      expectedBytes: body.contentLength ?? 0,
      actualBytes: body.bytes.byteLength,
    });
  }
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  if (request.range) headers.range = formatRangeHeader(request.range);
  if ((method === 'GET' || method === 'HEAD') && body) {
    throw new TypeError(`request.body is not allowed with method ${method}`);
  }

  const hooks = config.hooks;
  const signal = request.signal;
  const info = (): ErrorRequestInfo => ({ method, url, headers });
  const finalizeError = async (error: HttpError): Promise<HttpError> => {
    let current = error;
    for (const hook of hooks.beforeError ?? []) {
      const replaced = await hook({ request: resolved(), error: current });
      if (replaced) current = replaced;
    }
    return current;
  };
  const resolved = (): ResolvedRequest => ({
    method,
    url,
    headers,
    contentLength: body?.contentLength ?? null,
    hasBody: body !== null,
  });

  if (signal?.aborted) {
    throw await finalizeError(
      new AbortError({ request: info(), phase: 'headers', cause: signal.reason }),
    );
  }

  let bodyUsed = false;
  for (let redirectCount = 0; ; redirectCount++) {
    const requestState = resolved();
    for (const hook of hooks.beforeRequest ?? []) {
      await hook({ request: requestState, redirectCount });
    }
    if (body && !body.bytes && bodyUsed) {
      throw await finalizeError(
        new NetworkError(
          `Cannot re-send a streamed request body to follow a redirect of ${method} ${redactUrl(url)}; pass a Uint8Array body or use redirect: 'manual'`,
          { request: info(), phase: 'headers' },
        ),
      );
    }
    bodyUsed = body !== null;
    const hop = await sendHop({
      send,
      method,
      url,
      headers,
      body,
      timeouts,
      signal,
      info,
      finalizeError,
      onUploadProgress: request.onUploadProgress,
      onDownloadProgress: request.onDownloadProgress,
      range: request.range,
      redirected: redirectCount > 0,
    });

    const location = hop.response.headers.location;
    if (
      (request.redirect ?? 'follow') === 'follow' &&
      REDIRECT_STATUSES.has(hop.response.status) &&
      location !== undefined
    ) {
      await hop.response.cancel();
      if (redirectCount >= config.maxRedirects) {
        throw await finalizeError(
          new NetworkError(`Too many redirects (more than ${config.maxRedirects})`, {
            request: info(),
            phase: 'headers',
          }),
        );
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch (cause) {
        throw await finalizeError(
          new NetworkError('Redirect with an invalid Location header', {
            request: info(),
            phase: 'headers',
            cause,
          }),
        );
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw await finalizeError(
          new NetworkError(`Redirect to unsupported protocol ${next.protocol}`, {
            request: info(),
            phase: 'headers',
          }),
        );
      }
      if (next.origin !== url.origin) {
        // Credentials were meant for the original host only.
        for (const name of CREDENTIAL_HEADERS) delete headers[name];
      }
      const status = hop.response.status;
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = null;
        bodyUsed = false;
      }
      url = next;
      continue;
    }
    // Not a spread copy: `body` is a getter that hands the body out (see sendHop).
    const response = hop.response;
    for (const hook of hooks.afterResponse ?? []) {
      await hook({ request: resolved(), response, durationMs: hop.durationMs });
    }
    return response;
  }
}

interface HopInput {
  readonly send: SendFunction;
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: PreparedBody | null;
  readonly timeouts: Required<TimeoutOptions>;
  readonly signal: AbortSignal | undefined;
  readonly info: () => ErrorRequestInfo;
  readonly finalizeError: (error: HttpError) => Promise<HttpError>;
  readonly onUploadProgress: ((progress: TransferProgress) => void) | undefined;
  readonly onDownloadProgress: ((progress: TransferProgress) => void) | undefined;
  /** The range asked for, to check a 206 against. */
  readonly range: ByteRange | undefined;
  /** `true` when this hop follows a redirect. */
  readonly redirected: boolean;
}

function progressOf(transferred: number, total: number | null): TransferProgress {
  return {
    transferredBytes: transferred,
    totalBytes: total,
    percent: total === null ? null : total === 0 ? 1 : transferred / total,
  };
}

async function sendHop(input: HopInput): Promise<{ response: HttpResponse; durationMs: number }> {
  const { timeouts, signal, info } = input;
  const controller = new AbortController();
  let phase: TransferPhase = input.body ? 'upload' : 'headers';
  let failure: HttpError | null = null;
  let headersTimer: ReturnType<typeof setTimeout> | null = null;
  let errorDownload: ((error: HttpError) => void) | null = null;

  const fail = (error: HttpError): HttpError => {
    if (failure) return failure;
    failure = error;
    controller.abort(error);
    errorDownload?.(error);
    return error;
  };
  const onUserAbort = (): void => {
    fail(new AbortError({ request: info(), phase, cause: signal?.reason }));
  };
  const watchdog = new IdleWatchdog(timeouts.idleTimeoutMs, () => {
    fail(new TimeoutError({ request: info(), phase, timeoutMs: timeouts.idleTimeoutMs }));
  });
  // Set once headers arrived: a server may answer before the upload ends, and the late
  // end-of-upload must not start a headers timer nor an upload idle wait any more.
  let responded = false;
  const startHeadersTimer = (): void => {
    if (responded) return;
    phase = 'headers';
    const ms = timeouts.headersTimeoutMs;
    if (ms > 0 && Number.isFinite(ms) && !failure) {
      headersTimer = setTimeout(() => {
        fail(new TimeoutError({ request: info(), phase: 'headers', timeoutMs: ms }));
      }, ms);
    }
  };
  const cleanup = (): void => {
    watchdog.stop();
    if (headersTimer !== null) clearTimeout(headersTimer);
    headersTimer = null;
    signal?.removeEventListener('abort', onUserAbort);
  };
  signal?.addEventListener('abort', onUserAbort, { once: true });

  const toError = (raw: unknown): HttpError => {
    if (failure) return failure;
    if (isHttpError(raw)) return fail(raw);
    const code = findCode(raw);
    const detail = describeCause(raw);
    return fail(
      new NetworkError(
        `Network error${code ? ` (${code})` : ''} during ${phase} of ${input.method} ${redactUrl(input.url)}${detail ? `: ${detail}` : ''}`,
        { request: info(), phase, cause: raw, ...(code ? { code } : {}) },
      ),
    );
  };

  let uploadSource: UploadSource | null = null;
  let uploadStream: ReadableStream<Uint8Array> | null = null;
  if (input.body) {
    const total = input.body.contentLength;
    const onUploadProgress = input.onUploadProgress;
    uploadSource = createUploadSource(
      input.body,
      {
        onPull: () => watchdog.progress(),
        onChunk: (sent) => {
          if (!responded) watchdog.waiting();
          onUploadProgress?.(progressOf(sent, total));
        },
        onDone: (sent) => {
          if (!responded) watchdog.progress();
          if (total === null || sent === 0) onUploadProgress?.(progressOf(sent, sent));
          startHeadersTimer();
        },
        onError: (problem) =>
          fail(
            problem.kind === 'length'
              ? new ContentLengthMismatchError({
                  request: info(),
                  direction: 'request',
                  expectedBytes: problem.expected,
                  actualBytes: problem.actual,
                })
              : new HttpError(
                  `Request body source failed during upload of ${input.method} ${redactUrl(input.url)}`,
                  { request: info(), cause: problem.cause },
                ),
          ),
      },
      controller.signal,
    );
    uploadStream = createUploadStream(uploadSource);
    // Covers connecting: the adapter has not asked for bytes yet.
    watchdog.waiting();
  } else {
    startHeadersTimer();
  }

  const startedAt = performance.now();
  let raw: TransportResponse;
  try {
    if (signal?.aborted) onUserAbort();
    if (failure) throw failure;
    raw = await input.send({
      method: input.method,
      url: input.url,
      headers: {
        ...input.headers,
        ...(input.body?.contentLength != null
          ? { 'content-length': String(input.body.contentLength) }
          : {}),
      },
      body: uploadStream,
      bodySource: uploadSource,
      contentLength: input.body?.contentLength ?? null,
      signal: controller.signal,
    });
  } catch (error) {
    const typed = toError(error);
    cleanup();
    // The adapter may hold the stream's reader (locked): cancel the source itself.
    await uploadSource?.cancel(typed).catch(() => undefined);
    throw await input.finalizeError(typed);
  }
  const durationMs = performance.now() - startedAt;
  responded = true;
  if (headersTimer !== null) clearTimeout(headersTimer);
  headersTimer = null;
  watchdog.progress();
  if (failure) {
    cleanup();
    await cancelBody(raw.body, failure);
    throw await input.finalizeError(failure);
  }
  phase = 'download';

  const headers = raw.headers;
  const contentLength = parseLength(headers['content-length']);
  let range = null;
  if (raw.status === 206) {
    range = parseContentRange(headers['content-range']);
    // Partial bytes for another range than asked must never reach the caller: a resumed
    // download would append them at the wrong offset. Ending earlier is fine (shorter file).
    const requested = input.range;
    const mismatched =
      range === null ||
      (requested !== undefined &&
        (range.start !== requested.start ||
          (requested.end !== undefined && range.end > requested.end)));
    if (mismatched) {
      cleanup();
      await cancelBody(raw.body);
      throw await input.finalizeError(
        new RangeMismatchError({ request: info(), requested: requested ?? null, received: range }),
      );
    }
  }
  const encoded =
    headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity';
  const expected = encoded || input.method === 'HEAD' ? null : contentLength;

  let pump: DownloadPump | null = null;
  if (raw.body && input.method !== 'HEAD' && raw.status !== 204 && raw.status !== 304) {
    pump = new DownloadPump(toBodySource(raw.body), {
      expected,
      watchdog,
      onDownloadProgress: input.onDownloadProgress,
      toError,
      finalizeError: input.finalizeError,
      cleanup,
      failure: () => failure,
      mismatch: (actual) =>
        new ContentLengthMismatchError({
          request: info(),
          direction: 'response',
          expectedBytes: expected ?? 0,
          actualBytes: actual,
        }),
    });
    const errorSink = pump;
    // An abort or timeout while nobody is reading still fails the body and frees the socket.
    errorDownload = (error) => errorSink.fail(error);
  } else {
    cleanup();
    await cancelBody(raw.body);
  }

  // The body is handed to one reader only: `body` (a stream, made on first access) or
  // `chunks()` (the fast path). Made lazily so that choosing `chunks()` costs no stream.
  const claim = new BodyClaim();
  let stream: ReadableStream<Uint8Array> | null = null;
  let iterating = false;
  let cancelled = false;
  return {
    durationMs,
    response: {
      status: raw.status,
      statusText: raw.statusText,
      ok: raw.status >= 200 && raw.status < 300,
      headers,
      method: input.method,
      url: input.url.href,
      redirected: input.redirected,
      get body(): ReadableStream<Uint8Array> | null {
        if (!pump) return null;
        claim.claimBody();
        stream ??= pumpToStream(pump);
        return stream;
      },
      chunks: (): AsyncIterableIterator<Uint8Array> => {
        if (!pump) return emptyChunks();
        claim.claimChunks();
        iterating = true;
        return pumpToIterator(pump);
      },
      contentLength,
      range,
      cancel: async (reason?: unknown) => {
        if (cancelled || !pump) return;
        cancelled = true;
        if (pump.settled) return;
        if (iterating || stream?.locked) {
          // A reader holds it: abort the transfer so that reader gets an error and the
          // connection is dropped.
          fail(new AbortError({ request: info(), phase: 'download', cause: reason }));
          cleanup();
          return;
        }
        if (stream) await stream.cancel(reason).catch(() => undefined);
        else await pump.cancel(reason);
      },
    },
  };
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

function findCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code) return code;
  return findCode((error as { cause?: unknown }).cause, depth + 1);
}

function describeCause(error: unknown, depth = 0): string {
  if (typeof error !== 'object' || error === null || depth > 5) return '';
  const message = (error as { message?: unknown }).message;
  const inner = describeCause((error as { cause?: unknown }).cause, depth + 1);
  const own = typeof message === 'string' ? message : '';
  return inner && inner !== own ? `${own}${own ? ': ' : ''}${inner}` : own;
}
