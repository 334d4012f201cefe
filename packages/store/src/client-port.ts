import type { Message } from '@wa-media/protocol';

/** Who sent a message and where: what a media reupload (media retry) request needs. */
export interface ReuploadInfo {
  /** Id of the message that carried the media. */
  msgId: string;
  /** The chat the message is in. */
  chatJid: string;
  /** Whether this account sent the message. */
  isFromMe: boolean;
  /** The sender, in groups and broadcasts. */
  participant?: string;
}

/** Options the store passes to {@link StoreMediaClient.downloadToFile}. */
export interface StoreDownloadOptions {
  /** Lets the client ask the sender's phone to re-upload media past the CDN window. */
  reupload?: ReuploadInfo;
  /** Aborted when the store closes or the media is deleted. */
  signal?: AbortSignal;
}

/**
 * The one thing the store needs from a media client: download a proto `Message`'s media,
 * verified, to a file that appears only once every check passed (temp file + rename), and, given
 * `reupload`, re-request expired media by itself. `@wa-media/client`'s `createMediaClient()`
 * satisfies it structurally; tests may pass any implementation (a `Transfer` or a promise may be
 * returned: the store only awaits it).
 */
export interface StoreMediaClient {
  downloadToFile(
    message: Message,
    path: string,
    options?: StoreDownloadOptions,
  ): PromiseLike<unknown>;
}

/**
 * Why a download failed, as far as the store's retry policy cares:
 * - `expired`: the CDN answered 404/410 and no reupload helped or was possible (final);
 * - `reupload-not-found`: the sender's phone no longer has the media (final);
 * - `reupload-failed`: the reupload request failed otherwise (timeout, …; retried);
 * - `integrity`: the bytes failed verification (retried: another try may reach a good host);
 * - `network`: connection failures and 429/5xx after the client's own retries (retried);
 * - `unsupported`: the message carries no downloadable media (final);
 * - `aborted`: the store cancelled it (close/delete; not a failure);
 * - `unknown`: anything else (retried).
 */
export type DownloadFailureKind =
  | 'expired'
  | 'reupload-not-found'
  | 'reupload-failed'
  | 'integrity'
  | 'network'
  | 'unsupported'
  | 'aborted'
  | 'unknown';

const integrityCodes = new Set([
  'integrity',
  'mac-mismatch',
  'enc-sha256-mismatch',
  'sha256-mismatch',
  'bad-padding',
  'truncated',
  'bad-length',
]);
const networkCodes = new Set([
  'network',
  'timeout',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  status?: unknown;
  attempts?: unknown;
  cause?: unknown;
}

function statusesOf(error: ErrorLike): number[] {
  const statuses: number[] = [];
  if (typeof error.status === 'number') statuses.push(error.status);
  if (Array.isArray(error.attempts)) {
    for (const attempt of error.attempts as ErrorLike[]) {
      if (attempt !== null && typeof attempt === 'object' && typeof attempt.status === 'number') {
        statuses.push(attempt.status);
      }
    }
  }
  return statuses;
}

function classifyOne(error: ErrorLike): DownloadFailureKind | undefined {
  const name = typeof error.name === 'string' ? error.name : '';
  const code = typeof error.code === 'string' ? error.code : '';
  if (name === 'AbortError' || name === 'TransferCancelledError' || code === 'aborted') {
    return 'aborted';
  }
  if (name === 'MediaReuploadError' || code.startsWith('reupload-')) {
    if (code === 'not-found' || code === 'reupload-not-found') return 'reupload-not-found';
    // Media that can never be re-uploaded: retrying cannot help. A decryption error means the
    // phone cannot open a request sealed with the message's media key, and the key won't change.
    if (
      code === 'newsletter' ||
      code === 'no-signaling' ||
      code === 'decryption-error' ||
      code === 'reupload-decryption-error'
    ) {
      return 'expired';
    }
    return 'reupload-failed';
  }
  if (name === 'MediaIntegrityError' || integrityCodes.has(code)) return 'integrity';
  if (
    name === 'NoMediaError' ||
    name === 'UnsupportedMessageError' ||
    code === 'no-media' ||
    code === 'unsupported' ||
    code === 'unsupported-message' ||
    code === 'missing-media-fields'
  ) {
    return 'unsupported';
  }
  if (code === 'expired' || code === 'media-expired' || code === 'media-not-found') {
    // Gone from the CDN; a reupload that failed for a passing reason (timeout, …) is retried.
    const cause = error.cause === undefined ? undefined : classifyDownloadFailure(error.cause);
    return cause === 'reupload-failed' || cause === 'reupload-not-found' ? cause : 'expired';
  }
  if (Array.isArray(error.attempts)) {
    // Every host failed: integrity if any host served bad bytes, else by status.
    for (const attempt of error.attempts as { error?: unknown; cause?: unknown }[]) {
      const inner = attempt?.error ?? attempt?.cause;
      if (inner !== undefined && classifyOne(inner as ErrorLike) === 'integrity') {
        return 'integrity';
      }
    }
  }
  const statuses = statusesOf(error);
  if (statuses.length > 0 && statuses.every((status) => status === 404 || status === 410)) {
    return 'expired';
  }
  if (networkCodes.has(code) || statuses.some((status) => status === 429 || status >= 500)) {
    return 'network';
  }
  return undefined;
}

/**
 * Best-effort classification of an error thrown by a media client's download, by duck typing
 * (`name`, `code`, `status`, per-host `attempts`, then the `cause` chain), so it works with
 * `@wa-media/client`'s errors without importing them. Pass `classifyError` to
 * `createMediaStore` to override it.
 */
export function classifyDownloadFailure(error: unknown): DownloadFailureKind {
  let current: unknown = error;
  // The cause chain is short in practice; the cap guards against cycles.
  for (let depth = 0; depth < 8; depth++) {
    if (current === null || typeof current !== 'object') break;
    const kind = classifyOne(current as ErrorLike);
    if (kind !== undefined) return kind;
    current = (current as ErrorLike).cause;
  }
  return 'unknown';
}
