// The error hierarchy. Every error is built from already-redacted parts, and its `cause` chain is
// re-created with redacted messages and stacks, so no serialization path (message, stack,
// JSON.stringify, util.inspect, structuredClone) can reveal a credential.

import type { ByteRange, ContentRange } from './core/range.js';
import { findErrorCode, MAX_CAUSE_DEPTH } from './error-cause.js';
import { collectSecrets, redactText, redactUrl } from './redact.js';

/**
 * The phase a transfer was in when it failed:
 * - `'upload'`: sending the request body;
 * - `'headers'`: connecting, sending headers, or waiting for the response headers;
 * - `'download'`: receiving the response body.
 */
export type TransferPhase = 'upload' | 'headers' | 'download';

/** What the errors need to know about the request, to name it (redacted) in messages. */
export interface ErrorRequestInfo {
  /** Request method. */
  readonly method?: string;
  /** The real URL: it is redacted before being stored. */
  readonly url?: string | URL;
  /** The real headers: only used to find credential values to scrub from causes. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options shared by every error constructor. */
export interface HttpErrorOptions {
  /** The request the error is about (redacted before anything is stored). */
  readonly request?: ErrorRequestInfo;
  /** The underlying error. Stored as a redacted copy (same name, code, message, stack). */
  readonly cause?: unknown;
}

/** Base class of every error this package throws. */
export class HttpError extends Error {
  // An own field on every class (ky's style): spreads and plain copies keep it, so the
  // `isXxxError` guards, which check `name`, work on them and across realms. V8 formats the
  // stack lazily, on first read, so it still starts with the subclass's name.
  /** The class name (`HttpError` or a subclass's): what the `isXxxError` guards check. */
  override readonly name: string = 'HttpError';
  /** Request method, if known. */
  readonly method: string | undefined;
  /** Request URL with credentials redacted, if known. */
  readonly url: string | undefined;

  constructor(message: string, options: HttpErrorOptions = {}) {
    const secrets = collectSecrets(options.request?.url, options.request?.headers);
    const method = options.request?.method;
    // redactUrl also redacts path segments carrying a query secret (upload URLs); the collected
    // secrets catch whatever is left (e.g. an Authorization token echoed in the URL).
    const url =
      options.request?.url === undefined
        ? undefined
        : redactText(redactUrl(options.request.url), secrets);
    const cleanMessage = redactText(message, secrets);
    super(
      cleanMessage,
      options.cause === undefined ? {} : { cause: redactCause(options.cause, secrets) },
    );
    this.method = method;
    this.url = url;
    // The stack is not read here: reading it would format it now, with this base class's name
    // instead of the subclass's. Its text is the (redacted) message and code frames.
  }

  /** A plain, redacted object for logs and `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key === 'cause' || value === undefined) continue;
      out[key] = value;
    }
    if (this.cause !== undefined) out.cause = serializeCause(this.cause);
    return out;
  }
}

/** Options of {@link HttpStatusError}. */
export interface HttpStatusErrorOptions extends HttpErrorOptions {
  /** The response status. */
  readonly status: number;
  /** The response's reason phrase. @default '' */
  readonly statusText?: string;
  /** Response headers (lower-cased names); stored redacted. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Start of the response body as text; stored redacted and cut to 1 KiB. */
  readonly bodySnippet?: string;
  /** Parsed `Retry-After`, in milliseconds from now. */
  readonly retryAfterMs?: number | null;
}

/** Maximum length of {@link HttpStatusError.bodySnippet}. */
export const BODY_SNIPPET_MAX_CHARS = 1024;

/** The server answered with a non-2xx status (thrown by `assertOk`, never by `request()`). */
export class HttpStatusError extends HttpError {
  /** Always `'HttpStatusError'`. */
  override readonly name = 'HttpStatusError' as const;
  /** The response status (not 2xx). */
  readonly status: number;
  /** The response's reason phrase, `''` when none. */
  readonly statusText: string;
  /** Response headers, lower-cased, credentials redacted. */
  readonly headers: Readonly<Record<string, string>>;
  /** Up to 1 KiB of the body as text (redacted), `''` when there was none. */
  readonly bodySnippet: string;
  /** Delay asked for by `Retry-After` in milliseconds, or `null` when absent or invalid. */
  readonly retryAfterMs: number | null;

