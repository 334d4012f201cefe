// The redirect rule, pure: given one hop's answer, hand it to the caller, follow it (and how),
// or fail. Every policy on redirects lives in `decideRedirect` and nowhere else, so a newcomer
// (or a stricter rule) finds it in one place.

import { redactUrl } from '../redact.js';
import { privateDestination } from './addresses.js';

/** Statuses that carry a `Location` to follow. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers meant for the original origin only: dropped when a redirect leaves it. */
const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie'];

/** What the decision looks at. */
export interface RedirectInput {
  /** The request's `redirect` option. */
  readonly mode: 'follow' | 'manual';
  readonly status: number;
  /** The answer's `location` header, if any. */
  readonly location: string | undefined;
  /** The hop's method and URL. */
  readonly method: string;
  readonly url: URL;
  /** Redirects already followed for this request (0 on the first hop). */
  readonly redirectCount: number;
  readonly maxRedirects: number;
  /** The request body: none, bytes (can be sent again) or a stream (already consumed). */
  readonly body: 'none' | 'bytes' | 'stream';
  /** The caller's allow-list of redirect targets (`destinations.allowRedirect`), if any. */
  readonly allowRedirect?: ((url: URL) => boolean) | undefined;
  /** Refuse targets that are private, loopback or link-local IP literals. */
  readonly publicAddressesOnly?: boolean;
}

/** What to do with a hop's answer. */
export type RedirectDecision =
  /** The answer is the response (not a redirect, or `redirect: 'manual'`). */
  | { readonly kind: 'deliver' }
  /** Send the next hop to `url` with `method`; drop the body and these headers first. */
  | {
      readonly kind: 'follow';
      readonly url: URL;
      readonly method: string;
      readonly dropBody: boolean;
      readonly dropHeaders: readonly string[];
    }
  /** The redirect cannot be followed; `message` is redacted, `cause` the parse error if any. */
  | { readonly kind: 'fail'; readonly message: string; readonly cause?: unknown };

/**
 * Decides what a hop's answer leads to.
 *
 * @example
 * ```ts
 * decideRedirect({ mode: 'follow', status: 303, location: '/done', method: 'POST',
 *   url: new URL('https://h/up'), redirectCount: 0, maxRedirects: 5, body: 'bytes' });
 * // → { kind: 'follow', url: https://h/done, method: 'GET', dropBody: true, dropHeaders: [] }
 * ```
 */
export function decideRedirect(input: RedirectInput): RedirectDecision {
  if (
    input.mode !== 'follow' ||
    !REDIRECT_STATUSES.has(input.status) ||
    input.location === undefined
  ) {
    return { kind: 'deliver' };
  }
  if (input.redirectCount >= input.maxRedirects) {
    return { kind: 'fail', message: `Too many redirects (more than ${input.maxRedirects})` };
  }
  let next: URL;
  try {
    next = new URL(input.location, input.url);
  } catch (cause) {
    return { kind: 'fail', message: 'Redirect with an invalid Location header', cause };
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    return { kind: 'fail', message: `Redirect to unsupported protocol ${next.protocol}` };
  }
  const refused = refusedTarget(input, next);
  if (refused !== undefined) return { kind: 'fail', message: refused };
  // 303 always, and 301/302 after a POST (as browsers do), turn into a body-less GET.
  const toGet =
    input.status === 303 ||
    ((input.status === 301 || input.status === 302) && input.method === 'POST');
  const method = toGet && input.method !== 'HEAD' ? 'GET' : input.method;
  if (!toGet && input.body === 'stream') {
    return {
      kind: 'fail',
      message: `Cannot re-send a streamed request body to follow a redirect of ${method} ${redactUrl(next)}; pass a Uint8Array body or use redirect: 'manual'`,
    };
  }
  return {
    kind: 'follow',
    url: next,
    method,
    dropBody: toGet,
    dropHeaders: next.origin === input.url.origin ? [] : CREDENTIAL_HEADERS,
  };
}

/** Why the target breaks the destination rules (never https → http, the caller's allow-list). */
function refusedTarget(input: RedirectInput, next: URL): string | undefined {
  if (input.url.protocol === 'https:' && next.protocol === 'http:') {
    return `Refused a redirect from https to plain http (${redactUrl(next)})`;
  }
  if (input.allowRedirect !== undefined && !input.allowRedirect(next)) {
    return `Refused a redirect to a host outside the allowed set (${redactUrl(next)})`;
  }
  const privateTarget = privateDestination(next, input.publicAddressesOnly === true);
  return privateTarget === undefined ? undefined : `${privateTarget} (a redirect)`;
}
