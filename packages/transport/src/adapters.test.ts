// The same behavioural suite for every adapter, against real HTTP servers on 127.0.0.1.

import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  assertOk,
  bufferedHttpClient,
  ContentLengthMismatchError,
  createFetchClient,
  createKyClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  HttpStatusError,
  isAbortError,
  isContentLengthMismatchError,
  isNetworkError,
  isRangeMismatchError,
  isTimeoutError,
  NetworkError,
  RangeMismatchError,
  readBytes,
  readJson,
  TimeoutError,
  type TransferProgress,
} from './index.js';
import { createNodeHttpClient, type NodeHttpClient } from './node.js';
import {
  isPattern,
  patternBytes,
  patternChunks,
  patternSha256,
  startRssSampler,
  startTestServer,
  type TestServer,
} from './test-support/test-server.js';

const MiB = 1024 * 1024;

/** What the test server's `/upload` route answers about the body it received. */
interface UploadEcho {
  received: number;
  sha256: string;
  contentLength: string | null;
  chunked: boolean;
}

const nodeClients: NodeHttpClient[] = [];
function trackedNode(options?: Parameters<typeof createNodeHttpClient>[0]): NodeHttpClient {
  const client = createNodeHttpClient(options);
  nodeClients.push(client);
  return client;
}

interface AdapterCase {
  readonly name: string;
  readonly streaming: boolean;
  readonly create: (options?: HttpClientOptions) => HttpClient;
}

const adapters: AdapterCase[] = [
  { name: 'ky', streaming: true, create: (options) => createKyClient(options) },
  { name: 'fetch', streaming: true, create: (options) => createFetchClient(undefined, options) },
  { name: 'node', streaming: true, create: (options) => trackedNode(options) },
  {
    name: 'buffered(node)',
    streaming: false,
    create: (options) => bufferedHttpClient(trackedNode(options)),
  },
];

let server: TestServer;
let otherServer: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  otherServer = await startTestServer();
});
afterAll(async () => {
  for (const client of nodeClients) client.close();
  await server.close();
  await otherServer.close();
});

let ids = 0;
const nextId = (): string => `req-${ids++}`;

/** Request + full read, so that errors surface the same way for streaming and buffered clients. */
async function requestBytes(client: HttpClient, request: HttpRequest): Promise<Uint8Array> {
  const response = await client.request(request);
  return readBytes(response, { maxBytes: Number.POSITIVE_INFINITY });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}

/** Reads a whole body through the fast path, `response.chunks()`. */
async function readChunks(response: HttpResponse): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.chunks()) {
    parts.push(chunk);
    size += chunk.byteLength;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Request + full read through `chunks()`. */
async function requestChunks(client: HttpClient, request: HttpRequest): Promise<Uint8Array> {
  return readChunks(await client.request(request));
}

/** The two ways of reading a whole body: `response.body` and `response.chunks()`. */
const readPaths = [
  ['body', requestBytes],
  ['chunks()', requestChunks],
] as const;

function checkMonotone(events: TransferProgress[], total: number): void {
  expect(events.length).toBeGreaterThan(0);
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.transferredBytes).toBeGreaterThanOrEqual(events[i - 1]!.transferredBytes);
  }
  const last = events.at(-1)!;
  expect(last.transferredBytes).toBe(total);
  expect(last.percent).toBe(1);
}