  constructor(options: HttpStatusErrorOptions) {
    const statusText = options.statusText ?? '';
    super(
      `HTTP ${options.status}${statusText ? ` ${statusText}` : ''} for ${describeRequest(options.request)}`,
      options,
    );
    const secrets = collectSecrets(options.request?.url, options.request?.headers);
    this.status = options.status;
    this.statusText = statusText;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      headers[name] = /^(?:set-cookie|cookie|(?:proxy-)?authorization)$/i.test(name)
        ? 'REDACTED'
        : redactText(value, secrets);
    }
    this.headers = headers;
    this.bodySnippet = redactText(
      (options.bodySnippet ?? '').slice(0, BODY_SNIPPET_MAX_CHARS),
      secrets,
    );
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** Options of {@link NetworkError}. */
export interface NetworkErrorOptions extends HttpErrorOptions {
  /** When it failed. */
  readonly phase: TransferPhase;
  /** System error code when known (`'ECONNRESET'`, `'ECONNREFUSED'`…). */
  readonly code?: string;
}

/** The connection failed: refused, reset, DNS, TLS, truncated body, too many redirects… */
export class NetworkError extends HttpError {
  /** Always `'NetworkError'`. */
  override readonly name = 'NetworkError' as const;
  /** When it failed: sending the body, waiting for headers, or receiving the body. */
  readonly phase: TransferPhase;
  /** System error code when known (`'ECONNRESET'`, `'ECONNREFUSED'`…), else `undefined`. */
  readonly code: string | undefined;

  constructor(message: string, options: NetworkErrorOptions) {
    super(message, options);
    this.phase = options.phase;
    this.code = options.code ?? findErrorCode(options.cause);
  }
}

/** Options of {@link TimeoutError}. */
export interface TimeoutErrorOptions extends HttpErrorOptions {
  /** Which timeout fired (see {@link TimeoutError}). */
  readonly phase: TransferPhase;
  /** The timeout that elapsed, in ms. */
  readonly timeoutMs: number;
}

/**
 * A timeout fired: `phase: 'headers'` for `headersTimeoutMs`, `'upload'` / `'download'` for
 * `idleTimeoutMs` (no byte moved for that long).
 */
export class TimeoutError extends HttpError {
  /** Always `'TimeoutError'`. */
  override readonly name = 'TimeoutError' as const;
  /** `'headers'` for the headers timeout, `'upload'` / `'download'` for the idle timeout. */
  readonly phase: TransferPhase;
  /** The timeout that elapsed, in ms. */
  readonly timeoutMs: number;

  constructor(options: TimeoutErrorOptions) {
    const what = options.phase === 'headers' ? 'response headers' : `${options.phase} progress`;
    super(
      `Timed out after ${options.timeoutMs} ms waiting for ${what} of ${describeRequest(options.request)}`,
      options,
    );
    this.phase = options.phase;
    this.timeoutMs = options.timeoutMs;
  }
}

/** Options of {@link AbortError}. */
export interface AbortErrorOptions extends HttpErrorOptions {
  /** When the abort arrived. */
  readonly phase: TransferPhase;
}

/** The caller's `AbortSignal` aborted the request; `cause` holds the signal's reason. */
export class AbortError extends HttpError {
  /** Always `'AbortError'`. */
  override readonly name = 'AbortError' as const;
  /** When the abort arrived. */
  readonly phase: TransferPhase;

  constructor(options: AbortErrorOptions) {
    super(`Aborted during ${options.phase} of ${describeRequest(options.request)}`, options);
    this.phase = options.phase;
  }
}

/** Options of {@link ContentLengthMismatchError}. */
export interface ContentLengthMismatchErrorOptions extends HttpErrorOptions {
  /** `'request'`: our body vs. the declared `contentLength`; `'response'`: server body vs. its `Content-Length`. */
  readonly direction: 'request' | 'response';
  /** The declared length. */
  readonly expectedBytes: number;
  /** Bytes actually seen (for a too-long body: the count when the excess was detected). */
  readonly actualBytes: number;
}

/** A body's real length differs from the declared `Content-Length`; nothing wrong was accepted. */
export class ContentLengthMismatchError extends HttpError {
  /** Always `'ContentLengthMismatchError'`. */
  override readonly name = 'ContentLengthMismatchError' as const;
  /** `'request'`: our body vs. its declared length; `'response'`: the server's body vs. its `Content-Length`. */
  readonly direction: 'request' | 'response';
  /** The declared length. */
  readonly expectedBytes: number;
  /** Bytes actually seen (for a too-long body: the count when the excess was detected). */
  readonly actualBytes: number;

