// The adapter-neutral shapes every HttpClient speaks. Adapters differ only in how bytes move.

import type { ByteRange, ContentRange } from './core/range.js';
import type { HttpError } from './errors.js';

export type { ByteRange, ContentRange } from './core/range.js';

/** An HTTP method. Upper-case by convention; adapters send it as given. */
export type HttpMethod =
  | 'GET'
  | 'HEAD'
  | 'POST'
  | 'PUT'
  | 'PATCH'
  | 'DELETE'
  | 'OPTIONS'
  | (string & {});

/**
 * A request body. Streams and async iterables are sent as they are produced (with
 * backpressure), never collected in memory first.
 */
export type HttpRequestBody = Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Per-phase timeouts. `0` or `Infinity` disables a timeout. */
export interface TimeoutOptions {
  /**
   * Longest wait for the response headers, counted from the moment the request body has been
   * fully handed to the connection (or from sending, when there is no body). A long upload is
   * therefore never cut by this timeout; {@link TimeoutOptions.idleTimeoutMs} guards it instead.
   * @default 30_000
   */
  readonly headersTimeoutMs?: number;
  /**
   * Longest time without a single byte moving, in either direction: while uploading the request
   * body and while downloading the response body.
   * @default 30_000
   */
  readonly idleTimeoutMs?: number;
}

/** Progress of one direction of a transfer. */
export interface TransferProgress {
  /** Bytes moved so far. Never decreases. */
  readonly transferredBytes: number;
  /** Expected total, or `null` when unknown (e.g. a chunked reply). */
  readonly totalBytes: number | null;
  /** `transferredBytes / totalBytes` in 0..1, or `null` when the total is unknown. */
  readonly percent: number | null;
}

/** Everything `HttpClient.request()` accepts. */
export interface HttpRequest {
  /** @default 'GET' */
  readonly method?: HttpMethod;
  /** Absolute `http:` or `https:` URL. May carry secrets: errors only ever show it redacted. */
  readonly url: string | URL;
  /** Request headers. Names are case-insensitive. The client's default headers are merged under these. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body; see {@link HttpRequestBody}. */
  readonly body?: HttpRequestBody;
  /**
   * Exact byte length of a streamed `body`. When set, the request is sent with that
   * `Content-Length` (not chunked), and a body that turns out longer or shorter fails the request
   * with a `ContentLengthMismatchError` instead of sending a wrong body. Uint8Array bodies know
   * their length; setting a different value is rejected.
   */
  readonly contentLength?: number;
  /** Cancels the request in every phase: connecting, uploading, waiting, downloading. */
  readonly signal?: AbortSignal;
  /** Adds a `Range` header; see {@link HttpResponse.range} for what came back. */
  readonly range?: ByteRange;
  /** Overrides the client's timeouts for this request. */
  readonly timeouts?: TimeoutOptions;
  /**
   * Follow redirects (up to the client's `maxRedirects`), or return 3xx responses as they are.
   * @default 'follow'
   */
  readonly redirect?: 'follow' | 'manual';
  /**
   * Where this request may go: who the redirects may lead to, and whether private addresses
   * are refused. A redirect from `https:` to `http:` is never followed, whatever this says.
   * @default every http(s) URL, private addresses included
   * @example
   * ```ts
   * const onlyCdn = { allowRedirect: (url: URL) => url.hostname.endsWith('.whatsapp.net'),
   *   publicAddressesOnly: true };
   * await http.request({ url, destinations: onlyCdn });
   * ```
   */
  readonly destinations?: DestinationRule;
  /** Called as request body bytes are sent; monotone, ends at the total. */
  readonly onUploadProgress?: (progress: TransferProgress) => void;
  /** Called as response body bytes are received; monotone, ends at the total. */
  readonly onDownloadProgress?: (progress: TransferProgress) => void;
}

