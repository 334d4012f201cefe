// The buffered adapter: reads every response body fully before resolving. It models clients
// that cannot stream, and proves that callers need no second code path: the body is still a
// ReadableStream, produced from the buffer.

import { BodyClaim } from '../core/download-body.js';
import { readBytes } from '../core/read-body.js';
import type { HttpClient, HttpClientConfig, HttpRequest, HttpResponse } from '../types.js';

/** Options of {@link bufferedHttpClient}. */
export interface BufferedHttpClientOptions {
  /**
   * Largest body that will be buffered; bigger ones fail with `ResponseTooLargeError`. It
   * buffers media too, so the default is the largest media a download accepts.
   * @default 2147483648 (2 GiB)
   */
  readonly maxBytes?: number;
}

const defaultBufferedMaxBytes = 2 * 1024 * 1024 * 1024;

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
    const bytes = await readBytes(response, {
      maxBytes: options.maxBytes ?? defaultBufferedMaxBytes,
    });
    // Served from the buffer through `body` or `chunks()` (one of them, like every response).
    const claim = new BodyClaim();
    let stream: ReadableStream<Uint8Array> | null = null;
    let remaining: Uint8Array | null = bytes;
    const nextChunk = (): Uint8Array | null => {
      if (remaining === null || remaining.byteLength === 0) {
        remaining = null;
        return null;
      }
      const chunk = remaining.subarray(0, REPLAY_CHUNK);
      remaining = remaining.subarray(chunk.byteLength);
      return chunk;
    };
    const drop = (): void => {
      // The connection is already free; this only drops the buffer.
      remaining = null;
    };
    return {
      status: response.status,
      statusText: response.statusText,
      ok: response.ok,
      headers: response.headers,
      method: response.method,
      url: response.url,
      redirected: response.redirected,
      contentLength: response.contentLength,
      range: response.range,
      get body(): ReadableStream<Uint8Array> {
        claim.claimBody();
        stream ??= new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              const chunk = nextChunk();
              if (chunk === null) controller.close();
              else controller.enqueue(chunk);
            },
            cancel: drop,
          },
          { highWaterMark: 0 },
        );
        return stream;
      },
      chunks: (): AsyncIterableIterator<Uint8Array> => {
        claim.claimChunks();
        const iterator: AsyncIterableIterator<Uint8Array> = {
          next: () => {
            const chunk = nextChunk();
            return Promise.resolve(
              chunk === null ? { done: true, value: undefined } : { done: false, value: chunk },
            );
          },
          return: () => {
            drop();
            return Promise.resolve({ done: true, value: undefined });
          },
          [Symbol.asyncIterator]: () => iterator,
        };
        return iterator;
      },
      cancel: async (reason?: unknown) => {
        if (stream && !stream.locked) await stream.cancel(reason).catch(() => undefined);
        drop();
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
