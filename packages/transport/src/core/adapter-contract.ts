// The contract between the core and an adapter: one hop in (`TransportRequest`), one answer out
// (`TransportResponse`). Adapters implement only `SendFunction`; the core does everything else.

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
  /**
   * Refuse to connect to a private, loopback or link-local address: an adapter that resolves
   * names itself checks every resolved address (IP literals were already checked by the core).
   */
  readonly publicAddressesOnly: boolean;
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