  constructor(options: ContentLengthMismatchErrorOptions) {
    const longer = options.actualBytes > options.expectedBytes;
    super(
      `${options.direction === 'request' ? 'Request' : 'Response'} body of ${describeRequest(options.request)} is ${longer ? 'longer' : 'shorter'} than its declared length: expected ${options.expectedBytes} bytes, got ${longer ? 'more than ' : ''}${options.actualBytes}`,
      options,
    );
    this.direction = options.direction;
    this.expectedBytes = options.expectedBytes;
    this.actualBytes = options.actualBytes;
  }
}

/** Options of {@link ResponseTooLargeError}. */
export interface ResponseTooLargeErrorOptions extends HttpErrorOptions {
  /** The limit that was exceeded. */
  readonly maxBytes: number;
}

/** `readBytes` / `readJson` / `readText` met more than `maxBytes`; the body was cancelled. */
export class ResponseTooLargeError extends HttpError {
  /** Always `'ResponseTooLargeError'`. */
  override readonly name = 'ResponseTooLargeError' as const;
  /** The limit that was exceeded. */
  readonly maxBytes: number;

  constructor(options: ResponseTooLargeErrorOptions) {
    super(
      `Response body of ${describeRequest(options.request)} exceeds maxBytes (${options.maxBytes})`,
      options,
    );
    this.maxBytes = options.maxBytes;
  }
}

/** `readJson` got a body that is not valid JSON (the parser error is the `cause`). */
export class ResponseParseError extends HttpError {
  /** Always `'ResponseParseError'`. */
  override readonly name = 'ResponseParseError' as const;
}

/** Options of {@link RangeMismatchError}. */
export interface RangeMismatchErrorOptions extends HttpErrorOptions {
  /** The range that was asked for (`end` exclusive), or `null` when none was. */
  readonly requested: ByteRange | null;
  /** What the 206 carried, or `null` when its `Content-Range` is missing or unusable. */
  readonly received: ContentRange | null;
}

/**
 * A `206 Partial Content` that does not carry the range asked for: no usable single
 * `Content-Range`, another start, or an end beyond the requested end. The body was discarded:
 * appending it would corrupt the file (a resumed download would splice wrong bytes in). A 206
 * that ends *earlier* than asked (the file is shorter) is valid and not an error.
 */
export class RangeMismatchError extends HttpError {
  /** Always `'RangeMismatchError'`. */
  override readonly name = 'RangeMismatchError' as const;
  /** The range that was asked for (`end` exclusive), or `null` when none was. */
  readonly requested: ByteRange | null;
  /** What the 206 carried, or `null` when its `Content-Range` is missing or unusable. */
  readonly received: ContentRange | null;

