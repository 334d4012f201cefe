// The fetch adapter: any fetch-compatible function (global fetch, undici's, a runtime's).

import type {
  SendFunction,
  TransportRequest,
  TransportResponse,
} from '../core/adapter-contract.js';
import { defineHttpClient } from '../core/define-client.js';
import type { HttpClient, HttpClientConfig, HttpClientOptions } from '../types.js';
import { headersToRecord } from './headers.js';

/** A fetch-compatible function (`globalThis.fetch`, undici's `fetch`, a test double). */
export type FetchFunction = (
  input: Request | string | URL,
  init?: RequestInit,
) => Promise<Response>;

/**
 * Builds the `RequestInit` for one hop. Streamed bodies need `duplex: 'half'`.
 *
 * undici (Node 20) honours an explicit `content-length` on a stream body: it sends a
 * fixed-length body instead of chunked. It rejects a body that ends early
 * (`UND_ERR_REQ_CONTENT_LENGTH_MISMATCH`), but for a body that runs long it first sends the
 * declared bytes, so the server sees a complete (wrong) request. The core's upload stream
 * therefore checks for excess bytes *before* handing over the last declared byte.
 */
export function toRequestInit(hop: TransportRequest): RequestInit & { duplex?: 'half' } {
  return {
    method: hop.method,
    headers: hop.headers,
    body: hop.body,
    signal: hop.signal,
    redirect: 'manual',
    ...(hop.body ? { duplex: 'half' as const } : {}),
  };
}

/** Turns a fetch `Response` into the adapter-neutral shape. */
export function fromFetchResponse(response: Response): TransportResponse {
  return {
    status: response.status,
    statusText: response.statusText,
    headers: headersToRecord(response.headers),
    body: response.body,
  };
}

/** Options of {@link createFetchClient}. */
export interface FetchClientOptions extends HttpClientOptions {
  /**
   * Passed as `dispatcher` in every request's init: undici's extension to fetch, and how to send
   * media through a proxy with Node's fetch (`new ProxyAgent('http://proxy:3128')`, or
   * `new Socks5ProxyAgent('socks5://127.0.0.1:1080')`, from the `undici` package). Fetches that
   * do not know it ignore it.
   * @default none (the fetch's global dispatcher)
   * @example
   * ```ts
   * import { ProxyAgent } from 'undici';
   * const http = createFetchClient(fetch, { dispatcher: new ProxyAgent('http://proxy:3128') });
   * ```
   */
  readonly dispatcher?: object;
}

/** `init` with undici's `dispatcher` when one is given (fetch's types do not know it). */
export function withDispatcher(init: RequestInit, dispatcher: object | undefined): RequestInit {
  return dispatcher === undefined ? init : ({ ...init, dispatcher } as RequestInit);
}

/**
 * Creates a client on top of a fetch-compatible function. Streams both ways where the runtime
 * does (Node 20's undici does).
 *
 * @param fetchFunction the fetch to use. @default globalThis.fetch
 * @example
 * ```ts
 * const http = createFetchClient(fetch, { timeouts: { idleTimeoutMs: 10_000 } });
 * ```
 * @throws {TypeError} no fetch function is available.
 */
export function createFetchClient(
  fetchFunction?: FetchFunction,
  options: FetchClientOptions = {},
): HttpClient<
  HttpClientConfig & {
    /** The fetch function requests go through. */
    readonly fetch: FetchFunction;
  }
> {
  const fetchImpl = fetchFunction ?? (globalThis.fetch as FetchFunction | undefined);
  if (typeof fetchImpl !== 'function') {
    throw new TypeError(
      'fetchFunction must be a fetch-compatible function (no global fetch found)',
    );
  }
  const { dispatcher, ...common } = options;
  const send: SendFunction = async (hop) =>
    fromFetchResponse(
      await fetchImpl(hop.url.href, withDispatcher(toRequestInit(hop), dispatcher)),
    );
  return defineHttpClient({
    name: 'fetch',
    send,
    options: common,
    extraConfig: { fetch: fetchImpl },
  });
}