describe.each(adapters)('$name adapter', ({ name, streaming, create }) => {
  const client = create();

  it('reports supportsStreaming and its name', () => {
    expect(client.supportsStreaming).toBe(streaming);
    expect(client.name).toBe(name);
    expect(client.config.timeouts).toEqual({ headersTimeoutMs: 30_000, idleTimeoutMs: 30_000 });
  });

  it('reads a Content-Length reply byte for byte, with lower-cased headers', async () => {
    const size = 300_001;
    const response = await client.request({ url: `${server.origin}/bytes?size=${size}` });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.contentLength).toBe(size);
    expect(response.headers['content-length']).toBe(String(size));
    expect(Object.keys(response.headers).every((key) => key === key.toLowerCase())).toBe(true);
    expect(response.range).toBeNull();
    expect(response.body).toBeInstanceOf(ReadableStream);
    const bytes = await readBytes(response);
    expect(bytes.byteLength).toBe(size);
    expect(isPattern(bytes, 0)).toBe(true);
  });

  it('reads a chunked reply and reports download progress up to the total', async () => {
    const size = 1_000_003;
    const events: TransferProgress[] = [];
    const response = await client.request({
      url: `${server.origin}/bytes?size=${size}&chunked=1`,
      onDownloadProgress: (progress) => events.push(progress),
    });
    expect(response.contentLength).toBeNull();
    expect(response.headers['transfer-encoding']).toBe('chunked');
    const bytes = await readBytes(response);
    expect(bytes.byteLength).toBe(size);
    expect(isPattern(bytes, 0)).toBe(true);
    checkMonotone(events, size);
    expect(events.at(-1)!.totalBytes).toBe(size);
  });

  it('streams a large download in bounded memory with monotone progress, every byte checked', async () => {
    const size = streaming ? 512 * MiB : 64 * MiB;
    const events: TransferProgress[] = [];
    const sampler = startRssSampler();
    const response = await client.request({
      url: `${server.origin}/bytes?size=${size}`,
      onDownloadProgress: (progress) => events.push(progress),
    });
    let offset = 0;
    let firstBadOffset = -1;
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      if (firstBadOffset === -1 && !isPattern(chunk, offset)) firstBadOffset = offset;
      offset += chunk.byteLength;
    }
    const { growthBytes } = sampler.stop();
    expect(offset).toBe(size);
    expect(firstBadOffset).toBe(-1);
    checkMonotone(events, size);
    expect(events.at(-1)!.totalBytes).toBe(size);
    if (streaming) expect(growthBytes).toBeLessThan(96 * MiB);
  });

  it('streams a large upload with an exact Content-Length, bounded memory and progress', async () => {
    const size = streaming ? 256 * MiB : 64 * MiB;
    const events: TransferProgress[] = [];
    const sampler = startRssSampler();
    const response = await client.request({
      method: 'PUT',
      url: `${server.origin}/upload`,
      body: patternChunks(size),
      contentLength: size,
      onUploadProgress: (progress) => events.push(progress),
    });
    const reply = await readJson<UploadEcho>(response);
    const { growthBytes } = sampler.stop();
    expect(reply).toEqual({
      received: size,
      sha256: patternSha256(size),
      contentLength: String(size),
      chunked: false,
    });
    checkMonotone(events, size);
    expect(events.at(-1)!.totalBytes).toBe(size);
    expect(growthBytes).toBeLessThan(96 * MiB);
  });

  it('sends Uint8Array, ReadableStream and unknown-length bodies correctly', async () => {
    const size = 200_000;
    const bytes = patternBytes(0, size);
    const fromBytes = await readJson<UploadEcho>(
      await client.request({ method: 'POST', url: `${server.origin}/upload`, body: bytes }),
    );
    expect(fromBytes).toMatchObject({
      sha256: patternSha256(size),
      contentLength: String(size),
      chunked: false,
    });

    const stream = streamOf(patternChunks(size, 10_000));
    const fromStream = await readJson<UploadEcho>(
      await client.request({
        method: 'POST',
        url: `${server.origin}/upload`,
        body: stream,
        contentLength: size,
      }),
    );
    expect(fromStream).toMatchObject({
      sha256: patternSha256(size),
      contentLength: String(size),
      chunked: false,
    });

    const events: TransferProgress[] = [];
    const unknown = await readJson<UploadEcho>(
      await client.request({
        method: 'POST',
        url: `${server.origin}/upload`,
        body: patternChunks(size, 7_000),
        onUploadProgress: (progress) => events.push(progress),
      }),
    );
    expect(unknown).toMatchObject({
      sha256: patternSha256(size),
      contentLength: null,
      chunked: true,
    });
    checkMonotone(events, size);
  });

  it.each([
    ['shorter', 100_000, 150_000],
    ['longer', 150_000, 100_000],
  ])(
    'fails a body %s than its declared length, and the server never gets a complete body',
    async (_label, real, declared) => {
      const id = nextId();
      const error = await rejectionOf(
        requestBytes(client, {
          method: 'PUT',
          url: `${server.origin}/upload?id=${id}`,
          body: patternChunks(real, 10_000),
          contentLength: declared,
        }),
      );
      expect(isContentLengthMismatchError(error)).toBe(true);
      expect(error).toBeInstanceOf(ContentLengthMismatchError);
      expect((error as ContentLengthMismatchError).direction).toBe('request');
      expect((error as ContentLengthMismatchError).expectedBytes).toBe(declared);
      const seen = await server.waitFor(id);
      await seen.closedEarly;
      expect(seen.receivedBytes).toBeLessThan(declared);
    },
  );

  it('fires the headers timeout and closes the connection', async () => {
    const id = nextId();
    const error = await rejectionOf(
      client.request({
        url: `${server.origin}/slow-headers?delay=5000&id=${id}`,
        timeouts: { headersTimeoutMs: 200 },
      }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(error)).toBe(true);
    expect((error as TimeoutError).phase).toBe('headers');
    expect((error as TimeoutError).timeoutMs).toBe(200);
    await (await server.waitFor(id)).closedEarly;
  });

  describe.each(readPaths)('reading via %s', (_path, read) => {
    it('fires the idle timeout when a download stalls', async () => {
      const id = nextId();
      const error = await rejectionOf(
        read(client, {
          url: `${server.origin}/stall?after=100000&size=1000000&id=${id}`,
          timeouts: { idleTimeoutMs: 300 },
        }),
      );
      expect(isTimeoutError(error)).toBe(true);
      expect((error as TimeoutError).phase).toBe('download');
      await (await server.waitFor(id)).closedEarly;
    });
  });

  it('fires the idle timeout when the server stops reading an upload', async () => {
    const id = nextId();
    const size = 256 * MiB; // generated lazily; only socket buffers' worth is ever produced
    const error = await rejectionOf(
      client.request({
        method: 'PUT',
        url: `${server.origin}/upload-stall?id=${id}`,
        body: patternChunks(size),
        contentLength: size,
        timeouts: { idleTimeoutMs: 400 },
      }),
    );
    expect(isTimeoutError(error)).toBe(true);
    expect((error as TimeoutError).phase).toBe('upload');
    await (await server.waitFor(id)).closedEarly;
  });

  it('keeps an early answer (before the upload ends) intact past the headers timeout', async () => {
    const size = 8 * MiB;
    const response = await client.request({
      method: 'PUT',
      url: `${server.origin}/early-reply`,
      body: patternChunks(size),
      contentLength: size,
      timeouts: { headersTimeoutMs: 100 },
    });
    expect(response.status).toBe(413);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(new TextDecoder().decode(await readBytes(response))).toBe('too big!');
  });

  it('fails with a NetworkError (no hang) when the connection resets mid-body', async () => {
    const error = await rejectionOf(
      requestBytes(client, { url: `${server.origin}/reset?after=${MiB}&size=${8 * MiB}` }),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(isNetworkError(error)).toBe(true);
    expect((error as NetworkError).phase).toBe('download');
  });

  it('fails with a NetworkError when nothing listens', async () => {
    const closed = await startTestServer();
    const origin = closed.origin;
    await closed.close();
    const error = await rejectionOf(client.request({ url: `${origin}/bytes?size=1` }));
    expect(isNetworkError(error)).toBe(true);
    expect((error as NetworkError).code).toBe('ECONNREFUSED');
  });

  it('aborts before the headers and the server sees the socket close', async () => {
    const id = nextId();
    const controller = new AbortController();
    const pending = client.request({
      url: `${server.origin}/slow-headers?delay=5000&id=${id}`,
      signal: controller.signal,
    });
    await server.waitFor(id);
    controller.abort(new Error('user gave up'));
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(AbortError);
    expect(isAbortError(error)).toBe(true);
    expect((error as AbortError).phase).toBe('headers');
    expect(((error as AbortError).cause as Error).message).toBe('user gave up');
    await (await server.waitFor(id)).closedEarly;
  });

  it('rejects at once for an already aborted signal', async () => {
    const error = await rejectionOf(
      client.request({ url: `${server.origin}/bytes?size=10`, signal: AbortSignal.abort() }),
    );
    expect(isAbortError(error)).toBe(true);
  });

  it('aborts mid-body and the server sees the socket close', async () => {
    const id = nextId();
    const controller = new AbortController();
    let aborted = false;
    const error = await rejectionOf(
      requestBytes(client, {
        url: `${server.origin}/bytes?size=${256 * MiB}&id=${id}`,
        signal: controller.signal,
        onDownloadProgress: (progress) => {
          if (!aborted && progress.transferredBytes > MiB) {
            aborted = true;
            controller.abort();
          }
        },
      }),
    );
    expect(isAbortError(error)).toBe(true);
    expect((error as AbortError).phase).toBe('download');
    await (await server.waitFor(id)).closedEarly;
  });

  it('aborts mid-upload, releases the body source, and the server sees the socket close', async () => {
    const id = nextId();
    const controller = new AbortController();
    const size = 256 * MiB;
    let sourceReleased = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield* patternChunks(size);
      } finally {
        sourceReleased = true;
      }
    }
    const error = await rejectionOf(
      client.request({
        method: 'PUT',
        url: `${server.origin}/upload?id=${id}`,
        body: source(),
        contentLength: size,
        signal: controller.signal,
        onUploadProgress: (progress) => {
          if (progress.transferredBytes > 2 * MiB && !controller.signal.aborted) controller.abort();
        },
      }),
    );
    expect(isAbortError(error)).toBe(true);
    expect((error as AbortError).phase).toBe('upload');
    const seen = await server.waitFor(id);
    await seen.closedEarly;
    expect(seen.receivedBytes).toBeLessThan(size);
    await expect.poll(() => sourceReleased).toBe(true);
  });

  it('cancel() frees the connection mid-body', async () => {
    const id = nextId();
    const response = await client.request({
      url: `${server.origin}/bytes?size=${64 * MiB}&id=${id}`,
    });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    reader.releaseLock();
    await response.cancel();
    if (streaming) await (await server.waitFor(id)).closedEarly;
    // The client keeps working afterwards.
    expect((await requestBytes(client, { url: `${server.origin}/bytes?size=10` })).byteLength).toBe(
      10,
    );
  });

  it('returns 206 with the parsed Content-Range (end exclusive)', async () => {
    const size = 100_000;
    const response = await client.request({
      url: `${server.origin}/bytes?size=${size}`,
      range: { start: 1000, end: 2000 },
    });
    expect(response.status).toBe(206);
    expect(response.range).toEqual({ start: 1000, end: 2000, total: size });
    const bytes = await readBytes(response);
    expect(bytes.byteLength).toBe(1000);
    expect(isPattern(bytes, 1000)).toBe(true);

    const tail = await client.request({
      url: `${server.origin}/bytes?size=${size}`,
      range: { start: size - 10 },
    });
    expect(tail.range).toEqual({ start: size - 10, end: size, total: size });
    expect(isPattern(await readBytes(tail), size - 10)).toBe(true);
  });

  it('rejects a 206 for another range than the one asked for (RangeMismatchError)', async () => {
    const wrongStart = await rejectionOf(
      client.request({
        url: `${server.origin}/wrong-range?range=0-9&total=100`,
        range: { start: 50 },
      }),
    );
    expect(wrongStart).toBeInstanceOf(RangeMismatchError);
    expect(isRangeMismatchError(wrongStart)).toBe(true);
    expect(wrongStart).toMatchObject({
      requested: { start: 50 },
      received: { start: 0, end: 10, total: 100 },
    });
    expect((wrongStart as Error).message).toMatch(/bytes=50-/);

    const pastEnd = await rejectionOf(
      client.request({
        url: `${server.origin}/wrong-range?range=0-9&total=100`,
        range: { start: 0, end: 5 },
      }),
    );
    expect(isRangeMismatchError(pastEnd)).toBe(true);
    expect(pastEnd).toMatchObject({ requested: { start: 0, end: 5 }, received: { end: 10 } });

    const missing = await rejectionOf(
      client.request({ url: `${server.origin}/wrong-range?range=none`, range: { start: 0 } }),
    );
    expect(isRangeMismatchError(missing)).toBe(true);
    expect(missing).toMatchObject({ requested: { start: 0 }, received: null });

    // Fewer bytes than asked (the file ends earlier) is a valid answer, reported in `range`.
    const shorter = await client.request({
      url: `${server.origin}/wrong-range?range=40-49&total=50`,
      range: { start: 40, end: 100 },
    });
    expect(shorter.range).toEqual({ start: 40, end: 50, total: 50 });
    expect(isPattern(await readBytes(shorter), 40)).toBe(true);

    // The client keeps working (the mismatched connections were released or dropped).
    expect((await requestBytes(client, { url: `${server.origin}/bytes?size=10` })).byteLength).toBe(
      10,
    );
  });

  it('makes a 200 answer to a range request visible (range: null, body from 0)', async () => {
    const size = 5000;
    const response = await client.request({
      url: `${server.origin}/bytes?size=${size}&ignoreRange=1`,
      range: { start: 1000 },
    });
    expect(response.status).toBe(200);
    expect(response.range).toBeNull();
    const bytes = await readBytes(response);
    expect(bytes.byteLength).toBe(size);
    expect(isPattern(bytes, 0)).toBe(true);
  });

  it('follows redirects (bounded) and reports the final URL', async () => {
    const response = await client.request({
      url: `${server.origin}/redirect?n=3&to=${encodeURIComponent('/bytes?size=7')}`,
    });
    expect(response.status).toBe(200);
    expect(response.redirected).toBe(true);
    expect(response.url).toBe(`${server.origin}/bytes?size=7`);
    expect((await readBytes(response)).byteLength).toBe(7);

    const manual = await client.request({
      url: `${server.origin}/redirect?n=1`,
      redirect: 'manual',
    });
    expect(manual.status).toBe(302);
    expect(manual.headers.location).toBe('/echo');
    await manual.cancel();

    const loop = await rejectionOf(client.request({ url: `${server.origin}/redirect?loop=1` }));
    expect(isNetworkError(loop)).toBe(true);
    expect((loop as Error).message).toMatch(/Too many redirects/);
  });

  it('re-sends a byte body on 307, switches to GET on 303, drops credentials across origins', async () => {
    const body = new TextEncoder().encode('hello');
    const kept = await readJson<{ method: string; body: string }>(
      await client.request({
        method: 'PUT',
        url: `${server.origin}/redirect?code=307&to=/echo`,
        body,
      }),
    );
    expect(kept).toMatchObject({ method: 'PUT', body: 'hello' });

    const switched = await readJson<{ method: string; body: string }>(
      await client.request({
        method: 'POST',
        url: `${server.origin}/redirect?code=303&to=/echo`,
        body,
      }),
    );
    expect(switched).toMatchObject({ method: 'GET', body: '' });

    const crossed = await readJson<{ headers: Record<string, string> }>(
      await client.request({
        url: `${server.origin}/redirect?to=${encodeURIComponent(`${otherServer.origin}/echo`)}`,
        headers: { Authorization: 'Bearer cross-origin-secret', 'X-Keep': 'yes' },
      }),
    );
    expect(crossed.headers.authorization).toBeUndefined();
    expect(crossed.headers['x-keep']).toBe('yes');
  });

  it('returns error statuses; assertOk throws HttpStatusError with Retry-After', async () => {
    const response = await client.request({ url: `${server.origin}/status?code=503&retryAfter=7` });
    expect(response.status).toBe(503);
    expect(response.ok).toBe(false);
    const error = await rejectionOf(assertOk(response));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ status: 503, retryAfterMs: 7000, bodySnippet: 'failure body' });
    const fine = await client.request({ url: `${server.origin}/bytes?size=3` });
    expect(await assertOk(fine)).toBe(fine);
    await fine.cancel();
  });

  it('runs hooks with one state object and the real URL', async () => {
    const seen: string[] = [];
    const hooked = create({
      headers: { 'X-Default': 'd' },
      hooks: {
        beforeRequest: [
          (state) => {
            seen.push(
              `before ${state.request.method} ${state.request.url.pathname}${state.request.url.search} #${state.redirectCount}`,
            );
            state.request.headers['x-hook'] = 'h';
          },
        ],
        afterResponse: [
          (state) => {
            seen.push(`after ${state.response.status} ${state.durationMs >= 0}`);
          },
        ],
        beforeError: [
          (state) => new TimeoutError({ phase: 'headers', timeoutMs: 1, request: state.request }),
        ],
      },
    });
    const echoed = await readJson<{ headers: Record<string, string> }>(
      await hooked.request({ url: `${server.origin}/redirect?to=/echo%3Fauth%3Dreal` }),
    );
    expect(echoed.headers).toMatchObject({ 'x-default': 'd', 'x-hook': 'h' });
    expect(seen).toEqual([
      'before GET /redirect?to=/echo%3Fauth%3Dreal #0',
      'before GET /echo?auth=real #1',
      'after 200 true',
    ]);
    const replaced = await rejectionOf(
      hooked.request({
        url: `${server.origin}/slow-headers?delay=3000`,
        timeouts: { headersTimeoutMs: 100 },
      }),
    );
    expect((replaced as TimeoutError).timeoutMs).toBe(1);
  });

  it.each([
    ['query only', false],
    ['CDN upload URL with the token in the path', true],
  ])(
    'never shows credentials in errors (message, url, stack, JSON, inspect, clone, causes): %s',
    async (_shape, tokenInPath) => {
      const secrets = [
        's3cr3t-auth-value',
        'tok-9f8e7d6c',
        'oh-01ABCDEF',
        'hash-ZZZYYYXXX',
        'Bearer-credential-42',
      ];
      const query = `auth=${secrets[0]}&token=${secrets[1]}&oh=${secrets[2]}&hash=${secrets[3]}`;
      const headers = { Authorization: `Bearer ${secrets[4]}` };
      // `/mms/image/{token}?…&as=<route>` reaches the same test route with the token in the path.
      const at = (origin: string, route: string, params: string): string =>
        tokenInPath
          ? `${origin}/mms/image/${secrets[1]}?as=${route.slice(1)}&${params}${params ? '&' : ''}${query}`
          : `${origin}${route}?${params}${params ? '&' : ''}${query}`;
      const closed = await startTestServer();
      const deadOrigin = closed.origin;
      await closed.close();
      // One request for each failure mode, with the credentials in both the URL and the headers.
      const secretRequest = (
        route: string,
        params: string,
        rest: Omit<HttpRequest, 'url' | 'headers'> = {},
        origin = server.origin,
      ): HttpRequest => ({ url: at(origin, route, params), headers, ...rest });
      const errors: unknown[] = [
        await rejectionOf(client.request(secretRequest('/x', '', {}, deadOrigin))),
        await rejectionOf(requestBytes(client, secretRequest('/reset', 'after=1000&size=100000'))),
        await rejectionOf(
          client.request(
            secretRequest('/slow-headers', 'delay=3000', { timeouts: { headersTimeoutMs: 50 } }),
          ),
        ),
        await rejectionOf(
          client.request(secretRequest('/bytes', 'size=1', { signal: AbortSignal.abort() })),
        ),
        await rejectionOf(
          assertOk(
            await client.request(
              secretRequest('/status', 'code=403', { method: 'POST', body: new Uint8Array(3) }),
            ),
          ),
        ),
        await rejectionOf(client.request(secretRequest('/redirect', 'loop=1'))),
        await rejectionOf(
          client.request(
            secretRequest('/upload', '', {
              method: 'PUT',
              body: patternChunks(1000),
              contentLength: 2000,
            }),
          ),
        ),
        await rejectionOf(
          requestBytes(
            client,
            secretRequest('/stall', 'after=10&size=100', { timeouts: { idleTimeoutMs: 50 } }),
          ),
        ),
        await rejectionOf(
          client.request(
            secretRequest('/wrong-range', 'range=0-9&total=100', { range: { start: 50 } }),
          ),
        ),
      ];
      for (const error of errors) {
        const texts: string[] = [];
        let current: unknown = error;
        for (let depth = 0; current !== undefined && depth < 10; depth++) {
          const e = current as Error & { url?: unknown };
          texts.push(
            String(e.message),
            String(e.url),
            String(e.stack),
            JSON.stringify(e),
            inspect(e, { depth: 10 }),
            inspect(e, { depth: 10, showHidden: true }),
          );
          current = e.cause;
        }
        texts.push(JSON.stringify(structuredClone(error)), inspect(structuredClone(error)));
        const all = texts.join('\n');
        for (const secret of secrets) expect(all).not.toContain(secret);
        expect(all).toContain('REDACTED');
        if (tokenInPath) expect((error as { url?: string }).url).toContain('/mms/image/REDACTED?');
      }
    },
  );

  describe('chunks() (the fast path)', () => {
    it('reads Content-Length, chunked and 206 replies byte for byte', async () => {
      const size = 300_001;
      const whole = await client.request({ url: `${server.origin}/bytes?size=${size}` });
      const bytes = await readChunks(whole);
      expect(bytes.byteLength).toBe(size);
      expect(isPattern(bytes, 0)).toBe(true);

      const chunked = await requestChunks(client, {
        url: `${server.origin}/bytes?size=${size}&chunked=1`,
      });
      expect(chunked.byteLength).toBe(size);
      expect(isPattern(chunked, 0)).toBe(true);

      const partial = await client.request({
        url: `${server.origin}/bytes?size=${size}`,
        range: { start: 1000, end: 200_000 },
      });
      expect(partial.range).toEqual({ start: 1000, end: 200_000, total: size });
      const slice = await readChunks(partial);
      expect(slice.byteLength).toBe(199_000);
      expect(isPattern(slice, 1000)).toBe(true);

      const head = await client.request({ method: 'HEAD', url: `${server.origin}/bytes?size=9` });
      expect(await readChunks(head)).toEqual(new Uint8Array(0));
    });

    it('streams a large download in bounded memory with monotone progress, every byte checked', async () => {
      const size = streaming ? 256 * MiB : 32 * MiB;
      const events: TransferProgress[] = [];
      const sampler = startRssSampler();
      const response = await client.request({
        url: `${server.origin}/bytes?size=${size}`,
        onDownloadProgress: (progress) => events.push(progress),
      });
      let offset = 0;
      let firstBadOffset = -1;
      for await (const chunk of response.chunks()) {
        if (firstBadOffset === -1 && !isPattern(chunk, offset)) firstBadOffset = offset;
        offset += chunk.byteLength;
      }
      const { growthBytes } = sampler.stop();
      expect(offset).toBe(size);
      expect(firstBadOffset).toBe(-1);
      checkMonotone(events, size);
      expect(events.at(-1)!.totalBytes).toBe(size);
      if (streaming) expect(growthBytes).toBeLessThan(96 * MiB);
    });

    it('aborts mid-body and the server sees the socket close', async () => {
      const id = nextId();
      const controller = new AbortController();
      const error = await rejectionOf(
        requestChunks(client, {
          url: `${server.origin}/bytes?size=${256 * MiB}&id=${id}`,
          signal: controller.signal,
          onDownloadProgress: (progress) => {
            if (progress.transferredBytes > MiB) controller.abort(new Error('enough'));
          },
        }),
      );
      expect(isAbortError(error)).toBe(true);
      expect((error as AbortError).phase).toBe('download');
      await (await server.waitFor(id)).closedEarly;
    });

    it('fails with a NetworkError when the connection resets mid-body', async () => {
      const error = await rejectionOf(
        requestChunks(client, { url: `${server.origin}/reset?after=${MiB}&size=${8 * MiB}` }),
      );
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).phase).toBe('download');
    });

    it('never yields a body shorter than its Content-Length as complete', async () => {
      const error = await rejectionOf(
        requestChunks(client, { url: `${server.origin}/short?after=100000&size=200000` }),
      );
      // The HTTP parser (NetworkError) or the core's own count (ContentLengthMismatchError).
      expect(isNetworkError(error) || isContentLengthMismatchError(error)).toBe(true);
      expect((error as NetworkError).phase ?? 'download').toBe('download');
    });

    it('return() on the iterator (break) frees the connection', async () => {
      const id = nextId();
      const response = await client.request({
        url: `${server.origin}/bytes?size=${64 * MiB}&id=${id}`,
      });
      let seen = 0;
      for await (const chunk of response.chunks()) {
        seen += chunk.byteLength;
        break;
      }
      expect(seen).toBeGreaterThan(0);
      if (streaming) await (await server.waitFor(id)).closedEarly;
      await response.cancel(); // a no-op now
      expect(
        (await requestChunks(client, { url: `${server.origin}/bytes?size=10` })).byteLength,
      ).toBe(10);
    });

    it('lets one reader take a body: body or chunks(), never both (TypeError)', async () => {
      const viaChunks = await client.request({ url: `${server.origin}/bytes?size=1000` });
      const iterator = viaChunks.chunks();
      expect(() => viaChunks.body).toThrow(TypeError);
      expect(() => viaChunks.body).toThrow(/already taken by response\.chunks\(\)/);
      expect(() => viaChunks.chunks()).toThrow(/only be called once/);
      let size = 0;
      for await (const chunk of iterator) size += chunk.byteLength;
      expect(size).toBe(1000);

      const viaBody = await client.request({ url: `${server.origin}/bytes?size=1000` });
      const stream = viaBody.body;
      expect(viaBody.body).toBe(stream); // the same stream on every access
      expect(() => viaBody.chunks()).toThrow(/already taken by response\.body/);
      expect((await readBytes(viaBody)).byteLength).toBe(1000);
    });

    it('keeps credentials out of errors raised while iterating', async () => {
      const secret = 'chunk-secret-4242';
      const error = await rejectionOf(
        requestChunks(client, {
          url: `${server.origin}/reset?after=1000&size=100000&auth=${secret}`,
          headers: { Authorization: `Bearer ${secret}` },
        }),
      );
      expect(isNetworkError(error)).toBe(true);
      const texts = [
        JSON.stringify(error),
        inspect(error, { depth: 10, showHidden: true }),
        String((error as Error).stack),
      ].join('\n');
      expect(texts).not.toContain(secret);
      expect(texts).toContain('REDACTED');
    });
  });
});

