// Reading foreign errors: the one place that walks a `cause` chain for a system error code or a
// readable description, so `NetworkError.code` and the messages that name a cause agree.

/** Deepest `cause` link looked at: chains are short in practice, cycles must not loop. */
export const MAX_CAUSE_DEPTH = 8;

/**
 * The first non-empty string `code` on `error` or its `cause` chain (`'ECONNRESET'`,
 * `'UND_ERR_SOCKET'`…), or `undefined`.
 */
export function findErrorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > MAX_CAUSE_DEPTH) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code) return code;
  return findErrorCode((error as { cause?: unknown }).cause, depth + 1);
}

/** The messages of `error` and its causes joined with `: ` (repeats dropped), or `''`. */
export function describeCause(error: unknown, depth = 0): string {
  if (typeof error !== 'object' || error === null || depth > MAX_CAUSE_DEPTH) return '';
  const message = (error as { message?: unknown }).message;
  const inner = describeCause((error as { cause?: unknown }).cause, depth + 1);
  const own = typeof message === 'string' ? message : '';
  return inner && inner !== own ? `${own}${own ? ': ' : ''}${inner}` : own;
}
