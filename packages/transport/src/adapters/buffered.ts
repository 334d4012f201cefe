// The buffered adapter: reads every response body fully before resolving. It models clients
// that cannot stream, and proves that callers need no second code path: the body is still a
// ReadableStream, produced from the buffer.

import { readBytes } from '../core/read-body.js';
import type { HttpClient, HttpClientConfig, HttpRequest, HttpResponse } from '../types.js';

/** Options of {@link bufferedHttpClient}. */
export interface BufferedHttpClientOptions {
  /**
   * Largest body that will be buffered; bigger ones fail with `ResponseTooLargeError`.
   * @default Infinity
   */
  readonly maxBytes?: number;
}

/** Size of the chunks the buffered body is replayed in. */
const REPLAY_CHUNK = 64 * 1024;

/**
 * Wraps `inner` so that each response body is fully read before `request()` resolves
 * (`supportsStreaming: false`). Timeouts, abort and progress of the inner client still apply
 * while buffering.
 *
 * @example
 * ```ts
 * const http = bufferedHttpClient(createFetchClient());
 * ```
 * @throws {ResponseTooLargeError} (from `request()`) a body exceeds `maxBytes`.
 */
export function bufferedHttpClient<TConfig extends HttpClientConfig>(
  inner: HttpClient<TConfig>,
  options: BufferedHttpClientOptions = {},
): HttpClient<TConfig> {
  const request = async (input: HttpRequest): Promise<HttpResponse> => {
    const response = await inner.request(input);
    if (!response.body) return response;
    const bytes = await readBytes(
      response,
      options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes },
    );
    let offset = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (offset >= bytes.byteLength) {
            controller.close();
            return;
          }
          const end = Math.min(bytes.byteLength, offset + REPLAY_CHUNK);
          controller.enqueue(bytes.subarray(offset, end));
          offset = end;
        },
      },
      { highWaterMark: 0 },
    );
    return {
      ...response,
      body,
      cancel: async (reason?: unknown) => {
        // The connection is already free; this only drops the buffer.
        await body.cancel(reason).catch(() => undefined);
      },
    };
  };
  return {
    name: `buffered(${inner.name})`,
    config: inner.config,
    supportsStreaming: false,
    request,
  };
}
