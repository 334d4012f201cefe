// The status rules of docs/protocol.md §4, shared by upload and download: what to do after one
// failed try of one URL. Pure: the I/O loops in upload/ and download/ act on the verdict.

import { isMediaIntegrityError } from '@wa-media/crypto';
import {
  isContentLengthMismatchError,
  isHttpStatusError,
  isNetworkError,
  isTimeoutError,
} from '@wa-media/transport';

/** What to do after a failed try. */
export type CdnVerdict =
  /**
   * 401/403: invalidate media_conn, refresh once, start again from the first host. A 403 that
   * survives the fresh media_conn means expired (`expiredAfterRefresh`): for WhatsApp's CDN an old
   * URL answers 403 like 404/410, so a download then goes the not-found way (media reupload).
   */
  | { action: 'refresh-auth'; status: number; expiredAfterRefresh: boolean }
  /** 404/410: expired or moved (download: refresh once, then final / media reupload). */
  | { action: 'not-found'; status: number }
  /** 429/502/503/504/network/timeout: same host again after a delay, a few times. */
  | { action: 'retry-same-host'; delayMs: number | null; status?: number }
  /** Integrity failure: the bytes from this host are bad; next host from byte 0. */
  | { action: 'integrity' }
  /** Anything else: next host. */
  | { action: 'next-host'; status?: number };

/** Classifies one failure by the table of docs/protocol.md §4. */
export function classifyCdnFailure(error: unknown): CdnVerdict {
  if (isMediaIntegrityError(error)) return { action: 'integrity' };
  if (isHttpStatusError(error)) {
    const { status } = error;
    if (status === 401 || status === 403) {
      return { action: 'refresh-auth', status, expiredAfterRefresh: status === 403 };
    }
    if (status === 404 || status === 410) return { action: 'not-found', status };
    if (status === 429 || status === 502 || status === 503 || status === 504) {
      return { action: 'retry-same-host', delayMs: error.retryAfterMs, status };
    }
    return { action: 'next-host', status };
  }
  if (isNetworkError(error) || isTimeoutError(error) || isContentLengthMismatchError(error)) {
    return { action: 'retry-same-host', delayMs: null };
  }
  return { action: 'next-host' };
}

/** How many times one host is retried for transient failures, and the backoff. */
export interface RetryPolicy {
  /**
   * Extra tries of the same host after a transient failure (429, 502–504, network, timeout).
   * @default 2
   */
  sameHostRetries?: number;
  /**
   * First backoff delay; doubles each time (with jitter).
   * @default 250
   */
  baseDelayMs?: number;
  /**
   * Longest delay honoured, also for `Retry-After` (a longer one moves on to the next host; if
   * that was the last host, the final error's `retryAfterMs` says how long the CDN asked for).
   * @default 10_000
   */
  maxDelayMs?: number;
}

/** The policy with defaults filled in. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

/** Fills in {@link RetryPolicy} defaults. */
export function resolveRetryPolicy(policy: RetryPolicy | undefined): ResolvedRetryPolicy {
  return {
    sameHostRetries: policy?.sameHostRetries ?? 2,
    baseDelayMs: policy?.baseDelayMs ?? 250,
    maxDelayMs: policy?.maxDelayMs ?? 10_000,
  };
}

/** Delay before same-host retry number `retry` (1-based), or `null` to move on. */
export function retryDelay(
  policy: ResolvedRetryPolicy,
  retry: number,
  retryAfterMs: number | null,
): number | null {
  if (retry > policy.sameHostRetries) return null;
  if (retryAfterMs !== null) return retryAfterMs > policy.maxDelayMs ? null : retryAfterMs;
  const exponential = policy.baseDelayMs * 2 ** (retry - 1);
  return Math.min(policy.maxDelayMs, exponential * (0.75 + Math.random() * 0.5));
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
