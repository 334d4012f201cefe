// The pipeline through a scripted in-memory `send`: validation, hooks order and contract
// checks that do not need sockets (the socket behaviour is in adapters.test.ts).
import { describe, expect, it } from 'vitest';
import {
  ContentLengthMismatchError,
  HttpError,
  NetworkError,
  ResponseParseError,
  ResponseTooLargeError,
  readBytes,
  readJson,
} from '../index.js';
import type { BodySource, TransportRequest } from './adapter-contract.js';
import { defineHttpClient } from './define-client.js';

function scripted(
  reply: (hop: TransportRequest) => {
    status: number;
    headers?: Record<string, string>;
    body?: Uint8Array | null;
  },
) {
  const hops: TransportRequest[] = [];
  const client = defineHttpClient({
    name: 'scripted',
    send: async (hop) => {
      hops.push(hop);
      if (hop.body) await new Response(hop.body).arrayBuffer();
      const { status, headers = {}, body = null } = reply(hop);
      return {
        status,
        statusText: '',
        headers,
        body: body
          ? new ReadableStream<Uint8Array>({
              start(controller) {
                controller.enqueue(body);
                controller.close();
              },
            })
          : null,
      };
    },
  });
  return { client, hops };
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

describe('defineHttpClient', () => {
  it('validates requests before any I/O, naming the parameter', async () => {
    const { client, hops } = scripted(() => ({ status: 200 }));
    await expect(client.request({ url: 'not a url' })).rejects.toThrow(/request\.url/);
    await expect(client.request({ url: 'ftp://h/x' })).rejects.toThrow(/http: or https:/);
    await expect(client.request({ url: 'http://h/', method: 'GE T' })).rejects.toThrow(
      /request\.method/,
    );
    await expect(client.request({ url: 'http://h/', range: { start: -1 } })).rejects.toThrow(
      /range\.start/,
    );
    await expect(
      client.request({ url: 'http://h/', timeouts: { idleTimeoutMs: -1 } }),
    ).rejects.toThrow(/request\.timeouts\.idleTimeoutMs/);
    await expect(
      client.request({ url: 'http://h/', method: 'PUT', contentLength: 1.5, body: text('x') }),
    ).rejects.toThrow(/request\.contentLength/);
    await expect(client.request({ url: 'http://h/', body: text('x') })).rejects.toThrow(
      /not allowed with method GET/,
    );
    await expect(
      client.request({ url: 'http://h/', method: 'PUT', body: 'str' as unknown as Uint8Array }),
    ).rejects.toThrow(/request\.body must be/);
    await expect(
      client.request({ url: 'http://h/', method: 'PUT', body: text('abc'), contentLength: 2 }),
    ).rejects.toBeInstanceOf(ContentLengthMismatchError);
    expect(() =>
      defineHttpClient({
        name: 'x',
        send: async () => {
          throw new Error();
        },
        options: { maxRedirects: -1 },
      }),
    ).toThrow(/options\.maxRedirects/);
    expect(hops).toHaveLength(0);
  });

  it('sends lower-cased merged headers, identity encoding, Range and Content-Length', async () => {
    const { client, hops } = scripted(() => ({ status: 200 }));
    await client.request({
      url: 'http://h/',
      method: 'post',
      headers: { 'X-One': '1', 'Accept-Encoding': 'gzip' },
      body: text('hello'),
      range: { start: 2, end: 4 },
    });
    expect(hops[0]!.method).toBe('POST');
    expect(hops[0]!.headers).toEqual({
      'accept-encoding': 'gzip',
      'x-one': '1',
      range: 'bytes=2-3',
      'content-length': '5',
    });
    expect(hops[0]!.contentLength).toBe(5);
  });

  it('rejects a 206 without a usable Content-Range instead of passing off partial bytes', async () => {
    const { client } = scripted(() => ({
      status: 206,
      headers: { 'content-range': 'bytes 0-1,5-6/10' },
      body: text('ab'),
    }));
    const error = await client
      .request({ url: 'http://h/', range: { start: 0 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toMatch(/Content-Range/);
  });

  it('detects a response body shorter than its Content-Length', async () => {
    const { client } = scripted(() => ({
      status: 200,
      headers: { 'content-length': '10' },
      body: text('short'),
    }));
    const response = await client.request({ url: 'http://h/' });
    const error = await readBytes(response).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentLengthMismatchError);
    expect(error).toMatchObject({ direction: 'response', expectedBytes: 10, actualBytes: 5 });
  });

  it('readBytes honours maxBytes, readJson reports bad JSON with a typed error', async () => {
    const { client } = scripted(() => ({ status: 200, body: text('{"a":1}') }));
    expect(await readJson(await client.request({ url: 'http://h/' }))).toEqual({ a: 1 });
    await expect(
      readBytes(await client.request({ url: 'http://h/' }), { maxBytes: 3 }),
    ).rejects.toBeInstanceOf(ResponseTooLargeError);
    const bad = scripted(() => ({
      status: 200,
      headers: { 'content-length': '3' },
      body: text('{x}'),
    }));
    await expect(
      readJson(await bad.client.request({ url: 'http://h/?token=abcdefg' })),
    ).rejects.toBeInstanceOf(ResponseParseError);
    const tooBig = scripted(() => ({
      status: 200,
      headers: { 'content-length': '7' },
      body: text('1234567'),
    }));
    await expect(
      readBytes(await tooBig.client.request({ url: 'http://h/' }), { maxBytes: 6 }),
    ).rejects.toMatchObject({
      name: 'ResponseTooLargeError',
      maxBytes: 6,
    });
  });

  it('does not cut an answer that arrived before the upload ended with the headers timeout', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let uploaded: Promise<ArrayBuffer> = Promise.resolve(new ArrayBuffer(0));
    const client = defineHttpClient({
      name: 'early',
      options: { timeouts: { headersTimeoutMs: 50 } },
      send: async (hop) => {
        uploaded = sleep(20).then(() => new Response(hop.body).arrayBuffer());
        return {
          status: 413,
          statusText: '',
          headers: {},
          body: new ReadableStream<Uint8Array>({
            async pull(controller) {
              await sleep(200);
              controller.enqueue(text('late'));
              controller.close();
            },
          }),
        };
      },
    });
    const response = await client.request({
      method: 'PUT',
      url: 'http://h/',
      body: text('x'.repeat(1000)),
    });
    expect((await uploaded).byteLength).toBe(1000);
    expect(new TextDecoder().decode(await readBytes(response))).toBe('late');
  });

  it('gives HEAD and 204 responses a null body', async () => {
    const { client } = scripted((hop) => ({
      status: hop.method === 'HEAD' ? 200 : 204,
      headers: { 'content-length': '9' },
    }));
    const head = await client.request({ url: 'http://h/', method: 'HEAD' });
    expect(head.body).toBeNull();
    expect(head.contentLength).toBe(9);
    expect(await readBytes(head)).toEqual(new Uint8Array(0));
    expect((await client.request({ url: 'http://h/', method: 'DELETE' })).body).toBeNull();
  });
  it('takes buffered chunks through readBuffered() and awaits read() only when none is', async () => {
    const calls = { read: 0, readBuffered: 0 };
    // Three chunks buffered, then one that arrives later, then the end; optionally a failure.
    const source = (failAfterBuffer: boolean): BodySource => {
      const buffered = [text('ab'), text('cd'), text('ef')];
      let late: Uint8Array | null = text('gh');
      return {
        readBuffered: () => {
          calls.readBuffered++;
          const chunk = buffered.shift();
          if (chunk) return chunk;
          if (failAfterBuffer)
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          return late === null ? null : undefined;
        },
        read: async () => {
          calls.read++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          const chunk = late;
          late = null;
          return chunk;
        },
        cancel: () => undefined,
      };
    };
    const client = (failAfterBuffer: boolean, length: string) =>
      defineHttpClient({
        name: 'buffered-source',
        send: async () => ({
          status: 200,
          statusText: '',
          headers: { 'content-length': length },
          body: source(failAfterBuffer),
        }),
      });

    const progress: number[] = [];
    const response = await client(false, '8').request({
      url: 'http://h/',
      onDownloadProgress: ({ transferredBytes }) => progress.push(transferredBytes),
    });
    expect(new TextDecoder().decode(await readBytes(response))).toBe('abcdefgh');
    expect(progress).toEqual([2, 4, 6, 8]);
    expect(calls.read).toBe(1);
    expect(calls.readBuffered).toBeGreaterThanOrEqual(5);

    // A failure reported by readBuffered() is a typed NetworkError, never a short body.
    const failing = await client(true, '8').request({ url: 'http://h/' });
    const error = await readBytes(failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'ECONNRESET', phase: 'download' });

    // Bytes past Content-Length are caught on the synchronous path too.
    const tooLong = await client(false, '4').request({ url: 'http://h/' });
    const mismatch = await readBytes(tooLong).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(ContentLengthMismatchError);
    expect(mismatch).toMatchObject({ direction: 'response', expectedBytes: 4, actualBytes: 6 });
  });

  it('offers the upload as a plain bodySource with the same length checks as the stream', async () => {
    const sent: Uint8Array[] = [];
    const client = defineHttpClient({
      name: 'source-reader',
      send: async (hop) => {
        for (;;) {
          const chunk = await hop.bodySource!.read();
          if (chunk === null) break;
          sent.push(chunk);
        }
        return { status: 200, statusText: '', headers: {}, body: null };
      },
    });
    async function* chunks(...values: string[]): AsyncGenerator<Uint8Array> {
      for (const value of values) yield text(value);
    }
    const progress: number[] = [];
    await client.request({
      method: 'PUT',
      url: 'http://h/',
      body: chunks('ab', '', 'cd'),
      contentLength: 4,
      onUploadProgress: ({ transferredBytes }) => progress.push(transferredBytes),
    });
    expect(new TextDecoder().decode(Buffer.concat(sent))).toBe('abcd');
    expect(progress).toEqual([2, 4]);

    // Over-long: fails before the last declared byte is handed over.
    sent.length = 0;
    const error = await client
      .request({ method: 'PUT', url: 'http://h/', body: chunks('ab', 'cd', 'e'), contentLength: 4 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentLengthMismatchError);
    expect(error).toMatchObject({ direction: 'request', expectedBytes: 4, actualBytes: 5 });
    expect(new TextDecoder().decode(Buffer.concat(sent))).toBe('ab');
  });

  describe('chunks()', () => {
    /** A body source that yields `chunks`, then (optionally) never settles a read again. */
    const sourceOf = (
      chunks: Uint8Array[],
      hangAfter: boolean,
    ): BodySource & { cancelled: boolean } => {
      const state = {
        cancelled: false,
        read: (): Promise<Uint8Array | null> => {
          const chunk = chunks.shift();
          if (chunk) return Promise.resolve(chunk);
          return hangAfter ? new Promise<never>(() => undefined) : Promise.resolve(null);
        },
        cancel: () => {
          state.cancelled = true;
        },
      };
      return state;
    };
    const clientOf = (source: BodySource, length: string | null) =>
      defineHttpClient({
        name: 'source',
        send: async () => ({
          status: 200,
          statusText: '',
          headers: length === null ? {} : { 'content-length': length },
          body: source,
        }),
      });
    const collect = async (iterable: AsyncIterable<Uint8Array>): Promise<string> => {
      let out = '';
      for await (const chunk of iterable) out += new TextDecoder().decode(chunk);
      return out;
    };

    it('checks the body against Content-Length, both shorter and longer', async () => {
      const short = await clientOf(sourceOf([text('short')], false), '10').request({
        url: 'http://h/',
      });
      const shortError = await collect(short.chunks()).catch((e: unknown) => e);
      expect(shortError).toBeInstanceOf(ContentLengthMismatchError);
      expect(shortError).toMatchObject({
        direction: 'response',
        expectedBytes: 10,
        actualBytes: 5,
      });

      const long = await clientOf(sourceOf([text('abc'), text('def')], false), '4').request({
        url: 'http://h/',
      });
      const longError = await collect(long.chunks()).catch((e: unknown) => e);
      expect(longError).toMatchObject({ direction: 'response', expectedBytes: 4, actualBytes: 6 });

      const exact = await clientOf(sourceOf([text('ab'), text('cd')], false), '4').request({
        url: 'http://h/',
      });
      expect(await collect(exact.chunks())).toBe('abcd');
    });

    it('ends a wait with the idle timeout even if the adapter read never settles', async () => {
      const source = sourceOf([text('ab')], true);
      const response = await clientOf(source, null).request({
        url: 'http://h/',
        timeouts: { idleTimeoutMs: 50 },
      });
      const error = await collect(response.chunks()).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TimeoutError', phase: 'download', timeoutMs: 50 });
      expect(source.cancelled).toBe(true);
    });

    it('response.cancel() rejects a pending next() with an AbortError and cancels the source', async () => {
      const source = sourceOf([text('ab')], true);
      const response = await clientOf(source, null).request({ url: 'http://h/' });
      const iterator = response.chunks();
      expect((await iterator.next()).value).toEqual(text('ab'));
      const pending = iterator.next();
      await response.cancel(new Error('stop'));
      await expect(pending).rejects.toMatchObject({ name: 'AbortError', phase: 'download' });
      expect(source.cancelled).toBe(true);
    });

    it('runs beforeError hooks on failures seen through chunks()', async () => {
      const client = defineHttpClient({
        name: 'hooked',
        options: {
          hooks: {
            beforeError: [
              () => new HttpError('replaced', { request: { method: 'GET', url: 'http://h/' } }),
            ],
          },
        },
        send: async () => ({
          status: 200,
          statusText: '',
          headers: { 'content-length': '9' },
          body: sourceOf([text('abc')], false),
        }),
      });
      const response = await client.request({ url: 'http://h/' });
      await expect(collect(response.chunks())).rejects.toThrow('replaced');
    });
  });
});
