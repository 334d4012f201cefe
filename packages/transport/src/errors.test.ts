// The error hierarchy: names, guards across copies, and no credential in any serialization.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  ContentLengthMismatchError,
  HttpError,
  HttpStatusError,
  isAbortError,
  isContentLengthMismatchError,
  isHttpError,
  isHttpStatusError,
  isNetworkError,
  isRangeMismatchError,
  isResponseParseError,
  isResponseTooLargeError,
  isTimeoutError,
  NetworkError,
  RangeMismatchError,
  ResponseParseError,
  ResponseTooLargeError,
  TimeoutError,
} from './errors.js';

const secretUrl = 'https://mmg.whatsapp.net/x.enc?oh=OH-SECRET-1&auth=AUTH-SECRET-2&oe=1';
const request = {
  method: 'GET',
  url: secretUrl,
  headers: { authorization: 'Bearer BEARER-SECRET-3' },
};
const secrets = ['OH-SECRET-1', 'AUTH-SECRET-2', 'BEARER-SECRET-3'];

function everyRendering(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let i = 0; current !== undefined && i < 10; i++) {
    const e = current as Error;
    parts.push(
      e.message,
      String(e.stack),
      JSON.stringify(e),
      inspect(e, { depth: 20, showHidden: true }),
    );
    current = e.cause;
  }
  return parts.join('\n');
}

describe('errors', () => {
  it('redact a foreign cause chain that embeds the URL and the token', () => {
    const undiciLike = Object.assign(new TypeError(`fetch failed for ${secretUrl}`), {
      cause: Object.assign(new Error('connect ECONNREFUSED, token BEARER-SECRET-3'), {
        code: 'ECONNREFUSED',
        url: secretUrl,
        headers: { authorization: 'Bearer BEARER-SECRET-3' },
      }),
    });
    const error = new NetworkError(`failed: ${secretUrl}`, {
      request,
      phase: 'headers',
      cause: undiciLike,
    });
    const text = everyRendering(error);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.url).toBe('https://mmg.whatsapp.net/x.enc?oh=REDACTED&auth=REDACTED&oe=1');
    // What is not secret survives.
    expect((error.cause as Error).name).toBe('TypeError');
    expect(((error.cause as Error).cause as { code: string }).code).toBe('ECONNREFUSED');
    expect(text).toContain('oe=1');
  });

  it('keep an upload token out of url, message, stack, JSON, inspect, clone and causes', () => {
    const token = 'UpLoAdToKeN-0123456789_abc';
    const uploadUrl = `https://mmg.whatsapp.net/mms/image/${token}?auth=AUTH-SECRET-2&token=${token}`;
    const uploadRequest = { method: 'POST', url: uploadUrl };
    const cause = Object.assign(new Error(`socket hang up for ${uploadUrl}`), {
      path: `/mms/image/${token}`,
      cause: new Error(`inner ${token}`),
    });
    const errors = [
      new HttpError(`x ${uploadUrl}`, { request: uploadRequest, cause }),
      new NetworkError('failed', { request: uploadRequest, phase: 'upload', cause }),
      new TimeoutError({ request: uploadRequest, phase: 'headers', timeoutMs: 5 }),
      new HttpStatusError({
        request: uploadRequest,
        status: 403,
        headers: { location: uploadUrl, 'x-path': `/mms/image/${token}` },
        bodySnippet: `bad token ${token} for ${uploadUrl}`,
      }),
    ];
    for (const error of errors) {
      expect(error.url).toBe(
        'https://mmg.whatsapp.net/mms/image/REDACTED?auth=REDACTED&token=REDACTED',
      );
      const text = `${everyRendering(error)}\n${JSON.stringify(structuredClone(error))}\n${inspect(structuredClone(error), { depth: 20 })}`;
      expect(text).not.toContain(token);
      expect(text).not.toContain('AUTH-SECRET-2');
      expect(text).toContain('/mms/image/REDACTED');
    }
  });

  it('have the right name in the stack and toJSON, and keep fields', () => {
    const error = new TimeoutError({ request, phase: 'download', timeoutMs: 5 });
    expect(error.stack?.startsWith('TimeoutError: ')).toBe(true);
    const json = JSON.parse(JSON.stringify(error));
    expect(json).toMatchObject({ name: 'TimeoutError', method: 'GET', timeoutMs: 5 });
    const status = new HttpStatusError({
      request,
      status: 429,
      statusText: 'Too Many Requests',
      headers: { 'set-cookie': 'sid=OH-SECRET-1', location: secretUrl },
      bodySnippet: `x`.repeat(5000),
      retryAfterMs: 1000,
    });
    expect(status.message).toBe(
      'HTTP 429 Too Many Requests for GET https://mmg.whatsapp.net/x.enc?oh=REDACTED&auth=REDACTED&oe=1',
    );
    expect(status.bodySnippet.length).toBe(1024);
    expect(status.headers['set-cookie']).toBe('REDACTED');
    expect(everyRendering(status)).not.toMatch(/SECRET/);
    const mismatch = new ContentLengthMismatchError({
      direction: 'request',
      expectedBytes: 10,
      actualBytes: 12,
    });
    expect(mismatch.message).toMatch(
      /longer than its declared length: expected 10 bytes, got more than 12/,
    );
  });

  it('carry their name as an own field, so plain copies keep it and the guards still match', () => {
    const samples = [
      new HttpError('m'),
      new HttpStatusError({ status: 500 }),
      new NetworkError('m', { phase: 'headers' }),
      new TimeoutError({ phase: 'download', timeoutMs: 1 }),
      new AbortError({ phase: 'upload' }),
      new ContentLengthMismatchError({ direction: 'response', expectedBytes: 1, actualBytes: 2 }),
      new ResponseTooLargeError({ maxBytes: 1 }),
      new ResponseParseError('m'),
      new RangeMismatchError({ requested: { start: 5 }, received: null }),
    ];
    const guards = [
      isHttpStatusError,
      isNetworkError,
      isTimeoutError,
      isAbortError,
      isContentLengthMismatchError,
      isResponseTooLargeError,
      isResponseParseError,
      isRangeMismatchError,
    ];
    for (const error of samples) {
      expect(Object.hasOwn(error, 'name')).toBe(true);
      expect(error.stack?.startsWith(`${error.name}: `)).toBe(true);
      const copy = { ...error };
      expect(copy.name).toBe(error.name);
      expect(isHttpError(copy)).toBe(true);
      for (const guard of guards) expect(guard(copy)).toBe(guard(error));
      expect(guards.filter((guard) => guard(error)).length).toBe(
        error.name === 'HttpError' ? 0 : 1,
      );
    }
  });

  it('guards match instances and look-alikes by name, not unrelated errors', () => {
    const abort = new AbortError({ phase: 'download' });
    expect(isAbortError(abort)).toBe(true);
    expect(isHttpError(abort)).toBe(true);
    expect(abort).toBeInstanceOf(HttpError);
    expect(isAbortError(new DOMException('x', 'AbortError'))).toBe(false);
    expect(isTimeoutError(new DOMException('x', 'TimeoutError'))).toBe(false);
    expect(isNetworkError({ name: 'NetworkError', phase: 'headers', url: undefined })).toBe(true);
    expect(isHttpStatusError(new Error('HttpStatusError'))).toBe(false);
    expect(isHttpError(null)).toBe(false);
    expect(isHttpError('HttpError')).toBe(false);
  });
});
