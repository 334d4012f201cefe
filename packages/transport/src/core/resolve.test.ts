// Request and settings resolution without a server: defaults, normalization and every
// validation error, in the order the pipeline reports them.
import { describe, expect, it } from 'vitest';
import { ContentLengthMismatchError } from '../errors.js';
import {
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_TIMEOUTS,
  resolveConfig,
  resolveRequest,
  resolveTimeouts,
} from './resolve.js';

const config = resolveConfig({ headers: { 'X-Client': 'wa' }, timeouts: { idleTimeoutMs: 5 } });
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('resolveConfig', () => {
  it('applies the defaults and lower-cases header names', () => {
    const resolved = resolveConfig();
    expect(resolved.timeouts).toEqual(DEFAULT_TIMEOUTS);
    expect(resolved.maxRedirects).toBe(DEFAULT_MAX_REDIRECTS);
    expect(config.headers).toEqual({ 'x-client': 'wa' });
    expect(config.timeouts).toEqual({ headersTimeoutMs: 30_000, idleTimeoutMs: 5 });
  });

  it('rejects bad bounds and header values, naming the option', () => {
    expect(() => resolveConfig({ maxRedirects: -1 })).toThrow(/options\.maxRedirects/);
    expect(() => resolveConfig({ maxRedirects: 1.5 })).toThrow(RangeError);
    expect(() => resolveConfig({ timeouts: { headersTimeoutMs: Number.NaN } })).toThrow(
      /options\.timeouts\.headersTimeoutMs/,
    );
    expect(() => resolveConfig({ headers: { a: 1 as unknown as string } })).toThrow(
      /options\.headers\["a"\] must be a string/,
    );
    expect(resolveTimeouts(DEFAULT_TIMEOUTS, { idleTimeoutMs: 0 }, 'x').idleTimeoutMs).toBe(0);
  });
});

describe('resolveRequest', () => {
  it('upper-cases the method, merges headers under the request, sets Range and identity', () => {
    const plan = resolveRequest(config, {
      url: 'https://h/x',
      method: 'put',
      headers: { 'X-Client': 'mine', 'Content-Length': '3', 'Transfer-Encoding': 'chunked' },
      body: bytes('abc'),
      range: { start: 2, end: 5 },
      timeouts: { headersTimeoutMs: 7 },
    });
    expect(plan.method).toBe('PUT');
    expect(plan.url.href).toBe('https://h/x');
    expect(plan.headers).toEqual({
      'accept-encoding': 'identity',
      'x-client': 'mine',
      range: 'bytes=2-4',
    });
    expect(plan.body?.contentLength).toBe(3);
    expect(plan.timeouts).toEqual({ headersTimeoutMs: 7, idleTimeoutMs: 5 });
    expect(plan.redirect).toBe('follow');
  });

  it('takes the length of a streamed body from contentLength or a content-length header', () => {
    const stream = new ReadableStream<Uint8Array>();
    const fromOption = resolveRequest(config, {
      url: 'http://h/',
      method: 'POST',
      body: stream,
      contentLength: 9,
    });
    expect(fromOption.body).toMatchObject({ bytes: null, contentLength: 9 });
    const fromHeader = resolveRequest(config, {
      url: 'http://h/',
      method: 'POST',
      body: stream,
      headers: { 'content-length': ' 4 ' },
      redirect: 'manual',
    });
    expect(fromHeader.body?.contentLength).toBe(4);
    expect(fromHeader.redirect).toBe('manual');
    expect(resolveRequest(config, { url: 'http://h/' }).body).toBeNull();
  });

  it('rejects bad input, naming the parameter, before anything is sent', () => {
    const reject = (request: Parameters<typeof resolveRequest>[1]) => () =>
      resolveRequest(config, request);
    expect(reject({ url: 'not a url?auth=secret' })).toThrow(/request\.url is not a valid/);
    expect(reject({ url: 'ftp://h/x' })).toThrow(/must use http: or https:, got ftp:/);
    expect(reject({ url: 'http://h/', method: 'GE T' })).toThrow(/request\.method/);
    expect(reject({ url: 'http://h/', timeouts: { idleTimeoutMs: -1 } })).toThrow(
      /request\.timeouts\.idleTimeoutMs/,
    );
    expect(reject({ url: 'http://h/', headers: { a: 2 as unknown as string } })).toThrow(
      /request\.headers\["a"\]/,
    );
    expect(
      reject({
        url: 'http://h/',
        method: 'PUT',
        body: bytes('x'),
        headers: { 'content-length': 'x' },
      }),
    ).toThrow(/content-length.*conflicts/);
    expect(
      reject({
        url: 'http://h/',
        method: 'PUT',
        body: bytes('x'),
        contentLength: 1,
        headers: { 'content-length': '2' },
      }),
    ).toThrow(RangeError);
    expect(
      reject({ url: 'http://h/', method: 'PUT', body: bytes('abc'), contentLength: 2 }),
    ).toThrow(ContentLengthMismatchError);
    expect(reject({ url: 'http://h/', range: { start: 3, end: 3 } })).toThrow(/range\.end/);
    expect(reject({ url: 'http://h/', body: bytes('x') })).toThrow(/not allowed with method GET/);
    expect(reject({ url: 'http://h/', method: 'head', body: bytes('x') })).toThrow(
      /not allowed with method HEAD/,
    );
  });

  it('never shows a URL secret in a validation error', () => {
    expect(() => resolveRequest(config, { url: 'nope?auth=super-secret-token' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('super-secret-token') }),
    );
  });
});
