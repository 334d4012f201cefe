// What the store needs from a media client (StoreMediaClient), and how a client's failure maps
// to the store's retry policy (classifyDownloadFailure, through the packages' own guards).
import {
  isMediaDownloadError,
  isMediaReuploadError,
  isNoMediaError,
  isTransferCancelledError,
  isUnsupportedMessageError,
  type MediaDownloadError,
  type MediaReuploadError,
} from '@wa-media/client';
import { isMediaIntegrityError } from '@wa-media/crypto';
import type { Message } from '@wa-media/protocol';
import {
  isAbortError,
  isHttpStatusError,
  isNetworkError,
  isTimeoutError,
} from '@wa-media/transport';

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
  /**
   * Downloads `message`'s media, verified, to `path` (created only once every check passed).
   * @returns anything awaitable; it must reject when the download failed.
   */
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

// Codes of MediaDownloadError / MediaReuploadError that no retry can fix: newsletter media
// cannot be re-requested, no signalling means no phone to ask, and a phone that cannot open a
// request sealed with the message's media key never will (the key does not change).
function reuploadRequestKind(error: MediaReuploadError): DownloadFailureKind {
  switch (error.code) {
    case 'aborted':
      return 'aborted';
    case 'newsletter':
    case 'no-signaling':
    case 'encryption':
      return 'expired';
    default:
      return 'reupload-failed';
  }
}

function isGoneStatus(status: number | undefined): boolean {
  return status === 404 || status === 410;
}

// Every host failed: integrity if any host served bad bytes, expired if every host said gone,
// else a passing failure (5xx, 429, connection trouble).
function allHostsKind(error: MediaDownloadError): DownloadFailureKind {
  // A copy from another install may lack the list.
  const attempts = Array.isArray(error.attempts) ? error.attempts : [];
  if (attempts.some((attempt) => isMediaIntegrityError(attempt?.error))) return 'integrity';
  const statuses = attempts.map((attempt) => attempt?.status);
  if (statuses.length > 0 && statuses.every(isGoneStatus)) return 'expired';
  return 'network';
}

function downloadKind(error: MediaDownloadError): DownloadFailureKind | undefined {
  switch (error.code) {
    case 'media-not-found':
    case 'media-expired': {
      // Gone from the CDN (404/410, or 403 after a fresh media_conn); a reupload that failed for a passing reason (timeout, …) is retried.
      const cause = error.cause === undefined ? undefined : classifyDownloadFailure(error.cause);
      return cause === 'reupload-failed' || cause === 'reupload-not-found' ? cause : 'expired';
    }
    case 'reupload-not-found':
      return 'reupload-not-found';
    case 'reupload-decryption-error':
      return 'expired';
    case 'reupload-general-error':
      return 'reupload-failed';
    case 'missing-media-fields':
      return 'unsupported';
    case 'too-large':
      // More bytes than the message's blob can have: served bytes that cannot be the media.
      return 'integrity';
    case 'all-hosts-failed':
      return allHostsKind(error);
    default:
      // auth-failed, not-rewindable, writer-failed: the cause (if any) may say more.
      return undefined;
  }
}

function classifyOne(error: unknown): DownloadFailureKind | undefined {
  if (isTransferCancelledError(error) || isAbortError(error)) return 'aborted';
  if ((error as { name?: unknown }).name === 'AbortError') return 'aborted';
  if (isMediaReuploadError(error)) return reuploadRequestKind(error);
  if (isMediaIntegrityError(error)) return 'integrity';
  if (isNoMediaError(error) || isUnsupportedMessageError(error)) return 'unsupported';
  if (isMediaDownloadError(error)) return downloadKind(error);
  if (isNetworkError(error) || isTimeoutError(error)) return 'network';
  if (isHttpStatusError(error)) {
    if (isGoneStatus(error.status)) return 'expired';
    if (error.status === 429 || error.status >= 500) return 'network';
  }
  return undefined;
}

/**
 * Classifies an error thrown by a media client's download through the exported guards of
 * `@wa-media/client`, `@wa-media/crypto` and `@wa-media/transport` (which also recognise copies
 * from duplicated installs), then the `cause` chain. Pass `classifyError` to `createMediaStore`
 * to override it.
 */
export function classifyDownloadFailure(error: unknown): DownloadFailureKind {
  let current: unknown = error;
  // The cause chain is short in practice; the cap guards against cycles.
  for (let depth = 0; depth < 8; depth++) {
    if (current === null || typeof current !== 'object') break;
    const kind = classifyOne(current);
    if (kind !== undefined) return kind;
    current = (current as { cause?: unknown }).cause;
  }
  return 'unknown';
}
