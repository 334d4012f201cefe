/**
 * @wa-media/transport — pluggable HTTP for WhatsApp media.
 *
 * Main entry: runtime-agnostic (fetch / ky). The node:http adapter lives at
 * `@wa-media/transport/node` so that browsers never import `node:http`.
 *
 * @packageDocumentation
 */

export type { BufferedHttpClientOptions } from './adapters/buffered.js';
export { bufferedHttpClient } from './adapters/buffered.js';
export type { FetchClientOptions, FetchFunction } from './adapters/fetch.js';
export { createFetchClient } from './adapters/fetch.js';
export type { KyClientOptions } from './adapters/ky.js';
export { createKyClient } from './adapters/ky.js';
export type {
  BodySource,
  RequestBodySource,
  SendFunction,
  TransportRequest,
  TransportResponse,
} from './core/adapter-contract.js';
export { isPrivateAddress } from './core/addresses.js';
export type { DefineHttpClientOptions } from './core/define-client.js';
export { defineHttpClient } from './core/define-client.js';
export { formatRangeHeader, parseContentRange } from './core/range.js';
export type { ReadBodyOptions } from './core/read-body.js';
export {
  DEFAULT_READ_MAX_BYTES,
  readBytes,
  readJson,
  readText,
} from './core/read-body.js';
export { DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUTS } from './core/resolve.js';
export { assertOk, parseRetryAfter } from './core/status.js';
export type {
  AbortErrorOptions,
  ContentLengthMismatchErrorOptions,
  ErrorRequestInfo,
  HttpErrorOptions,
  HttpStatusErrorOptions,
  NetworkErrorOptions,
  RangeMismatchErrorOptions,
  ResponseTooLargeErrorOptions,
  TimeoutErrorOptions,
  TransferPhase,
} from './errors.js';
export {
  AbortError,
  BODY_SNIPPET_MAX_CHARS,
  ContentLengthMismatchError,
  HttpError,
  HttpStatusError,
  isAbortError,
  isContentLengthMismatchError,
  isHttpError,
  isHttpStatusError,
  isNetworkError,
  isRangeMismatchError,
  isResponseParseError,
  isResponseTooLargeError,
  isTimeoutError,
  NetworkError,
  RangeMismatchError,
  ResponseParseError,
  ResponseTooLargeError,
  TimeoutError,
} from './errors.js';
export {
  createSafeLogger,
  type LogFn,
  type Logger,
  type LogLevel,
  type LogValue,
  logSafeUrl,
  redactQueryValues,
  type SafeLogger,
  type SafeLoggerOptions,
  secretForms,
} from './log.js';
export {
  collectSecrets,
  isSecretQueryParam,
  REDACTED,
  redactHeaders,
  redactText,
  redactUrl,
  SAFE_QUERY_PARAMS,
  SECRET_HEADERS,
  SECRET_QUERY_PARAMS,
} from './redact.js';
export type {
  AfterResponseState,
  BeforeErrorState,
  BeforeRequestState,
  ByteRange,
  ContentRange,
  DestinationRule,
  HttpClient,
  HttpClientConfig,
  HttpClientOptions,
  HttpHooks,
  HttpMethod,
  HttpRequest,
  HttpRequestBody,
  HttpResponse,
  ResolvedRequest,
  TimeoutOptions,
  TransferProgress,
} from './types.js';