describe('node adapter specifics', () => {
  it('keeps one socket alive across consumed bodies, HEAD, 204-like and error replies', async () => {
    const client = trackedNode();
    await requestBytes(client, { url: `${server.origin}/bytes?size=10` });
    const before = server.connectionCount();
    for (let i = 0; i < 5; i++) {
      expect(
        (await requestBytes(client, { url: `${server.origin}/bytes?size=100000` })).byteLength,
      ).toBe(100_000);
      const head = await client.request({ method: 'HEAD', url: `${server.origin}/bytes?size=100` });
      expect(head.body).toBeNull();
      const failed = await client.request({ url: `${server.origin}/status?code=500` });
      await expect(assertOk(failed)).rejects.toBeInstanceOf(HttpStatusError);
    }
    expect(server.connectionCount()).toBe(before);
  });

  it('reuses one keep-alive socket: consumed and cancelled bodies release it', async () => {
    const client = trackedNode({ agentOptions: { maxSockets: 1 } });
    for (let i = 0; i < 5; i++) {
      await requestBytes(client, { url: `${server.origin}/bytes?size=100000` });
      const partial = await client.request({ url: `${server.origin}/bytes?size=${8 * MiB}` });
      const reader = partial.body!.getReader();
      await reader.read();
      await reader.cancel();
      const failed = await client.request({ url: `${server.origin}/status?code=500` });
      await expect(assertOk(failed)).rejects.toBeInstanceOf(HttpStatusError);
    }
    expect(client.config.httpAgent.maxSockets).toBe(1);
  });

  it('reuses one keep-alive socket through chunks(): finished and broken-off iterations', async () => {
    const client = trackedNode({ agentOptions: { maxSockets: 1 } });
    for (let i = 0; i < 5; i++) {
      expect(
        (await requestChunks(client, { url: `${server.origin}/bytes?size=100000` })).byteLength,
      ).toBe(100_000);
      const partial = await client.request({ url: `${server.origin}/bytes?size=${8 * MiB}` });
      const iterator = partial.chunks();
      expect((await iterator.next()).done).toBe(false);
      expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
      expect((await iterator.next()).done).toBe(true);
    }
    // With one socket, any leaked connection would make this request wait forever.
    expect(
      (await requestChunks(client, { url: `${server.origin}/bytes?size=10` })).byteLength,
    ).toBe(10);
  });
});
