// The CDN status table and the backoff, as pure functions: every row of the table, and the
// delays the driver waits (or refuses to wait) between same-host tries.
import { MediaIntegrityError } from '@wa-media/crypto';
import {
  ContentLengthMismatchError,
  HttpStatusError,
  NetworkError,
  TimeoutError,
} from '@wa-media/transport';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyCdnFailure, resolveRetryPolicy, retryDelay } from './cdn-policy.js';

const status = (code: number, retryAfterMs: number | null = null): HttpStatusError =>
  new HttpStatusError({ status: code, retryAfterMs });

describe('classifyCdnFailure', () => {
  it.each([401, 403])('%i: refresh the credentials', (code) => {
    expect(classifyCdnFailure(status(code))).toEqual({
      action: 'refresh-auth',
      status: code,
      expiredAfterRefresh: code === 403,
    });
  });
  it.each([404, 410])('%i: not found', (code) => {
    expect(classifyCdnFailure(status(code))).toEqual({ action: 'not-found', status: code });
  });
  it.each([429, 502, 503, 504])('%i: the same host again, with its Retry-After', (code) => {
    expect(classifyCdnFailure(status(code, 1500))).toEqual({
      action: 'retry-same-host',
      delayMs: 1500,
      status: code,
    });
  });
  it.each([400, 408, 411, 413, 500, 501, 505])('%i: the next host', (code) => {
    expect(classifyCdnFailure(status(code))).toEqual({ action: 'next-host', status: code });
  });
  it('network errors, timeouts and short bodies: the same host again', () => {
    const transient = [
      new NetworkError('reset', { phase: 'download', code: 'ECONNRESET' }),
      new TimeoutError({ phase: 'headers', timeoutMs: 10 }),
      new ContentLengthMismatchError({ direction: 'response', expectedBytes: 10, actualBytes: 5 }),
    ];
    for (const error of transient) {
      expect(classifyCdnFailure(error)).toEqual({ action: 'retry-same-host', delayMs: null });
    }
  });
  it('integrity failures, and anything unknown', () => {
    expect(classifyCdnFailure(new MediaIntegrityError('mac-mismatch'))).toEqual({
      action: 'integrity',
    });
    expect(classifyCdnFailure(new Error('odd'))).toEqual({ action: 'next-host' });
    expect(classifyCdnFailure(undefined)).toEqual({ action: 'next-host' });
  });
});

describe('retryDelay', () => {
  const policy = resolveRetryPolicy({ sameHostRetries: 3, baseDelayMs: 100, maxDelayMs: 1000 });
  it('has the documented defaults', () => {
    expect(resolveRetryPolicy(undefined)).toEqual({
      sameHostRetries: 2,
      baseDelayMs: 250,
      maxDelayMs: 10_000,
    });
  });
  it('backs off exponentially with ±25 % jitter, capped at maxDelayMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), (retry) => {
        const delay = retryDelay(policy, retry, null) as number;
        const nominal = 100 * 2 ** (retry - 1);
        expect(delay).toBeGreaterThanOrEqual(nominal * 0.75);
        expect(delay).toBeLessThanOrEqual(Math.min(1000, nominal * 1.25));
      }),
    );
  });
  it('honours Retry-After up to maxDelayMs; a longer one means the next host', () => {
    expect(retryDelay(policy, 1, 1000)).toBe(1000);
    expect(retryDelay(policy, 1, 0)).toBe(0);
    expect(retryDelay(policy, 1, 1001)).toBeNull();
  });
  it('gives up after sameHostRetries', () => {
    expect(retryDelay(policy, 4, null)).toBeNull();
    expect(retryDelay(policy, 4, 10)).toBeNull();
    expect(retryDelay(resolveRetryPolicy({ sameHostRetries: 0 }), 1, null)).toBeNull();
  });
});
