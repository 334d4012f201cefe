// Status handling. `request()` returns every response; these helpers turn a non-2xx one into a
// typed error, so callers keep their own status rules (401/403/404/410/429/5xx).

import { HttpStatusError } from '../errors.js';
import type { HttpResponse } from '../types.js';

const SNIPPET_BYTES = 1024;

/**
 * Parses a `Retry-After` value (delta-seconds or HTTP-date) into milliseconds from `nowMs`.
 * Returns `null` when absent or invalid; a date in the past gives `0`.
 *
 * @example
 * ```ts
 * parseRetryAfter('120'); // 120_000
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : null;
  }
  // Only the HTTP-date forms: a bare number-like string was handled above.
  if (!/[a-z]/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * Returns `response` when its status is 2xx. Otherwise reads at most 1 KiB of the body (then
 * cancels it, freeing the connection) and throws an {@link HttpStatusError} carrying the status,
 * redacted headers, a redacted body snippet and `retryAfterMs`.
 *
 * @example
 * ```ts
 * const response = await assertOk(await http.request({ url }));
 * ```
 * @throws {HttpStatusError} the status is not 2xx.
 */
export async function assertOk(response: HttpResponse): Promise<HttpResponse> {
  if (response.ok) return response;
  let bodySnippet = '';
  if (response.body) {
    const reader = response.body.getReader();
    const parts: Uint8Array[] = [];
    let size = 0;
    try {
      while (size < SNIPPET_BYTES) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        size += value.byteLength;
      }
    } catch {
      // The status is the news here; a body that fails mid-way only shortens the snippet.
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.byteLength;
    }
    bodySnippet = new TextDecoder().decode(bytes.subarray(0, SNIPPET_BYTES));
  }
  throw new HttpStatusError({
    request: { method: response.method, url: response.url },
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    bodySnippet,
    retryAfterMs: parseRetryAfter(response.headers['retry-after']),
  });
}