  constructor(options: RangeMismatchErrorOptions) {
    const asked = options.requested ? describeByteRange(options.requested) : 'no range';
    const got = options.received
      ? `bytes ${options.received.start}-${options.received.end - 1}/${options.received.total ?? '*'}`
      : 'no usable single Content-Range';
    super(
      `206 response to ${describeRequest(options.request)} does not match the requested range: asked ${asked}, got ${got}`,
      options,
    );
    this.requested = options.requested === null ? null : { ...options.requested };
    this.received = options.received === null ? null : { ...options.received };
  }
}

function describeByteRange(range: ByteRange): string {
  return `bytes=${range.start}-${range.end === undefined ? '' : range.end - 1}`;
}

const errorNames = new Set([
  'HttpError',
  'HttpStatusError',
  'NetworkError',
  'TimeoutError',
  'AbortError',
  'ContentLengthMismatchError',
  'ResponseTooLargeError',
  'ResponseParseError',
  'RangeMismatchError',
]);

function hasName(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/** `true` for any error of this package (checks `instanceof`, or the `name` across realms/copies). */
export function isHttpError(error: unknown): error is HttpError {
  return (
    error instanceof HttpError ||
    (typeof error === 'object' &&
      error !== null &&
      errorNames.has(String((error as { name?: unknown }).name)) &&
      'url' in error)
  );
}
/** `true` for {@link HttpStatusError}. */
export function isHttpStatusError(error: unknown): error is HttpStatusError {
  return error instanceof HttpStatusError || hasName(error, 'HttpStatusError');
}
/** `true` for {@link NetworkError}. */
export function isNetworkError(error: unknown): error is NetworkError {
  return error instanceof NetworkError || hasName(error, 'NetworkError');
}
/** `true` for {@link TimeoutError} (ours; a DOMException named TimeoutError lacks `phase`). */
export function isTimeoutError(error: unknown): error is TimeoutError {
  return (
    error instanceof TimeoutError ||
    (hasName(error, 'TimeoutError') && 'phase' in (error as object))
  );
}
/** `true` for {@link AbortError} (ours; a DOMException named AbortError lacks `phase`). */
export function isAbortError(error: unknown): error is AbortError {
  return (
    error instanceof AbortError || (hasName(error, 'AbortError') && 'phase' in (error as object))
  );
}
/** `true` for {@link ContentLengthMismatchError}. */
export function isContentLengthMismatchError(error: unknown): error is ContentLengthMismatchError {
  return (
    error instanceof ContentLengthMismatchError || hasName(error, 'ContentLengthMismatchError')
  );
}
/** `true` for {@link ResponseTooLargeError}. */
export function isResponseTooLargeError(error: unknown): error is ResponseTooLargeError {
  return error instanceof ResponseTooLargeError || hasName(error, 'ResponseTooLargeError');
}
/** `true` for {@link ResponseParseError}. */
export function isResponseParseError(error: unknown): error is ResponseParseError {
  return error instanceof ResponseParseError || hasName(error, 'ResponseParseError');
}

/** `true` for {@link RangeMismatchError}. */
export function isRangeMismatchError(error: unknown): error is RangeMismatchError {
  return error instanceof RangeMismatchError || hasName(error, 'RangeMismatchError');
}

function describeRequest(request: ErrorRequestInfo | undefined): string {
  if (!request?.url) return 'request';
  return `${request.method ?? 'GET'} ${redactUrl(request.url)}`;
}

/**
 * Rebuilds a cause chain with every string redacted. Our own errors are already clean and kept
 * as they are; foreign errors become plain `Error`s with the same name, message, stack, code and
 * primitive fields (undici and node put URLs and addresses there).
 */
function redactCause(cause: unknown, secrets: readonly string[], depth = 0): unknown {
  if (cause instanceof HttpError) return cause;
  if (typeof cause === 'string') return redactText(cause, secrets);
  if (typeof cause !== 'object' || cause === null) return cause;
  if (depth >= MAX_CAUSE_DEPTH) return new Error('[cause chain truncated]');
  const source = cause as Record<string, unknown> & {
    name?: unknown;
    message?: unknown;
    stack?: unknown;
  };
  const copy = new Error(redactText(String(source.message ?? ''), secrets));
  Object.defineProperty(copy, 'name', {
    value: typeof source.name === 'string' ? source.name : 'Error',
    configurable: true,
    writable: true,
    enumerable: false,
  });
  copy.stack =
    typeof source.stack === 'string'
      ? redactText(source.stack, secrets)
      : `${copy.name}: ${copy.message}`;
  for (const [key, value] of Object.entries(source)) {
    if (key === 'cause' || key === 'message' || key === 'stack' || key === 'name') continue;
    if (typeof value === 'string')
      (copy as unknown as Record<string, unknown>)[key] = redactText(value, secrets);
    else if (typeof value === 'number' || typeof value === 'boolean')
      (copy as unknown as Record<string, unknown>)[key] = value;
  }
  if ('cause' in source && source.cause !== undefined) {
    Object.defineProperty(copy, 'cause', {
      value: redactCause(source.cause, secrets, depth + 1),
      configurable: true,
      writable: true,
      enumerable: false,
    });
  }
  return copy;
}

function serializeCause(cause: unknown, depth = 0): unknown {
  if (cause instanceof HttpError) return cause.toJSON();
  if (!(cause instanceof Error)) return cause;
  const out: Record<string, unknown> = { name: cause.name, message: cause.message };
  for (const [key, value] of Object.entries(cause)) out[key] = value;
  if (cause.cause !== undefined && depth < MAX_CAUSE_DEPTH)
    out.cause = serializeCause(cause.cause, depth + 1);
  return out;
}
