// Input resolution, pure: the client's settings and each request are validated and normalized
// here, before any I/O, so that everything that can be wrong with the input fails up front and
// names the parameter.

import { ContentLengthMismatchError } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { HttpClientConfig, HttpClientOptions, HttpRequest, TimeoutOptions } from '../types.js';
import { formatRangeHeader } from './range.js';
import { type PreparedBody, prepareBody } from './request-body.js';

/** Default timeouts: 30 s for response headers, 30 s without any byte moving. */
export const DEFAULT_TIMEOUTS: Readonly<Required<TimeoutOptions>> = Object.freeze({
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
});

/** Default bound on redirects followed per request. */
export const DEFAULT_MAX_REDIRECTS = 5;

const METHOD_TOKEN = /^[A-Z!#$%&'*+.^_`|~0-9-]+$/;

/**
 * The client's settings with defaults applied.
 * @throws {TypeError | RangeError} negative timeouts, a bad redirect bound, non-string headers.
 */
export function resolveConfig(options: HttpClientOptions = {}): HttpClientConfig {
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

/** `override` over `base`, each value checked; `label` names the parameter in errors. */
export function resolveTimeouts(
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

/** A request ready to send: what the pipeline's first hop starts from. */
export interface ResolvedRequestPlan {
  /** Upper-case, a valid token. */
  readonly method: string;
  readonly url: URL;
  /**
   * Lower-cased names, client defaults under the request's own, `Range` set; without
   * `content-length` / `transfer-encoding` (each hop sets the length it sends). Mutable:
   * `beforeRequest` hooks may change it, and redirects drop credentials from it.
   */
  readonly headers: Record<string, string>;
  readonly body: PreparedBody | null;
  readonly timeouts: Required<TimeoutOptions>;
  readonly redirect: 'follow' | 'manual';
}

/**
 * Validates and normalizes one request against the client's settings.
 * @throws {TypeError} bad URL, protocol, method, header value or body type; a body on GET/HEAD.
 * @throws {RangeError} bad timeouts, range, or a `content-length` that is not a number or
 *   conflicts with `contentLength`.
 * @throws {ContentLengthMismatchError} a byte body whose length differs from `contentLength`.
 */
export function resolveRequest(
  config: HttpClientConfig,
  request: HttpRequest,
): ResolvedRequestPlan {
  const url = resolveUrl(request.url);
  const method = (request.method ?? 'GET').toUpperCase();
  if (!METHOD_TOKEN.test(method)) {
    throw new TypeError(`request.method is not a valid HTTP method: ${JSON.stringify(method)}`);
  }
  const timeouts = resolveTimeouts(config.timeouts, request.timeouts, 'request.timeouts');
  const headers: Record<string, string> = {
    // Media bytes are already compressed; identity keeps byte counts and ranges exact.
    'accept-encoding': 'identity',
    ...config.headers,
    ...lowerCaseHeaders(request.headers ?? {}, 'request.headers'),
  };
  const body = prepareBody(request.body, declaredLength(request.contentLength, headers));
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
  return { method, url, headers, body, timeouts, redirect: request.redirect ?? 'follow' };
}

function resolveUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TypeError(`request.url is not a valid absolute URL: ${redactUrl(String(input))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`request.url must use http: or https:, got ${url.protocol}`);
  }
  return url;
}

/** `contentLength`, or the `content-length` header when it agrees with it (or stands alone). */
function declaredLength(
  contentLength: number | undefined,
  headers: Readonly<Record<string, string>>,
): number | undefined {
  const headerLength = headers['content-length'];
  if (headerLength === undefined) return contentLength;
  const trimmed = headerLength.trim();
  const parsed = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (Number.isNaN(parsed) || (contentLength !== undefined && contentLength !== parsed)) {
    throw new RangeError(
      `request.headers["content-length"] (${headerLength}) conflicts with request.contentLength or is not a number`,
    );
  }
  return parsed;
}
