// Reading a whole body: bounded by `maxBytes`, so a hostile or broken server cannot make us
// allocate without limit.

import { ResponseParseError, ResponseTooLargeError } from '../errors.js';
import type { HttpResponse } from '../types.js';

/** Default of {@link ReadBodyOptions.maxBytes}: these helpers read replies, not media. */
export const DEFAULT_READ_MAX_BYTES: number = 16 * 1024 * 1024;

/**
 * Largest `Content-Length` allocated up front. A server may declare any length and send
 * nothing: beyond this, memory grows only with the bytes that actually arrive.
 */
const maxPreallocBytes = 4 * 1024 * 1024;

/** Options of {@link readBytes}, {@link readText} and {@link readJson}. */
export interface ReadBodyOptions {
  /**
   * Fail with `ResponseTooLargeError` (and cancel the body) beyond this many bytes. Pass a
   * larger number (or `Infinity`) explicitly to read bigger bodies.
   * @default 16777216 (16 MiB, `DEFAULT_READ_MAX_BYTES`)
   */
  readonly maxBytes?: number;
}

/**
 * Reads the whole body into one `Uint8Array` (empty for a body-less response). Preallocates when
 * `Content-Length` is known and at most 4 MiB; a larger declared length is not trusted with an
 * allocation before its bytes arrive.
 *
 * @example
 * ```ts
 * const bytes = await readBytes(response, { maxBytes: 1 << 20 });
 * ```
 * @throws {ResponseTooLargeError} the body exceeds `maxBytes`.
 * @throws {NetworkError | TimeoutError | AbortError | ContentLengthMismatchError} the body failed.
 * @throws {RangeError} `maxBytes` is negative or not a number.
 */
export async function readBytes(
  response: HttpResponse,
  options: ReadBodyOptions = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_READ_MAX_BYTES;
  if (typeof maxBytes !== 'number' || Number.isNaN(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxBytes must be a non-negative number, got ${String(maxBytes)}`);
  }
  const body = response.body;
  if (!body) return new Uint8Array(0);
  const tooLarge = (): ResponseTooLargeError =>
    new ResponseTooLargeError({
      request: { method: response.method, url: response.url },
      maxBytes,
    });
  const declared = response.contentLength;
  if (declared !== null && declared > maxBytes) {
    await body.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const reader = body.getReader();
  // One allocation when the length is known and small; a list of chunks otherwise.
  const prealloc =
    declared !== null && declared <= maxPreallocBytes ? new Uint8Array(declared) : null;
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      if (prealloc && size + value.byteLength <= prealloc.byteLength) prealloc.set(value, size);
      else parts.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  if (prealloc && parts.length === 0)
    return size === prealloc.byteLength ? prealloc : prealloc.slice(0, size);
  const out = new Uint8Array(size);
  let offset = 0;
  if (prealloc) {
    const head = Math.min(size, prealloc.byteLength);
    out.set(prealloc.subarray(0, head));
    offset = head;
  }
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * Reads the whole body as UTF-8 text.
 * @throws {ResponseTooLargeError} the body exceeds `maxBytes`.
 * @throws {NetworkError | TimeoutError | AbortError | ContentLengthMismatchError} the body failed.
 */
export async function readText(
  response: HttpResponse,
  options: ReadBodyOptions = {},
): Promise<string> {
  return new TextDecoder().decode(await readBytes(response, options));
}

/**
 * Reads the whole body and parses it as JSON. The type parameter is not checked at runtime.
 *
 * @example
 * ```ts
 * const reply = await readJson<{ url: string }>(response, { maxBytes: 64 * 1024 });
 * ```
 * @throws {ResponseParseError} the body is not valid JSON.
 * @throws {ResponseTooLargeError} the body exceeds `maxBytes`.
 * @throws {NetworkError | TimeoutError | AbortError | ContentLengthMismatchError} the body failed.
 */
export async function readJson<T = unknown>(
  response: HttpResponse,
  options: ReadBodyOptions = {},
): Promise<T> {
  const text = await readText(response, options);
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ResponseParseError(
      `Response body of ${response.method} ${response.url} is not valid JSON (${text.length} chars)`,
      { request: { method: response.method, url: response.url }, cause },
    );
  }
}