/** The destinations a request may reach; see {@link HttpRequest.destinations}. */
export interface DestinationRule {
  /**
   * Whether a redirect may lead to this URL (a host allow-list); a refused one fails the
   * request with a `NetworkError` before anything is sent there.
   * @default every http(s) URL
   */
  readonly allowRedirect?: (url: URL) => boolean;
  /**
   * Refuse private, loopback, link-local (169.254/16, fe80::/10), unspecified and multicast
   * addresses, on the first hop and on every redirect. IP-literal hosts are refused on every
   * adapter; host names are refused when they **resolve** to such an address on the node
   * adapter (its lookup checks each answer: DNS rebinding). `fetch`/`ky` cannot see the
   * resolved address: there only IP literals are refused.
   * @default false
   */
  readonly publicAddressesOnly?: boolean;
}

/**
 * A response. Returned for **every** status (including 4xx/5xx): use `assertOk(response)` to turn
 * a non-2xx status into an `HttpStatusError`.
 *
 * The body must be consumed or cancelled: that is what returns the connection to the pool.
 * Reading it to the end, `body.cancel()`, `response.cancel()`, an error or an abort all free it.
 */
export interface HttpResponse {
  /** HTTP status code. */
  readonly status: number;
  /** HTTP reason phrase (`''` when none). */
  readonly statusText: string;
  /** `true` for 2xx. */
  readonly ok: boolean;
  /**
   * Response headers as a plain record with **lower-cased** names. Repeated headers are joined
   * with `, ` (except `set-cookie`, joined with `\n`, since cookies may contain commas).
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The request method (upper-case). */
  readonly method: string;
  /** Final URL after redirects (the real one: redact it with `redactUrl` before logging). */
  readonly url: string;
  /** `true` when at least one redirect was followed. */
  readonly redirected: boolean;
  /**
   * The body as a byte stream, or `null` for responses without one (HEAD, 204, 304). Adapters
   * that cannot stream still give a stream here, produced from their buffer: callers write one
   * code path.
   *
   * A body is read through **either** `body` **or** {@link HttpResponse.chunks}, never both:
   * the first access to a non-null `body` takes the body (later accesses give the same stream).
   * @throws {TypeError} `chunks()` was already called on this response.
   */
  readonly body: ReadableStream<Uint8Array> | null;
  /**
   * The fast path: the body as a plain async iterator of chunks, without a web
   * `ReadableStream` in between (on the node adapter that stream layer costs ~10–15% of a
   * loopback download's throughput). Every guarantee of `body` holds: `Content-Length` checks,
   * idle timeout, abort, progress, typed and redacted errors. Breaking out of `for await` (or
   * calling `return()`) discards the rest and frees the connection. Yields nothing for a
   * body-less response.
   *
   * Call it at most once, and only if `body` was not accessed (one reader per body).
   * @example
   * ```ts
   * for await (const chunk of response.chunks()) write(chunk);
   * ```
   * @throws {TypeError} `body` was already accessed, or `chunks()` was already called.
   */
  chunks(): AsyncIterableIterator<Uint8Array>;
  /** Parsed `Content-Length`, or `null` when absent (chunked). */
  readonly contentLength: number | null;
  /**
   * The range the body covers when the server answered `206 Partial Content`, else `null`.
   * A `200` to a request with `range` gives `null` here: the body starts at byte 0 and the caller
   * should restart rather than append. When `request.range` was set, a 206's `start` equals the
   * requested start and its `end` is at most the requested end (anything else is a
   * `RangeMismatchError`); it may end earlier when the file is shorter.
   */
  readonly range: ContentRange | null;
  /**
   * Discards the rest of the body and frees the connection. Safe to call more than once. If a
   * reader (of `body` or of `chunks()`) currently holds the body, its pending read rejects with
   * an `AbortError`.
   */
  cancel(reason?: unknown): Promise<void>;
}

/** The state given to `beforeRequest` hooks. */
export interface BeforeRequestState {
  /** The request as the client will send it (headers merged, method upper-cased, `Range` set). */
  readonly request: ResolvedRequest;
  /** 0 for the first hop, then 1, 2… for each redirect followed. */
  readonly redirectCount: number;
}

/** The state given to `afterResponse` hooks. */
export interface AfterResponseState {
  /** The request of the final hop. */
  readonly request: ResolvedRequest;
  /** The response (do not consume its body in a hook). */
  readonly response: HttpResponse;
  /** Milliseconds from sending to the response headers. */
  readonly durationMs: number;
}

/** The state given to `beforeError` hooks. */
export interface BeforeErrorState {
  /** The request that failed. */
  readonly request: ResolvedRequest;
  /** The typed, already redacted error about to be thrown. */
  readonly error: HttpError;
}

/**
 * Lifecycle hooks, ky style: each receives one state object. Hooks run in-process and see the
 * real URL and headers; anything you log must go through `redactUrl` / `redactHeaders`.
 */
export interface HttpHooks {
  /** Runs before each hop (including redirects). May mutate `state.request.headers`. */
  readonly beforeRequest?: readonly ((state: BeforeRequestState) => void | Promise<void>)[];
  /** Runs once the final response's headers arrive (after redirects), for every status. */
  readonly afterResponse?: readonly ((state: AfterResponseState) => void | Promise<void>)[];
  /** Runs before an error is thrown; may return a replacement error (should extend `HttpError`). */
  readonly beforeError?: readonly ((
    state: BeforeErrorState,
  ) => HttpError | undefined | Promise<HttpError | undefined>)[];
}

/** The request after defaults are applied: what hooks see. */
export interface ResolvedRequest {
  /** Upper-case method. */
  readonly method: string;
  /** The real URL (unredacted). */
  readonly url: URL;
  /** Lower-cased header names. Hooks may add or change entries. */
  readonly headers: Record<string, string>;
  /** Body length in bytes, or `null` when unknown (streamed without a length). */
  readonly contentLength: number | null;
  /** Whether the request has a body. */
  readonly hasBody: boolean;
}

/** Options every adapter factory accepts. */
export interface HttpClientOptions {
  /** Default timeouts for every request. */
  readonly timeouts?: TimeoutOptions;
  /** Headers added to every request (request headers win). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Maximum redirects followed per request before failing with a `NetworkError`.
   * @default 5
   */
  readonly maxRedirects?: number;
  /** Lifecycle hooks for logging and metrics. */
  readonly hooks?: HttpHooks;
}

/** The resolved settings an adapter runs with (exposed as `client.config`). */
export interface HttpClientConfig {
  /** Every timeout, defaults filled in. */
  readonly timeouts: Required<TimeoutOptions>;
  /** Headers added to every request. */
  readonly headers: Readonly<Record<string, string>>;
  /** Redirects followed per request. */
  readonly maxRedirects: number;
  /** The lifecycle hooks. */
  readonly hooks: HttpHooks;
}

/**
 * The transport interface every upload and download goes through.
 *
 * @example
 * ```ts
 * const http = createKyClient();
 * const response = await http.request({ url, range: { start: 1024 } });
 * await assertOk(response);
 * for await (const chunk of response.body!) write(chunk);
 * ```
 */
export interface HttpClient<TConfig extends HttpClientConfig = HttpClientConfig> {
  /** Adapter name: `'ky'`, `'fetch'`, `'node'`, `'buffered(<inner>)'`… */
  readonly name: string;
  /** The resolved configuration. */
  readonly config: TConfig;
  /**
   * `true` when response bodies arrive incrementally (constant memory). `false` means the body is
   * fully buffered before `request()` resolves — still exposed as a stream.
   */
  readonly supportsStreaming: boolean;
  /**
   * Sends one request (following redirects unless `redirect: 'manual'`).
   * Resolves for every HTTP status; rejects only when no response could be obtained.
   * @throws {NetworkError} connection refused/reset, DNS, TLS, too many redirects.
   * @throws {TimeoutError} headers or idle timeout (`error.phase`).
   * @throws {AbortError} `request.signal` aborted.
   * @throws {ContentLengthMismatchError} the request body's length differs from `contentLength`.
   * @throws {RangeMismatchError} a 206 that is not the requested range (or has no usable
   *   `Content-Range`); its body was discarded.
   * @throws {TypeError} invalid request (bad URL, negative range…), before anything is sent.
   */
  request(request: HttpRequest): Promise<HttpResponse>;
}
